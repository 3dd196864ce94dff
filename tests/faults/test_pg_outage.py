"""PostgreSQL down at a slot's start, or in the middle of it: the slot airs all it holds.

A real daemon on a PostgreSQL server of the test's own plans its slot; the server is then
stopped as a crash would stop it, before the slot starts or while its first bulletin plays, and
brought back only after the slot. Before issue 22 nothing aired until the server returned (the
slot jobs lived in the database), then late with no word of why; stopped mid-slot, the
database's error ended the slot job after the first bulletin. Now the slot jobs live in memory
and the slot airs the plan kept in memory: the player's own log shows both bulletins, on time,
while the server is down, and their evidence is written from the journal once it is back.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

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
from tests.private_postgres import private_postgres

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")
LEAD_SECONDS = 30  # the slot starts this long ahead: planned and the server down before it
ON_TIME_SECONDS = 10  # from memory, a slot starts within this of its time, even on a busy machine


def _plays(log: Path) -> list[float]:
    """When each play started, from the player's own lines."""
    if not log.exists():
        return []
    return [float(line.split()[2]) for line in log.read_text().splitlines() if line[:5] == "start"]


@pytest.mark.parametrize("down", ["before the slot", "mid-slot"])
def test_a_slot_airs_on_time_from_memory_while_postgresql_is_down(project: Path, down: str) -> None:
    with private_postgres() as server:
        url = server.url
        approved_bulletins(project, url, "Bản tin thứ nhất về thủ tục hành chính. " * 3,
                           "Bản tin thứ hai. Xin cảm ơn bà con.")  # fmt: skip
        log, names = project / "played.log", project / "names.log"
        player = f"command:{sys.executable} {PLAYER} {log} {{file}} --names {names}"
        tz = load_settings(project, environ={}).tz
        start = begun_slot_file(project, tz, seconds_ago=-LEAD_SECONDS)
        with running_daemon(project, url, "--output", player) as daemon:
            wait_for(lambda: planned_entries(project, url) >= 2, "the slot to be planned")
            wait_for(lambda: datetime.now(timezone.utc).timestamp() > start.timestamp() - 20,
                     "the plan to be kept in memory", limit=LEAD_SECONDS)  # fmt: skip
            if down == "mid-slot":
                wait_for(lambda: "tick" in log.read_text() if log.exists() else False,
                         "the first bulletin to sound")  # fmt: skip
            server.stop()
            wait_for(lambda: len(_plays(log)) >= 2 and "end" in log.read_text().splitlines()[-1],
                     "both bulletins, with the server down")  # fmt: skip
            played = _plays(log)
            server.start()
            wait_for(
                lambda: [r["outcome"] for r in airing_rows(project, url)] == ["aired", "aired"],
                "the evidence, written from the journal",
            )
            stop_daemon(daemon)
    assert played[0] - start.timestamp() < ON_TIME_SECONDS, "the slot waited for the database"
    sounded = [line.split()[1] for line in names.read_text().splitlines()]
    assert len(sounded) == 2 and sounded[0] != sounded[1]  # each bulletin once
