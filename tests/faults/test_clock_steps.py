"""The clock of a real daemon stepped both ways, through `broadcaster.clock`'s offset hook.

The daemon reads its wall clock, and so does its scheduler (`housekeeping.clock_the_scheduler`),
from the system clock plus the seconds in the file BROADCASTER_CLOCK_OFFSET_FILE names; the
test steps it by writing a new number there, as an NTP correction or a hand-set date would.

- Back one hour: before issue 22 APScheduler slept until the old next-run times (settling an
  hour, the slot jobs a day); now the jobs are re-armed and a slot due on the new clock airs on
  time, as the player's own log shows.
- Forward two hours, then back: the slot whose time was jumped over is sealed `missed` with the
  clock as the reason (before: `missed_late`, no word of the clock), and never aired.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from broadcaster.config import load_settings
from tests.helpers import (
    airing_rows,
    approved_bulletins,
    begun_slot_file,
    planned_entries,
    running_daemon,
    stop_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")
HOUR = 3600
LEAD_SECONDS = 40  # the slot is this far ahead of the test's start on the daemon's clock
ON_TIME_SECONDS = 10


def _station(project: Path) -> tuple[str, Path]:
    """A station with one approved, rendered bulletin; the player command and its log."""
    approved_bulletins(project, None, "Thông báo lịch tiếp công dân tuần này.")
    log = project / "played.log"
    return f"command:{sys.executable} {PLAYER} {log} {{file}}", log


def _plays(log: Path) -> list[float]:
    if not log.exists():
        return []
    return [float(line.split()[2]) for line in log.read_text().splitlines() if line[:5] == "start"]


def _problems(project: Path, code: str) -> int:
    engine = create_engine(f"sqlite:///{project / 'var' / 'broadcaster.db'}")
    try:
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM problem WHERE message LIKE :code")
            return int(conn.execute(query, {"code": f"%{code}%"}).scalar_one())
    finally:
        engine.dispose()


def test_a_slot_due_after_the_clock_stepped_back_airs_on_time(project: Path) -> None:
    player, log = _station(project)
    offset = project / "clock-offset"
    offset.write_text("0")
    tz = load_settings(project, environ={}).tz
    # An hour ago and LEAD_SECONDS: due LEAD_SECONDS from now once the clock is an hour back.
    start = begun_slot_file(project, tz, seconds_ago=HOUR - LEAD_SECONDS)
    env = {"BROADCASTER_CLOCK_OFFSET_FILE": str(offset)}
    with running_daemon(project, None, "--output", player, env=env) as daemon:
        offset.write_text(str(-HOUR))
        wait_for(lambda: _problems(project, "clock_stepped") >= 1, "the step to be seen")
        wait_for(lambda: [r["outcome"] for r in airing_rows(project, None)] == ["aired"],
                 "the slot, on the new clock", limit=LEAD_SECONDS + 60)  # fmt: skip
        stop_daemon(daemon)
    due = start.timestamp() + HOUR  # the slot's time on the stepped clock, in true seconds
    assert _plays(log)[0] - due < ON_TIME_SECONDS, "the slot waited for the old next-run time"
    assert [r["outcome"] for r in airing_rows(project, None)] == ["aired"]


def test_a_slot_the_clock_jumped_over_is_sealed_missed_naming_the_clock(project: Path) -> None:
    player, log = _station(project)
    offset = project / "clock-offset"
    offset.write_text("0")
    tz = load_settings(project, environ={}).tz
    start = begun_slot_file(project, tz, seconds_ago=-LEAD_SECONDS)
    env = {"BROADCASTER_CLOCK_OFFSET_FILE": str(offset)}
    with running_daemon(project, None, "--output", player, env=env) as daemon:
        wait_for(lambda: planned_entries(project) >= 1, "the slot to be planned")
        offset.write_text(str(2 * HOUR))
        wait_for(lambda: airing_rows(project, None), "the slot's row")
        offset.write_text("0")  # the error corrected: the slot's true time comes round
        wait_for(lambda: _problems(project, "clock_stepped") >= 2, "the step back to be seen")
        wait_for(lambda: time.time() > start.timestamp() + 5, "the slot's true time",
                 limit=LEAD_SECONDS + 30)  # fmt: skip
        stop_daemon(daemon)
    (row,) = airing_rows(project, None)
    assert row["outcome"] == "missed"
    assert "missed_clock_jumped" in str(row["error"]) and "7200" in str(row["error"])
    assert _plays(log) == []  # sealed once, never aired as well
