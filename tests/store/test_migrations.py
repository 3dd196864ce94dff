"""Schema migrations: a town's old database is upgraded in place with every row kept, or refused."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, insert, inspect, select, text

from broadcaster.cli import main
from broadcaster.config import Settings, load_settings
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services.station import (
    NotInitialised,
    initialise,
    open_station,
    open_station_for_daemon,
)
from broadcaster.store.db import Base
from broadcaster.store.engine import make_engine
from broadcaster.store.migrate import (
    VERSION_TABLE,
    check_database,
    downgrade_database,
    head_revision,
    upgrade_database,
)
from broadcaster.store.migrations import FOREIGN_TABLES
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW, REPO

BASELINE = REPO / "tests" / "data" / "baseline-b75b397.db"
BASELINE_COUNTS = {"script": 6, "rendering": 5, "programme_entry": 70, "airing": 7}
# Columns that later revisions added; a row is intact when everything else is equal.
ADDED_COLUMNS = {  # added by 0002 to 0018 (0014 adds indexes only)
    "pinned", "epoch", "player_pgid", "title", "topic", "text_sha256", "approved_by",
    "seal_format", "author", "approved_at", "voice", "requested_by", "disabled",
    "must_change_password", "session_version", "added_at", "return_note", "returned_by",
    "search_text", "cluster", "cluster_entry", "reported_at", "from_cache", "last_contact",
    "zones", "uid", "version", "device", "kind", "on_date", "paused", "stream_url", "fallback",
    "relay_url", "received_s", "gaps",
}  # fmt: skip
ADDED_TABLES = {
    "airing_event", "login_attempt", "audit_event", "zone", "cluster", "dispatch", "date_rule",
}  # fmt: skip


@pytest.fixture
def town(project: Path) -> Settings:
    """An installation on the default SQLite file, where a town's baseline database lives."""
    return load_settings(project, environ={}, overrides={"engine": "espeak", "output": "null"})


@pytest.fixture
def town_runner(project: Path) -> CliRunner:
    """Click's runner for the `town` installation."""
    return CliRunner(env={"BROADCASTER_ENGINE": "espeak", "BROADCASTER_OUTPUT": "null"})


def rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of ours, without the columns later revisions added."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    found = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            if name == VERSION_TABLE or name in FOREIGN_TABLES or name in ADDED_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in ADDED_COLUMNS]
            found[name] = sorted(map(tuple, conn.execute(select(*columns))), key=repr)
    engine.dispose()
    return found


def records(url: str) -> dict[str, list[tuple]]:
    """The rows `init` must keep: all but the slot table, which it rewrites from the schedules."""
    return {name: found for name, found in rows(url).items() if name != "slot"}


def schema(url: str) -> dict[str, object]:
    """Tables, columns and indexes as the database describes them."""
    engine = create_engine(url)
    inspector = inspect(engine)
    found = {
        name: (
            [c["name"] for c in inspector.get_columns(name)],
            sorted(i["name"] for i in inspector.get_indexes(name)),
        )
        for name in inspector.get_table_names()
    }
    engine.dispose()
    return found


def revision_of(url: str) -> str | None:
    """The version stamp, or None when there is no version table."""
    engine = create_engine(url)
    with engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return revision


def copy_baseline(settings: Settings) -> str:
    """Put the database made by the baseline code where this installation expects it."""
    settings.var_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(BASELINE, settings.var_path / "broadcaster.db")
    return settings.db_url


