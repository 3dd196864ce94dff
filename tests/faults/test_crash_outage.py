"""Two faults that meet: kill -9 of the daemon mid-bulletin while the database is locked.

The daemon airs from its plan while a second process holds an exclusive SQLite lock, so the
bulletin's `started` row waits in the journal with no id yet. It is killed mid-bulletin; the
lock goes; a new daemon starts. Before issue 22 the on-air note named no row (`airing_id:
null`), the bulletin was sealed "never reached the speakers" and aired again in full. Now the
note, the journal and the row share the airing's uid: it is sealed `interrupted` and the slot
goes on with the next bulletin, as the player's own log shows.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from broadcaster.config import load_settings
from tests.helpers import (
    airing_rows,
    approved_bulletins,
    begun_slot_file,
    planned_entries,
    run_cli,
    running_daemon,
    stop_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")
LONG = "Thông báo của Ủy ban nhân dân thị trấn. Bà con nộp hồ sơ trực tuyến tại nhà. " * 5
LEAD_SECONDS = 35  # the slot starts this long ahead: planned and locked before it, even busy


def test_a_bulletin_cut_by_a_crash_while_the_database_was_locked_is_not_aired_again(
    project: Path,
) -> None:
    approved_bulletins(project, None, LONG, "Bản tin thứ hai. Xin cảm ơn bà con.")
    log, names = project / "played.log", project / "names.log"
    player = f"command:{sys.executable} {PLAYER} {log} {{file}} --names {names}"
    begun_slot_file(project, load_settings(project, environ={}).tz, seconds_ago=-LEAD_SECONDS)
    locker = sqlite3.connect(project / "var" / "broadcaster.db", isolation_level=None)
    with running_daemon(project, None, "--output", player) as first:
        wait_for(lambda: planned_entries(project) >= 2, "the slot to be planned")
        locker.execute("BEGIN EXCLUSIVE")
        try:
            wait_for(lambda: log.exists() and "tick" in log.read_text(), "the first bulletin")
            note = (project / "var" / "on-air.json").read_text()
            assert '"airing_id": null' in note and '"uid": "' in note  # journaled: no id yet
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        finally:
            locker.execute("ROLLBACK")
            locker.close()
    with running_daemon(project, None, "--output", player) as second:
        wait_for(
            lambda: [r["outcome"] for r in airing_rows(project, None)][-1:] == ["aired"],
            "the rest of the slot",
        )
        stop_daemon(second)
    rows = airing_rows(project, None)
    assert [(r["script_id"], r["outcome"]) for r in rows] == [(1, "interrupted"), (2, "aired")]
    assert "daemon_ended_during" in str(rows[0]["error"])
    played = [line.split()[1] for line in names.read_text().splitlines()]
    assert len(played) == 2 and played[0] != played[1]  # bulletin 1 once, then bulletin 2


def test_run_on_a_database_another_program_holds_says_so_in_one_sentence(project: Path) -> None:
    assert run_cli(project, None, "init", "--admin-password", "admin-pass-1").returncode == 0
    locker = sqlite3.connect(project / "var" / "broadcaster.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        result = run_cli(project, None, "run", "--output", "null", "--for", "1")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    said = result.stderr.strip()
    assert said.startswith("Error: Cannot open the database at ") and "\n" not in said
    assert "database is locked (another program holds it: close that program or wait" in said
