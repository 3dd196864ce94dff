"""Accounts from the command line: every person named, passwords people cannot guess first,
the last admin kept, and every change in a hash-chained audit trail."""

from __future__ import annotations

import getpass
import json

import pytest
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from broadcaster.errors import Code
from broadcaster.evidence import audit
from broadcaster.store.db import AuditEvent, User
from broadcaster.store.users import UserError, authenticate, check_password
from tests.conftest import ADMIN_PASSWORD


@pytest.fixture
def cli(station, runner):  # type: ignore[no-untyped-def]
    from broadcaster.cli import main

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=stdin)

    return run


def _user(station, name: str) -> User:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        return session.scalars(select(User).where(User.name == name)).one()


def test_a_new_account_gets_a_password_shown_once_that_must_be_changed(station, cli) -> None:  # type: ignore[no-untyped-def]
    added = cli("users", "add", "Nguyễn Thị Lan", "--role", "officer")
    assert added.exit_code == 0, added.output
    password = added.output.split("Password for Nguyễn Thị Lan: ")[1].split()[0]
    assert "shown only now" in added.output
    user = _user(station, "Nguyễn Thị Lan")
    assert user.must_change_password and user.password_hash.startswith("$argon2id$")
    assert password not in user.password_hash
    listed = json.loads(cli("users", "list", "--json").output)
    assert {"name": "Nguyễn Thị Lan", "role": "officer", "disabled": False,
            "must_change_password": True} in listed  # fmt: skip
    assert password not in cli("users", "list").output  # never shown again
    with station.sessions() as session:
        assert authenticate(session, "Nguyễn Thị Lan", password) is not None


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("ngan-qua", Code.USER_PASSWORD_SHORT),
        ("1234567890", Code.USER_PASSWORD_COMMON),
        ("Anh Yêu Em 123", Code.USER_PASSWORD_COMMON),  # anhyeuem123, whatever the case and marks
        ("matkhau123", Code.USER_PASSWORD_COMMON),
        ("qwertyuiop", Code.USER_PASSWORD_COMMON),
        ("aaaaaaaaaaaa", Code.USER_PASSWORD_COMMON),
        ("lan.nguyen", Code.USER_PASSWORD_IS_NAME),
    ],
)
def test_weak_passwords_are_refused(password: str, code: Code) -> None:
    with pytest.raises(UserError) as refused:
        check_password(password, "lan.nguyen")
    assert refused.value.code == code


def test_a_chosen_password_is_read_from_standard_input_and_checked(station, cli) -> None:  # type: ignore[no-untyped-def]
    weak = cli(
        "users", "add", "lan", "--role", "officer", "--password-stdin", stdin="anhyeuem123\n"
    )
    assert weak.exit_code == 1 and "list of common passwords" in weak.output
    with station.sessions() as session:
        assert session.scalar(select(User).where(User.name == "lan")) is None  # nothing made
    good = cli(
        "users", "add", "lan", "--role", "officer", "--password-stdin", stdin="bến-đò-chiều-mưa\n"
    )
    assert good.exit_code == 0 and "Password for" not in good.output
    assert not _user(station, "lan").must_change_password