def populate(url: str) -> None:
    """A script, its rendering, a pinned programme entry and two airings, written at head."""
    tables = Base.metadata.tables
    at = FIXED_NOW
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(tables["script"]),
            {"id": 1, "title": "Dịch vụ công", "body": "Bà con lưu ý.", "topic": "c",
             "status": "approved", "priority": "normal", "content_hash": "c" * 64,
             "created_at": at},
        )  # fmt: skip
        conn.execute(
            insert(tables["rendering"]),
            {"id": 1, "script_id": 1, "content_hash": "c" * 64, "cache_key": "k" * 64,
             "engine": "espeak", "voice": "vi", "spoken_text": "bà con lưu ý",
             "audio_path": "var/audio/1.mp3", "duration_s": 12.5, "sha256": "a" * 64,
             "created_at": at},
        )  # fmt: skip
        conn.execute(
            insert(tables["programme_entry"]),
            [
                {"id": n, "slot_name": "Sáng", "starts_at": at + timedelta(days=n), "position": 0,
                 "script_id": 1, "rendering_id": 1, "pinned": n == 1}
                for n in (1, 2)
            ],
        )  # fmt: skip
        conn.execute(
            insert(tables["airing"]),
            [
                {"id": n, "programme_entry_id": n, "attempt": 1, "script_id": 1,
                 "rendering_id": 1, "planned_start": at + timedelta(days=n), "outcome": "aired",
                 "seq": n, "prev_hash": None, "row_hash": f"{n}" * 64}
                for n in (1, 2)
            ],
        )  # fmt: skip
    engine.dispose()


def refused(exc_info: pytest.ExceptionInfo[BroadcasterError], code: Code) -> None:
    """The refusal has the code and reads as one sentence."""
    assert exc_info.value.code == code
    sentence = str(exc_info.value)
    assert "\n" not in sentence and sentence.endswith("."), sentence


# --- the baseline database of a town (SQLite, made by the code of b75b397) ---


def test_the_baseline_database_is_upgraded_with_every_row_intact(town: Settings) -> None:
    url = copy_baseline(town)
    before = rows(url)
    assert {name: len(before[name]) for name in BASELINE_COUNTS} == BASELINE_COUNTS
    engine = make_engine(url)
    with pytest.raises(BroadcasterError) as outdated:
        check_database(engine, "the town")
    refused(outdated, Code.SCHEMA_OUTDATED)

    report = upgrade_database(town, engine, FIXED_NOW)

    assert (report.from_revision, report.to_revision) == ("0001", head_revision())
    assert report.stamped_baseline and report.changed
    assert rows(url) == before
    with engine.connect() as conn:
        assert set(conn.scalars(text("SELECT pinned FROM programme_entry"))) == {False}
    check_database(engine, "the town")
    engine.dispose()
    assert revision_of(url) == head_revision()
    # The backup is the old database, whole and readable.
    assert report.backup_path is not None
    assert report.backup_path.parent == town.var_path / "backups"
    assert report.backup_path.name == "broadcaster-20240311T020000Z-0001.db"
    backup = sqlite3.connect(report.backup_path)
    assert backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    backup.close()
    assert rows(f"sqlite:///{report.backup_path}") == before
    assert revision_of(f"sqlite:///{report.backup_path}") is None


def test_the_upgraded_baseline_matches_the_models(town: Settings) -> None:
    url = copy_baseline(town)
    engine = make_engine(url)
    upgrade_database(town, engine, FIXED_NOW)
    assert differences_from_models(url) == []
    engine.dispose()


def test_init_upgrades_the_baseline_database(town: Settings, town_runner: CliRunner) -> None:
    url = copy_baseline(town)
    before = rows(url)

    result = town_runner.invoke(main, ["init"])

    assert result.exit_code == 0, result.output
    assert revision_of(url) == head_revision()
    assert records(url) == {name: found for name, found in before.items() if name != "slot"}
    assert [p.name for p in (town.var_path / "backups").iterdir()][0].endswith("-0001.db")
    # A second init has nothing to upgrade and makes no second backup.
    assert town_runner.invoke(main, ["init"]).exit_code == 0
    assert len(list((town.var_path / "backups").iterdir())) == 1


@pytest.mark.parametrize("command", [["status"], ["scripts", "list"]])
def test_other_commands_refuse_an_outdated_database(
    town: Settings, town_runner: CliRunner, command: list[str]
) -> None:
    url = copy_baseline(town)
    before, layout = rows(url), schema(url)

    result = town_runner.invoke(main, command)

    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        f"Error: The database at {url} is from an older version of Broadcaster; run "
        "'broadcaster init' to upgrade it (a SQLite file is backed up first)."
    ]
    assert (rows(url), schema(url)) == (before, layout)
    assert not (town.var_path / "backups").exists()


