"""The agent's first start: an entry planned before it was never its to play, so a fresh
install says nothing of it; one that passed while an agent that had run before was down is
missed. In process, on an injected clock, with no broker (nothing is delivered offline: the
as-run log in the agent's cache is what it would report)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from broadcaster.agent.cache import Cache
from broadcaster.agent.config import AgentConfig
from broadcaster.agent.link import Received
from broadcaster.agent.runner import Agent
from broadcaster.clusters import wire
from broadcaster.onair.outputs import NullOutput

FIRST_START = datetime(2024, 3, 11, 2, 0, tzinfo=timezone.utc)
SHA = "0" * 64


def _entry(key: str, start: datetime) -> wire.Entry:
    return wire.Entry(key=key, slot="Sáng", start=start, script_id=1, title=f"Bản tin {key}",
                      sha256=SHA, duration_s=1.0, url=f"/agent/audio/{SHA}")  # fmt: skip


def _reported(folder: Path, at: datetime, *entries: wire.Entry) -> dict[str, list[str]]:
    """Start an agent on `folder` at `at`, hand it a programme of `entries`, let it look at
    what is due; the kinds its as-run log then holds, by entry."""
    config = AgentConfig(cluster="thon-1", password="pw", broker_host="127.0.0.1",
                         station_url="http://127.0.0.1:9", token="t", folder=folder)  # fmt: skip
    cache = Cache(folder, config.cluster)
    try:
        agent = Agent(config, cache, NullOutput(), lambda: at)
        sent = wire.Programme(cluster="thon-1", version=1, sent_at=at,
                              until=at + timedelta(hours=48), entries=entries)  # fmt: skip
        agent.handle(Received(sent), at)
        agent.step(at)
        found: dict[str, list[str]] = {}
        for row in cache.rows():
            found.setdefault(row.report.entry, []).append(row.report.kind)
        return found
    finally:
        cache.close()


def test_a_fresh_agent_reports_nothing_of_entries_planned_before_its_first_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="broadcaster.agent")
    passed = [_entry("e-1", FIRST_START - timedelta(minutes=11)),
              _entry("e-2", FIRST_START - timedelta(hours=3))]  # fmt: skip
    assert _reported(tmp_path, FIRST_START, *passed) == {}
    said = f"e-1 was planned for {wire.when(passed[0].start)}, before this agent first ran"
    assert f"{said}: skipped." in caplog.text
    # restarted later, it still holds that they were before its time
    later = FIRST_START + timedelta(hours=1)
    assert _reported(tmp_path, later, *passed) == {}


def test_entries_that_passed_while_an_agent_that_had_run_was_down_are_missed(
    tmp_path: Path,
) -> None:
    assert _reported(tmp_path, FIRST_START) == {}  # its first start: no programme yet
    before = _entry("e-1", FIRST_START - timedelta(minutes=11))
    while_down = _entry("e-2", FIRST_START + timedelta(minutes=30))
    back = FIRST_START + timedelta(hours=2)
    assert _reported(tmp_path, back, before, while_down) == {"e-2": ["failed"]}
    cache = Cache(tmp_path, "thon-1")
    (row,) = cache.rows()
    cache.close()
    assert row.report.error == "missed: its start passed 5400 s ago"


def test_an_agent_upgraded_from_before_the_first_start_was_kept_misses_as_before(
    tmp_path: Path,
) -> None:
    """Its cache holds a programme but no first start: since when it ran is unknown, so an
    entry it let pass is missed, as before."""
    cache = Cache(tmp_path, "thon-1")
    cache.keep_programme(wire.Programme(cluster="thon-1", version=1, sent_at=FIRST_START,
                                        until=FIRST_START + timedelta(hours=48)))  # fmt: skip
    cache.close()
    passed = _entry("e-1", FIRST_START - timedelta(minutes=11))
    assert _reported(tmp_path, FIRST_START, passed) == {"e-1": ["failed"]}