def test_roles_resets_and_disabling_end_sessions_and_keep_one_admin(station, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("users", "add", "chu-tich", "--role", "leader").exit_code == 0
    version = _user(station, "chu-tich").session_version
    reset = cli("users", "reset-password", "chu-tich")
    new = reset.output.split("Password for chu-tich: ")[1].split()[0]
    user = _user(station, "chu-tich")
    assert user.must_change_password and user.session_version == version + 1
    assert cli("users", "disable", "chu-tich").exit_code == 0
    with station.sessions() as session:
        assert authenticate(session, "chu-tich", new) is None  # disabled: no login
    assert _user(station, "chu-tich").session_version == version + 2
    assert cli("users", "enable", "chu-tich").exit_code == 0
    last = cli("users", "set-role", "admin", "officer")
    assert last.exit_code == 1 and "'admin' is the last enabled admin" in last.output
    assert cli("users", "disable", "admin").exit_code == 1
    assert _user(station, "admin").role == "admin" and not _user(station, "admin").disabled
    missing = cli("users", "disable", "nobody")
    assert missing.exit_code == 1 and "There is no user named 'nobody'" in missing.output


def test_every_account_change_is_in_the_audit_trail_as_the_system_user(station, cli) -> None:  # type: ignore[no-untyped-def]
    cli("users", "add", "van-phong", "--role", "office")
    cli("users", "set-role", "van-phong", "leader")
    cli("users", "reset-password", "van-phong")
    with station.sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    actions = [(e.actor, e.action, e.target) for e in events]
    me = f"cli:{getpass.getuser()}"
    assert actions[-3:] == [
        (me, "user.add", "user:van-phong"),
        (me, "user.role", "user:van-phong"),
        (me, "user.reset_password", "user:van-phong"),
    ]
    assert events[-2].after_hash == events[-1].before_hash  # one account's history, linked
    verified = cli("log", "verify")
    assert (
        verified.exit_code == 0
        and f"The audit trail is intact: {len(events)} event(s)." in verified.output
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'someone else' WHERE seq = 2",
        "DELETE FROM audit_event WHERE seq = 2",
        "UPDATE audit_event SET action = 'user.enable' WHERE seq = 3",
    ],
    ids=["edit-actor", "delete", "edit-action"],
)
def test_an_edited_audit_trail_is_caught(station, cli, statement: str) -> None:  # type: ignore[no-untyped-def]
    for name in ("a-1", "a-2", "a-3"):
        cli("users", "add", name, "--role", "officer")
    with station.engine.begin() as conn:
        conn.execute(text(statement))
    with station.sessions() as session:
        verdict = audit.verify(session)
    assert not verdict.ok and verdict.bad_seq in (2, 3)
    refused = cli("log", "verify")
    assert refused.exit_code == 1 and "The audit trail has been altered at event" in refused.output


def test_a_password_hash_of_the_first_release_still_logs_in_and_is_upgraded(station) -> None:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        admin = session.scalars(select(User).where(User.name == "admin")).one()
        admin.password_hash = generate_password_hash(ADMIN_PASSWORD)  # werkzeug scrypt
        session.commit()
        assert authenticate(session, "admin", "wrong password!") is None
        assert authenticate(session, "admin", ADMIN_PASSWORD) is not None
        session.commit()
    assert _user(station, "admin").password_hash.startswith("$argon2id$")


# --- who may approve what ----------------------------------------------------------------------


def _draft(cli, project, author: str | None = None) -> None:  # type: ignore[no-untyped-def]
    (project / "tin.txt").write_text("Thông báo lịch tiếp công dân tháng này.", encoding="utf-8")
    extra = ["--author", author] if author else []
    assert cli("scripts", "add", "tin.txt", "--topic", "a", *extra).exit_code == 0


@pytest.mark.parametrize(
    ("approver", "says"),
    [
        ("Không Có Ai", "'Không Có Ai' is not an enabled leader or admin account"),
        ("van-thu", "'van-thu' is not an enabled leader or admin account"),  # an officer
        ("pho-chu-tich", "'pho-chu-tich' is not an enabled leader or admin account"),  # disabled
    ],
)
def test_only_an_enabled_leader_account_approves(
    station, cli, project, approver: str, says: str
) -> None:  # type: ignore[no-untyped-def]
    cli("users", "add", "van-thu", "--role", "officer")
    cli("users", "add", "pho-chu-tich", "--role", "leader")
    cli("users", "disable", "pho-chu-tich")
    _draft(cli, project)
    refused = cli("scripts", "approve", "1", "--by", approver)
    assert refused.exit_code == 1 and says in refused.output
    assert json.loads(cli("scripts", "list", "--json").output)[0]["status"] == "draft"