def test_the_daemon_upgrades_before_it_opens(town: Settings) -> None:
    url = copy_baseline(town)
    station, report = open_station_for_daemon(town, FIXED_NOW)
    station.engine.dispose()
    assert report.from_revision == "0001" and report.backup_path is not None
    assert revision_of(url) == head_revision()
    open_station(town).engine.dispose()


# --- databases this code must not touch ---


def foreign_database(path: Path, kind: str) -> None:
    """A database that is not a Broadcaster database this code knows."""
    if kind == "baseline plus a table":
        shutil.copyfile(BASELINE, path)
    db = sqlite3.connect(path)
    if kind == "another program's":
        db.execute("CREATE TABLE script (id INTEGER PRIMARY KEY, line TEXT)")
        db.execute("INSERT INTO script (line) VALUES ('Hello')")
    else:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT)")
        db.execute("INSERT INTO notes (note) VALUES ('the technician''s own table')")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("kind", "detail"),
    [
        ("another program's", "other columns in script"),
        ("baseline plus a table", "unknown table notes"),
    ],
)
def test_an_unknown_schema_is_refused_and_left_alone(
    town: Settings, town_runner: CliRunner, kind: str, detail: str
) -> None:
    town.var_path.mkdir(parents=True)
    url = town.db_url
    foreign_database(town.var_path / "broadcaster.db", kind)
    before, layout = rows(url), schema(url)

    for command in (["init"], ["status"]):
        result = town_runner.invoke(main, command)
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "does not look like a Broadcaster database" in lines[0]
        assert detail in lines[0] and "nothing was changed" in lines[0]

    assert (rows(url), schema(url)) == (before, layout)
    assert not (town.var_path / "backups").exists()


