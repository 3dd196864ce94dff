"""Fifteen processes started at once on one fresh PostgreSQL database.

A service manager restarting a crashed unit, or a script run on several PCs, can start many
`broadcaster init` and `broadcaster run` at the same moment. The database is new, so they
race to create the schema, install the slots and make the admin user. Exactly one daemon
must come up and air; every other process either finishes its `init` cleanly or refuses
with the one sentence that names the daemon running, never a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session

from broadcaster.programme.slot_rows import sync_slot_rows
from broadcaster.programme.slots import DAYS, SlotDef
from broadcaster.store.db import Slot
from broadcaster.store.engine import create_schema, make_engine
from tests.conftest import REPO
from tests.helpers import cli_env, run_cli, wait_for

PROCESSES = 15
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING) ")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    admin_url = os.environ.get("BROADCASTER_TEST_DATABASE_URL")
    if not admin_url:
        if os.environ.get("BROADCASTER_REQUIRE_POSTGRES"):
            pytest.fail(
                "BROADCASTER_REQUIRE_POSTGRES is set but BROADCASTER_TEST_DATABASE_URL is not"
            )
        pytest.skip(
            "no PostgreSQL server given (set BROADCASTER_TEST_DATABASE_URL to run the race on one)"
        )
    name = f"broadcaster_race_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def town(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    return tmp_path


@contextmanager
def started_at_once(
    project: Path, url: str, command: str, count: int = PROCESSES
) -> Iterator[list[tuple[subprocess.Popen[bytes], Path, Path]]]:
    """`count` copies of a shell command line, started one right after another; killed at the end."""
    logs = Path(tempfile.mkdtemp(dir=project))
    started = []
    try:
        for number in range(count):
            out, err = logs / f"{number}.out", logs / f"{number}.err"
            with out.open("wb") as stdout, err.open("wb") as stderr:
                process = subprocess.Popen(
                    ["sh", "-c", command, sys.executable],
                    cwd=project, env=cli_env(url), stdout=stdout, stderr=stderr,
                    start_new_session=True,
                )  # fmt: skip
            started.append((process, out, err))
        yield started
    finally:
        for process, _, _ in started:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()


def the_sentence(stderr: str) -> str:
    """The one 'Error:' line a refusing process printed, after checking it printed nothing else."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    others = [line for line in stderr.splitlines() if line and not line.startswith("Error: ")]
    assert len(errors) == 1, stderr
    assert all(LOG_LINE.match(line) for line in others), stderr
    return errors[0]


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(query))]
    finally:
        engine.dispose()


INIT = '"$0" -m broadcaster.cli init'


@pytest.mark.slow
def test_fifteen_inits_at_once_make_one_database_one_admin_and_one_set_of_slots(
    town: Path, pg_url: str
) -> None:
    with started_at_once(town, pg_url, INIT) as processes:
        for process, _, _ in processes:
            process.wait(timeout=300)
        results = [(p.returncode, out.read_text(), err.read_text()) for p, out, err in processes]

    for code, _, stderr in results:
        assert code == 0 and "Traceback" not in stderr, stderr
        assert all(LOG_LINE.match(line) for line in stderr.splitlines() if line), stderr
    printed = [stdout for _, stdout, _ in results]
    assert sum("Created the database" in out for out in printed) == 1
    passwords = [out for out in printed if "password '" in out]
    assert len(passwords) == 1  # the generated password is shown once, by the one that made it
    assert rows(pg_url, "SELECT name, role FROM user_account") == [("admin", "admin")]
    assert sorted(rows(pg_url, "SELECT name, start, minutes FROM slot")) == [
        ("Chiều", "17:00:00", 30),
        ("Sáng", "06:00:00", 30),
    ]
    secret = make_url(pg_url).password
    assert all(f":{secret}@" not in out for out in printed)  # the URL is shown masked
    assert any(":***@" in out for out in printed)


@pytest.mark.slow
def test_fifteen_daemons_at_once_on_a_fresh_database_one_airs_the_rest_refuse(
    town: Path, pg_url: str
) -> None:
    command = f'{INIT} && exec "$0" -m broadcaster.cli run --output null'
    with started_at_once(town, pg_url, command) as processes:
        wait_for(
            lambda: (
                sum(p.poll() is not None for p, _, _ in processes) >= PROCESSES - 1
                and any("Daemon ready." in out.read_text() for _, out, _ in processes)
            ),
            "fourteen processes to give up and one daemon to be ready",
            limit=600,
        )
        running = [(p, out, err) for p, out, err in processes if p.poll() is None]
        assert len(running) == 1, [err.read_text() for _, _, err in processes]
        ((winner, winner_out, _),) = running
        assert "Daemon ready." in winner_out.read_text()
        holder = rows(pg_url, "SELECT holder FROM daemon_lease")
        assert holder and holder[0][0].endswith(f"pid {winner.pid}")  # `exec`: the same pid
        winner.send_signal(signal.SIGTERM)
        assert winner.wait(timeout=120) == 0

        losers = [(p, out, err) for p, out, err in processes if p is not winner]
        for process, out, err in losers:
            assert process.returncode == 1, err.read_text()
            assert "Daemon ready." not in out.read_text()
            sentence = the_sentence(err.read_text())
            assert re.fullmatch(
                r"Error: Another daemon \(.+ pid \d+\) is running on this database "
                r"\(last heartbeat [^)]+\); stop it first\.",
                sentence,
            ), sentence
    assert sum("password '" in out.read_text() for _, out, _ in processes) == 1


def test_a_slot_install_waiting_on_another_neither_fails_nor_doubles(pg_url: str) -> None:
    """The race itself, step by step: the second install waits on the first's new row, then
    updates it instead of failing on the unique name (the campaign's slot_name_key)."""
    from datetime import time

    engine = make_engine(pg_url)
    create_schema(engine)
    slots = [SlotDef("Sáng", DAYS, time(6), 30), SlotDef("Chiều", DAYS, time(17), 45)]
    failures: list[BaseException] = []

    def second_install() -> None:
        try:
            with Session(engine) as session:
                sync_slot_rows(session, slots)
                session.commit()
        except BaseException as exc:  # handed to the test thread, which fails on it
            failures.append(exc)

    try:
        with Session(engine) as first:
            sync_slot_rows(first, slots)  # inserted, not yet committed
            other = threading.Thread(target=second_install)
            other.start()
            wait_for(
                lambda: rows(pg_url, "SELECT count(*) FROM pg_locks WHERE NOT granted")[0][0] > 0,
                "the second install to wait on the first one's rows",
            )
            first.commit()
        other.join(timeout=60)
        assert failures == []
        with Session(engine) as session:
            found = [(r.name, r.minutes) for r in session.scalars(select(Slot).order_by(Slot.name))]
        assert found == [("Chiều", 45), ("Sáng", 30)]
    finally:
        engine.dispose()


def test_init_and_status_on_postgresql_show_the_url_with_its_password_masked(
    town: Path, pg_url: str
) -> None:
    secret = f":{make_url(pg_url).password}@"
    shown = make_url(pg_url).render_as_string(hide_password=True)
    made = run_cli(town, pg_url, "init")
    assert made.returncode == 0 and f"Created the database at {shown}." in made.stdout
    status = run_cli(town, pg_url, "status")
    assert status.returncode == 0 and f"Database: {shown}" in status.stdout
    for done in (made, status):
        assert secret not in done.stdout + done.stderr