def test_the_author_cannot_approve_unless_the_town_allows_it(station, cli, project) -> None:  # type: ignore[no-untyped-def]
    _draft(cli, project, author="Chủ tịch")
    refused = cli("scripts", "approve", "1", "--by", "Chủ tịch")
    assert (
        refused.exit_code == 1
        and "Chủ tịch wrote or recorded script 1; another leader must approve it" in refused.output
    )
    (project / "broadcaster.toml").write_text('self_approval = "on"\n', encoding="utf-8")
    assert cli("scripts", "approve", "1", "--by", "Chủ tịch").exit_code == 0
    with station.sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    me = f"cli:{getpass.getuser()}"
    assert [(e.actor, e.action, e.target) for e in events] == [
        (me, "script.add", "script:1"),
        (me, "script.approve", "script:1"),
    ]


def test_a_script_added_from_the_command_line_names_the_system_user(station, cli, project) -> None:  # type: ignore[no-untyped-def]
    _draft(cli, project)
    (script,) = json.loads(cli("scripts", "list", "--json").output)
    shown = cli("scripts", "show", str(script["id"])).output
    assert f"cli:{getpass.getuser()}" in shown


@pytest.mark.parametrize("name", ["demo", "Demo", "system", "cli:root", "CLI:vhxh"])
def test_names_the_log_uses_for_itself_cannot_be_taken(station, cli, name: str) -> None:  # type: ignore[no-untyped-def]
    """Nobody can pose as the sample bulletins' author or as the station's command line."""
    before = len(json.loads(cli("users", "list", "--json").output))
    refused = cli("users", "add", name, "--role", "leader")
    assert refused.exit_code == 1 and "a name the log uses for itself" in refused.output
    assert "Traceback" not in refused.output
    assert len(json.loads(cli("users", "list", "--json").output)) == before


def test_the_demo_bulletins_are_marked_as_samples_in_the_log_and_the_report(
    project, settings
) -> None:  # type: ignore[no-untyped-def]
    """`init --demo` approves its samples itself (exempt from separation of duties), so every
    row they leave says they are samples: the Office must not report them as the town's."""
    from broadcaster.web import create_app

    from broadcaster.daemon.process import Daemon
    from broadcaster.onair.outputs import NullOutput
    from broadcaster.programme.slots import parse_slots
    from broadcaster.services import reports
    from broadcaster.services.context import Context
    from broadcaster.services.station import initialise, open_station
    from tests.conftest import FIXED_NOW
    from tests.web.test_web import login, page

    made = initialise(settings, ADMIN_PASSWORD, FIXED_NOW, demo=True)
    assert made.demo_scripts == 5
    station = open_station(settings)
    morning = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")
    Daemon(settings, station.sessions, morning, NullOutput(), clock=lambda: FIXED_NOW).air_slot(
        "Sáng"
    )
    with station.sessions() as session:
        ctx = Context(settings, session, lambda: FIXED_NOW)
        rows = reports.airing_log(ctx, None)
        period = reports.period(ctx, "2024-03-01", "2024-03-31")
        report = reports.office_report(ctx, period, samples=True).body.decode("utf-8-sig")
        # Left out of the Office's report unless asked for.
        plain = reports.office_report(ctx, period).body.decode("utf-8-sig")
        assert reports.report_summary(ctx, period).rows == 0
    assert rows and {r.author for r in rows} == {"demo"} and {r.outcome for r in rows} == {"aired"}
    assert report.count("demo (bản tin mẫu, không phải bản tin thật)") == len(rows)
    assert "bản tin mẫu" not in plain
    app = create_app(settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    client = app.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    log = page(client.get("/log/?from=2024-03-01&to=2024-03-31"))
    assert log.count("bản tin mẫu, không phải bản tin thật") == len(rows)
    app.extensions["broadcaster"].engine.dispose()
    station.engine.dispose()
