"""Degraded, not lost: a real daemon airs its slot while the database is locked for 60 s.

A second process holds an exclusive SQLite transaction from before the slot starts
until 60 s later. The daemon must air every bulletin on time from its plan (the
player's own log says so), keep the evidence in its journal, write it when the lock
goes, and go on firing jobs afterwards (APScheduler 3 ends its thread when the job
store cannot be written; see daemon.SteadyJobStore).
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import pytest

from broadcaster.config import load_settings
from tests.helpers import (
    airing_rows,
    begun_slot_file,
    planned_entries,
    run_cli,
    running_daemon,
    stop_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")
LOCK_SECONDS = 60
LEAD_SECONDS = 20  # the slot starts this long after the daemon is ready and has planned it


def _plays(log: Path) -> list[tuple[float, float]]:
    """(start, end) of every play, from the player's own lines."""
    starts: dict[str, float] = {}
    spans = []
    for line in log.read_text().splitlines():
        kind, pid, moment = line.split()
        if kind == "start":
            starts[pid] = float(moment)
        elif kind == "end":
            spans.append((starts[pid], float(moment)))
    return sorted(spans)


def test_a_database_locked_across_a_slot_airs_every_bulletin_and_loses_no_evidence(
    project: Path,
) -> None:
    names = []
    for number in range(1, 4):
        (project / f"{number}.txt").write_text(
            f"Bản tin số {number}. Bà con nộp hồ sơ trực tuyến tại nhà.", encoding="utf-8"
        )
        names.append(f"{number}.txt")
    for args in (
        ("init", "--admin-password", "admin-pass-1"),
        ("users", "add", "Chủ tịch", "--role", "leader"),
        ("scripts", "add", *names, "--topic", "a"),
        *(("scripts", "approve", str(n), "--by", "Chủ tịch") for n in (1, 2, 3)),
        ("render", "--all"),
    ):
        assert run_cli(project, None, *args).returncode == 0, args
    log = project / "played.log"
    player = f"command:{sys.executable} {PLAYER} {log} {{file}}"
    tz = load_settings(project, environ={}).tz
    # Far enough ahead that the daemon has planned it before the lock, however busy the machine.
    begun_slot_file(project, tz, seconds_ago=-(LEAD_SECONDS + 15))
    with running_daemon(project, None, "--output", player) as daemon:
        # the slot today (and tomorrow: the daemon plans 48 hours ahead)
        wait_for(lambda: planned_entries(project) >= 3, "the slot to be planned")
        locker = sqlite3.connect(project / "var" / "broadcaster.db", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        locked_at = time.monotonic()
        try:
            wait_for(lambda: len(_plays(log)) == 3 if log.exists() else False, "three plays")
            assert airing_rows(project, None) == []  # nothing could be written yet
            time.sleep(max(0.0, LOCK_SECONDS - (time.monotonic() - locked_at)))
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        wait_for(
            lambda: [r["outcome"] for r in airing_rows(project, None)] == ["aired"] * 3,
            "the journal to be written",
            limit=60,
        )
        stop_daemon(daemon)
    assert daemon.returncode == 0
    plays = _plays(log)
    assert len(plays) == 3  # nothing played twice
    for (_, end), (start, _) in zip(plays, plays[1:], strict=False):
        assert end <= start, "two bulletins sounded at the same time"
    rows = airing_rows(project, None)
    assert [r["script_id"] for r in rows] == [1, 2, 3]
    verdict = run_cli(project, None, "log", "verify")
    assert verdict.returncode == 0 and "3 airing(s) in 6 sealed record(s)" in verdict.stdout
    assert not (project / "var" / "journal.jsonl").exists()
