"""`broadcaster agent` without the broker, and emergencies: real Mosquitto stopped and started
again, real agent processes, the test as the station."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from broadcaster.clusters import wire
from tests.agent_station import (  # noqa: F401  (fixtures)
    Agent,
    AudioServer,
    Station,
    agents,
    copy_of,
    entry,
    now,
    player_output,
    plays,
    programme,
    sha,
    tone_mp3,
)
from tests.broker import Broker
from tests.helpers import wait_for

pytestmark = pytest.mark.slow


def emergency(key: str, data: bytes, path: str, expires_in: timedelta) -> wire.Emergency:
    at = now()
    return wire.Emergency(key=key, cluster="thon-7", title="Khẩn cấp", sha256=sha(data),
                          duration_s=1.0, url=path, issued_at=at, expires=at + expires_in,
                          requested_by="admin")  # fmt: skip


def test_broker_down_across_a_slot_plays_from_cache_and_reports_once_when_back(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, tones: list[bytes]
) -> None:
    out = tmp_path / "aired"
    out.mkdir()
    agent = Agent(tmp_path / "a1", broker, server, "thon-6", f"file:{out}")
    with agents(agent):
        begun = now()
        agent.start()
        hub.wait_online("thon-6", begun)
        # The audio download is held until the broker is gone, so the slot (due at once) is
        # played while the agent is cut off, however busy the machine is.
        server.hold.clear()
        path = server.add(tones[0])
        hub.send(programme("thon-6", 1, entry("e-1", tones[0], path, now())))
        wait_for(lambda: path in server.asked, "the agent asking for the audio")
        broker.stop()
        wait_for(lambda: "Lost the broker" in agent.log(), "the agent noticing")
        server.hold.set()
        wait_for(lambda: copy_of(out / "e-1.mp3") == tones[0], "the airing from the cache")
        wait_for(lambda: ("e-1", "aired", 0) in agent.db_rows(), "the as-run row, undelivered")
        assert hub.kinds("e-1") == []
        broker.start()  # same port, same persistence
        aired = hub.wait_report("e-1", "aired")
        started = hub.wait_report("e-1", "started")
        wait_for(lambda: all(row[2] for row in agent.db_rows()), "rows marked delivered")
        hub.wait_online("thon-6", now())
        agent.stop()
    assert aired.from_cache and started.from_cache
    assert aired.last_contact is not None and aired.started_at is not None
    assert begun <= aired.last_contact <= aired.started_at
    assert Counter(hub.keys()) == {"e-1/thon-6/started": 1, "e-1/thon-6/aired": 1}


def test_an_emergency_preempts_plays_once_and_never_after_its_expiry(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, tones: list[bytes]
) -> None:
    out = tmp_path / "aired"
    agent = Agent(tmp_path / "a1", broker, server, "thon-7", player_output(out))
    (out / f"hold-{sha(tones[0])}").touch()  # the bulletin plays on until something stops it
    with agents(agent):
        agent.start()
        hub.send(programme("thon-7", 1, entry("e-1", tones[0], server.add(tones[0]), now(),
                                              duration_s=600)))  # fmt: skip
        hub.wait_report("e-1", "started")
        wait_for(lambda: plays(out) == [sha(tones[0])], "the bulletin on air")
        hub.send(emergency("x-1", tones[1], server.add(tones[1]), timedelta(minutes=30)))
        preempted = hub.wait_report("e-1", "preempted")
        aired = hub.wait_report("x-1", "aired")
        assert preempted.ended_at is not None and aired.started_at is not None
        assert preempted.ended_at <= aired.started_at
        assert aired.sha256 == sha(tones[1])
        # restarted, the agent gets the retained x-1 again: it must not play it twice
        agent.stop()
        begun = now()
        agent.start()
        hub.wait_online("thon-7", begun)
        # an emergency past its expiry is never played (same topic: after the retained x-1)
        hub.send(emergency("x-2", tones[2], server.add(tones[2]), timedelta(minutes=-1)))
        failed = hub.wait_report("x-2", "failed")
        assert failed.error and failed.error.startswith("expired")
        hub.wait_online("thon-7", now())
        agent.stop()
    assert plays(out) == [sha(tones[0]), sha(tones[1])]
    assert hub.kinds("x-1") == ["started", "aired"] and hub.kinds("x-2") == ["failed"]
    assert hub.kinds("e-1") == ["started", "preempted"]