def test_a_database_from_a_newer_version_is_refused(settings: Settings) -> None:
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    url = settings.db_url
    populate(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '0099_future'"))
    engine.dispose()
    before, layout = rows(url), schema(url)

    for attempt in (
        lambda: initialise(settings, ADMIN_PASSWORD, FIXED_NOW),
        lambda: open_station(settings),
        lambda: open_station_for_daemon(settings, FIXED_NOW),
    ):
        with pytest.raises(NotInitialised) as newer:
            attempt()
        refused(newer, Code.SCHEMA_NEWER)
        assert newer.value.data["revision"] == "0099_future"

    assert (rows(url), schema(url)) == (before, layout)
    assert revision_of(url) == "0099_future"
    assert not (settings.var_path / "backups").exists()


# --- every revision, on SQLite and PostgreSQL ---


def differences_from_models(url: str) -> list[object]:
    """What Alembic would change to make the database match the models (nothing, we hope)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, _parents: (
                    not (type_ == "table" and name in FOREIGN_TABLES)
                ),
            },
        )
        found = compare_metadata(context, Base.metadata)
    engine.dispose()
    return found


def test_migrations_from_empty_give_the_models_schema(settings: Settings) -> None:
    report = initialise(settings, ADMIN_PASSWORD, FIXED_NOW).migration
    assert report is not None
    assert (report.from_revision, report.to_revision, report.backup_path) == (
        None,
        head_revision(),
        None,
    )
    assert differences_from_models(settings.db_url) == []
    assert revision_of(settings.db_url) == head_revision()


def test_downgrading_0003_drops_the_epochs_and_keeps_every_row(settings: Settings) -> None:
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    url = settings.db_url
    populate(url)
    before = rows(url)
    engine = make_engine(url)

    downgrade_database(engine, "0002")

    assert revision_of(url) == "0002"
    assert "epoch" not in schema(url)["airing"][0]
    assert "epoch" not in schema(url)["daemon_lease"][0]
    assert rows(url) == before
    upgrade_database(settings, engine, FIXED_NOW)
    assert rows(url) == before
    assert differences_from_models(url) == []
    engine.dispose()


def test_downgrading_0002_drops_pinned_and_keeps_every_row(settings: Settings) -> None:
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    url = settings.db_url
    populate(url)
    before = rows(url)
    engine = make_engine(url)

    downgrade_database(engine, "0001")

    assert revision_of(url) == "0001"
    assert "pinned" not in schema(url)["programme_entry"][0]
    assert rows(url) == before
    # Up again: the same rows, each entry unpinned (a planning hint, not evidence).
    upgrade_database(settings, engine, FIXED_NOW)
    assert rows(url) == before
    assert differences_from_models(url) == []
    engine.dispose()


def test_downgrading_0014_drops_the_page_indexes_and_keeps_every_row(settings: Settings) -> None:
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    url = settings.db_url
    populate(url)
    before = rows(url)
    engine = make_engine(url)
    added = {"ix_script_status_topic", "ix_script_topic", "ix_script_author", "ix_script_week"}
    assert added <= set(schema(url)["script"][1])

    downgrade_database(engine, "0013")

    assert revision_of(url) == "0013"
    assert not added & set(schema(url)["script"][1])
    assert "ix_airing_cluster_outcome_id" not in schema(url)["airing"][1]
    assert "ix_airing_planned_start" in schema(url)["airing"][1]  # the replaced index is back
    assert rows(url) == before
    upgrade_database(settings, engine, FIXED_NOW)
    assert rows(url) == before
    assert "ix_airing_cluster_outcome_id" in schema(url)["airing"][1]
    assert "ix_airing_planned_start" not in schema(url)["airing"][1]
    assert differences_from_models(url) == []
    engine.dispose()


def test_downgrading_past_the_baseline_refuses_to_drop_airings(settings: Settings) -> None:
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    url = settings.db_url
    populate(url)
    before, layout = rows(url), schema(url)
    engine = make_engine(url)

    with pytest.raises(BroadcasterError) as refusal:
        downgrade_database(engine, "base")

    refused(refusal, Code.SCHEMA_DOWNGRADE_REFUSED)
    assert "2 rows in airing" in str(refusal.value)
    # One transaction: not even the step from 0002 to 0001 stayed.
    assert revision_of(url) == head_revision()
    assert (rows(url), schema(url)) == (before, layout)
    engine.dispose()


def test_downgrading_an_empty_database_to_nothing(settings: Settings) -> None:
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    url = settings.db_url
    engine = make_engine(url)
    downgrade_database(engine, "base")
    engine.dispose()
    assert set(schema(url)) - FOREIGN_TABLES <= {VERSION_TABLE}
    assert revision_of(url) is None


def test_an_unstamped_baseline_is_recognised_and_the_job_store_left_alone(
    settings: Settings,
) -> None:
    """As the baseline code left it: its tables (create_all), APScheduler's, no version table."""
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    url = settings.db_url
    populate(url)
    engine = make_engine(url)
    downgrade_database(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        conn.execute(text("CREATE TABLE apscheduler_jobs (id VARCHAR(191) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO apscheduler_jobs (id) VALUES ('slot:Sáng')"))
    before = rows(url)

    report = upgrade_database(settings, engine, FIXED_NOW)

    assert (report.from_revision, report.stamped_baseline) == ("0001", True)
    assert rows(url) == before
    assert "apscheduler_jobs" not in schema(url)  # the jobs live in memory since 0011
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM airing"))
        conn.execute(text("DELETE FROM air_request"))
    downgrade_database(engine, "base")
    engine.dispose()
    assert set(schema(url)) == {VERSION_TABLE}


# --- an upgrade killed half-way ---

PAUSE_BEFORE_COMMIT = """
import sys
from sqlalchemy import Engine, event

def pause(conn, cursor, statement, parameters, context, executemany):
    # The last statement of an upgrade: everything is done but the commit.
    if statement.lstrip().upper().startswith("UPDATE ALEMBIC_VERSION"):
        print("PAUSED", flush=True)
        sys.stdin.read()

event.listen(Engine, "after_cursor_execute", pause)
from broadcaster.cli import main
main(["init"], prog_name="broadcaster")
"""


@pytest.mark.slow
def test_an_upgrade_killed_half_way_leaves_the_old_database(
    settings: Settings, runner: CliRunner, database_url: str | None
) -> None:
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    populate(settings.db_url)
    engine = make_engine(settings.db_url)
    downgrade_database(engine, "0001")
    engine.dispose()
    _kill_half_way_then_upgrade(settings, runner, database_url, old_revision="0001")


@pytest.mark.slow
def test_an_upgrade_of_the_first_release_killed_half_way_leaves_it(
    town: Settings, town_runner: CliRunner
) -> None:
    copy_baseline(town)  # the baseline fixture is a SQLite file
    _kill_half_way_then_upgrade(town, town_runner, None, old_revision=None)


def _kill_half_way_then_upgrade(
    settings: Settings, runner: CliRunner, database_url: str | None, old_revision: str | None
) -> None:
    """SIGKILL `init` just before it commits its upgrade; the old database must be intact."""
    url = settings.db_url
    before, layout = rows(url), schema(url)
    env = {**os.environ, "BROADCASTER_ENGINE": "espeak"}
    if database_url:
        env["BROADCASTER_DATABASE_URL"] = database_url
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSE_BEFORE_COMMIT],
        cwd=settings.base_dir,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stderr is not None
        line = child.stdout.readline()
        assert line == "PAUSED\n", child.stderr.read() if not line else line
        child.kill()
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()

    assert (rows(url), schema(url)) == (before, layout)
    assert revision_of(url) == old_revision
    result = runner.invoke(main, ["status"])
    assert result.exit_code == 1 and "run 'broadcaster init'" in result.output
    # The next start upgrades cleanly.
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert revision_of(url) == head_revision()
    assert records(url) == {name: found for name, found in before.items() if name != "slot"}
    assert differences_from_models(url) == []


def test_a_fixed_clock_names_the_backup(town: Settings) -> None:
    copy_baseline(town)
    engine = make_engine(town.db_url)
    later = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    report = upgrade_database(town, engine, later)
    engine.dispose()
    assert report.backup_path is not None
    assert report.backup_path.name == "broadcaster-20250102T030405Z-0001.db"


def test_evidence_sealed_by_the_first_release_still_verifies_after_the_upgrade(
    town: Settings, town_runner: CliRunner
) -> None:
    """Rows keep the seal format they were sealed in; nothing is re-hashed."""
    copy_baseline(town)
    assert town_runner.invoke(main, ["init"]).exit_code == 0
    verified = town_runner.invoke(main, ["log", "verify"])
    assert (
        verified.exit_code == 0 and "intact: 7 airing(s) in 7 sealed record(s)" in verified.output
    )


def test_downgrading_0003_refuses_when_rows_were_sealed_with_the_snapshot(
    settings: Settings,
) -> None:
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    url = settings.db_url
    populate(url)
    writer = create_engine(url)
    with writer.begin() as conn:
        conn.execute(text("UPDATE airing SET seal_format = 2"))
    writer.dispose()
    before, layout = rows(url), schema(url)
    engine = make_engine(url)
    with pytest.raises(BroadcasterError) as refusal:
        downgrade_database(engine, "0002")
    engine.dispose()
    refused(refusal, Code.SCHEMA_DOWNGRADE_REFUSED)
    assert "sealed with seal format 2" in str(refusal.value)
    assert (rows(url), schema(url), revision_of(url)) == (before, layout, head_revision())


# --- the scheduler's stored jobs (SQLite, made by the code of ed6ef9e before the daemon moved) ---

STORED_JOBS = REPO / "tests" / "data" / "stored-jobs-ed6ef9e.db"


def test_stored_slot_jobs_give_way_to_jobs_in_memory(town: Settings) -> None:
    """A database the daemon of ed6ef9e ran on keeps its slot jobs in APScheduler's table;
    since migration 0011 the daemon makes them in memory at each start, so the table goes
    (a job read from the database could not fire while the database was down)."""
    town.var_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STORED_JOBS, town.var_path / "broadcaster.db")
    url = town.db_url
    assert "apscheduler_jobs" in schema(url)
    engine = make_engine(url)

    upgrade_database(town, engine, FIXED_NOW)

    assert "apscheduler_jobs" not in schema(url)
    check_database(engine, "the town")
    engine.dispose()


def test_the_light_revision_list_is_alembics_own_chain() -> None:
    """Checking a schema reads the revisions from the files (no Alembic, issue 25); they must be
    the chain Alembic itself walks, oldest first, ending at its head."""
    from broadcaster.store.migrate import alembic_scripts, known_revisions

    scripts = alembic_scripts()
    assert known_revisions() == [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert known_revisions()[-1] == scripts.get_current_head() == head_revision()
