"""Logging in on the web page: sessions that really end, passwords people must change,
throttling that slows a guesser without locking a leader out, and the accounts page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient
from sqlalchemy import func, select

from broadcaster.store import users as users_module
from broadcaster.store.db import AuditEvent, LoginAttempt, User
from broadcaster.store.users import create_user
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW

PASSWORD = "mat-khau-thu-nghiem"


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(station, clock):  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        create_user(session, "chutich", PASSWORD, "leader")
        session.commit()
    made = create_app(station.settings, {"TESTING": True}, clock=clock)
    yield made
    made.extensions["broadcaster"].engine.dispose()


def _token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _login(client: FlaskClient, name: str, password: str, address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": _token(client, "/login")},
        environ_base={"REMOTE_ADDR": address},
    )


def _in(client: FlaskClient) -> bool:
    """Whether this client's session still opens a page (not sent to the login)."""
    return client.get("/").status_code == 200


def test_a_cookie_saved_before_logout_no_longer_works_after_it(app) -> None:  # type: ignore[no-untyped-def]
    browser = app.test_client()
    assert _login(browser, "chutich", PASSWORD).status_code == 302
    stolen = app.test_client()
    stolen.set_cookie("session", browser.get_cookie("session").value)
    assert _in(stolen)  # a copy of the cookie works while the session lives
    browser.post("/logout", data={"csrf_token": _token(browser, "/")})
    assert not _in(stolen)
    assert not _in(browser)


def test_a_password_change_ends_every_other_session_but_this_one(app) -> None:  # type: ignore[no-untyped-def]
    here, elsewhere = app.test_client(), app.test_client()
    _login(here, "chutich", PASSWORD)
    _login(elsewhere, "chutich", PASSWORD)
    changed = here.post(
        "/password",
        data={"old": PASSWORD, "new": "sông-Hồng-mùa-lũ", "again": "sông-Hồng-mùa-lũ",
              "csrf_token": _token(here, "/password")},
    )  # fmt: skip
    assert changed.status_code == 302
    assert _in(here) and not _in(elsewhere)
    assert _login(elsewhere, "chutich", "sông-Hồng-mùa-lũ").status_code == 302


def test_a_session_unused_for_eight_hours_ends(app, clock) -> None:  # type: ignore[no-untyped-def]
    browser = app.test_client()
    _login(browser, "chutich", PASSWORD)
    clock.now += timedelta(hours=7, minutes=59)
    assert _in(browser)  # used: the eight hours start again
    clock.now += timedelta(hours=8, minutes=1)
    response = browser.get("/", follow_redirects=True)
    assert "hết hạn vì lâu không dùng" in response.get_data(as_text=True)
    assert not _in(browser)


def test_a_disabled_account_is_logged_out_at_once(app, station) -> None:  # type: ignore[no-untyped-def]
    leader, admin = app.test_client(), app.test_client()
    _login(leader, "chutich", PASSWORD)
    _login(admin, "admin", ADMIN_PASSWORD)
    done = admin.post(
        "/users/",
        data={"action": "disable", "name": "chutich", "csrf_token": _token(admin, "/users/")},
    )
    assert done.status_code == 302
    assert not _in(leader)
    refused = _login(leader, "chutich", PASSWORD)
    assert refused.status_code == 401 and "không đúng" in refused.get_data(as_text=True)


def test_wrong_passwords_slow_an_account_down_but_never_lock_it(app, clock, station) -> None:  # type: ignore[no-untyped-def]
    guesser = app.test_client()
    for n in range(5):
        assert _login(guesser, "chutich", f"sai-mat-khau-{n}").status_code == 401
    slowed = _login(guesser, "chutich", PASSWORD)  # even the right one must wait
    assert slowed.status_code == 429
    assert "hãy đợi 2 giây" in slowed.get_data(as_text=True)
    clock.now += timedelta(seconds=1)
    assert _login(app.test_client(), "chutich", PASSWORD, "10.0.0.2").status_code == 429
    clock.now += timedelta(seconds=1)  # the delay grows with each failure, never a lock
    assert _login(app.test_client(), "chutich", PASSWORD, "10.0.0.2").status_code == 302
    with station.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 6
    clock.now += timedelta(days=2)  # a day later the old tries are gone; only this one stays
    assert _login(app.test_client(), "chutich", PASSWORD, "10.0.0.2").status_code == 302
    with station.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 1


def test_one_address_gets_a_hard_limit_that_survives_a_restart(app, station, clock) -> None:  # type: ignore[no-untyped-def]
    attacker = app.test_client()
    for n in range(30):  # a different name each time: no account's delay applies
        assert _login(attacker, f"nguoi-{n}", "sai-mat-khau", "203.0.113.9").status_code == 401
    restarted = create_app(station.settings, {"TESTING": True}, clock=clock)
    blocked = _login(restarted.test_client(), "chutich", PASSWORD, "203.0.113.9")
    assert blocked.status_code == 429 and "thử lại sau 15 phút" in blocked.get_data(as_text=True)
    assert _login(restarted.test_client(), "chutich", PASSWORD, "10.0.0.3").status_code == 302
    restarted.extensions["broadcaster"].engine.dispose()


def test_an_unknown_name_costs_one_password_check_like_a_known_one(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    checked: list[str] = []
    real = users_module.password_matches

    def counting(stored, password):  # type: ignore[no-untyped-def]
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(users_module, "password_matches", counting)
    _login(app.test_client(), "nobody-here", "sai-mat-khau")
    _login(app.test_client(), "chutich", "sai-mat-khau")
    assert len(checked) == 2 and checked[0] != checked[1]  # the decoy, then the real hash
    assert all(stored.startswith("$argon2id$") for stored in checked)


def test_a_generated_password_must_be_changed_first_and_the_demo_note_goes(station, clock) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.services import accounts
    from broadcaster.services.context import Context

    with station.sessions() as session:
        issued = accounts.add_user(
            Context(station.settings, session, clock, actor="admin"), "lan", "officer"
        )
    note = station.settings.var_path / "demo-login.txt"
    note.write_text(f"user: lan\npassword: {issued.password}\n")
    app = create_app(station.settings, {"TESTING": True}, clock=clock)
    browser = app.test_client()
    assert _login(browser, "lan", issued.password or "").status_code == 302
    first = browser.get("/")
    assert first.status_code == 302 and first.location.endswith("/password")
    weak = browser.post(
        "/password",
        data={"old": issued.password, "new": "anhyeuem123", "again": "anhyeuem123",
              "csrf_token": _token(browser, "/password")},
    )  # fmt: skip
    assert weak.status_code == 400 and "mật khẩu phổ biến" in weak.get_data(as_text=True)
    browser.post(
        "/password",
        data={"old": issued.password, "new": "bến-đò-chiều-mưa", "again": "bến-đò-chiều-mưa",
              "csrf_token": _token(browser, "/password")},
    )  # fmt: skip
    assert _in(browser) and not note.exists()
    app.extensions["broadcaster"].engine.dispose()


def test_the_accounts_page_is_for_admins_and_every_change_is_audited(app, station) -> None:  # type: ignore[no-untyped-def]
    leader = app.test_client()
    _login(leader, "chutich", PASSWORD)
    assert leader.get("/users/").status_code == 403
    admin = app.test_client()
    _login(admin, "admin", ADMIN_PASSWORD)
    added = admin.post(
        "/users/", data={"action": "add", "name": "Trần Văn Nam", "role": "office",
                         "csrf_token": _token(admin, "/users/")},
    )  # fmt: skip
    html = added.get_data(as_text=True)
    shown = re.search(r'<code class="password">([^<]+)</code>', html)
    assert added.status_code == 200 and shown and "chỉ hiện một lần" in html
    assert shown.group(1) not in admin.get("/users/").get_data(as_text=True)  # once
    last = admin.post(
        "/users/", data={"action": "role", "name": "admin", "role": "officer",
                         "csrf_token": _token(admin, "/users/")},
    )  # fmt: skip
    assert last.status_code == 400 and "quản trị viên cuối cùng" in last.get_data(as_text=True)
    with station.sessions() as session:
        events = session.scalars(select(AuditEvent)).all()
        assert [(e.actor, e.action, e.target) for e in events] == [
            ("admin", "user.add", "user:Trần Văn Nam")
        ]
        assert (
            session.scalars(select(User).where(User.name == "Trần Văn Nam"))
            .one()
            .must_change_password
        )


def test_a_leader_returns_a_bulletin_with_a_reason_the_officer_sees(app, station) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import approved_rendered

    approved_rendered(station, FIXED_NOW, "Thông báo lịch tiếp công dân. Xin cảm ơn.")
    leader = app.test_client()
    _login(leader, "chutich", PASSWORD)
    returned = leader.post(
        "/scripts/1/return",
        data={"note": "Sai ngày tiếp dân: thứ Năm, không phải thứ Tư.",
              "csrf_token": _token(leader, "/scripts/1")},
        follow_redirects=True,
    )  # fmt: skip
    html = returned.get_data(as_text=True)
    assert "chutich đã trả lại bản tin này để sửa" in html and "Sai ngày tiếp dân" in html
    with station.sessions() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "script.return"))
        assert (
            event.actor == "chutich"
            and event.detail == "Sai ngày tiếp dân: thứ Năm, không phải thứ Tư."
        )
