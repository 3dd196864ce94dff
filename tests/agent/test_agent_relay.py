"""Relays at the agent: a real `broadcaster agent` plays the station's Icecast mount (a real
Icecast fed by ffmpeg) from a relay's start to its end and reports each part; the test is the
station on a real Mosquitto. The output is `file:` (it records what was relayed as
`<part key>.mp3`, written when the part ends) or a `command:` player reading the stream as WAV
from a pipe and keeping what it heard as it hears it, so a test can wait for audio to arrive.
Windows are 12–20 s so the module stays quick."""

from __future__ import annotations

import dataclasses
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from broadcaster.clusters import wire
from tests.agent_station import Agent, AudioServer, Station, agents, now, programme, sha
from tests.broker import Broker
from tests.helpers import wait_for
from tests.icecast import Icecast

pytestmark = pytest.mark.slow

MOUNT = "/tiep-song-vov1"
# A `command:` player: copies what it reads (a bulletin's file, or a relay's WAV pipe) into
# heard-<pid> in its folder as it reads it.
LISTENER = """\
import os, pathlib, sys
source, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
with open(source, "rb") as stream, open(out / f"heard-{os.getpid()}", "ab") as heard:
    while block := stream.read(4096):
        heard.write(block)
        heard.flush()
"""
TWO_SECONDS = 2 * 44100 * 2  # bytes of 16-bit mono PCM at the agent's relay rate


def relay_in(icecast: Icecast, key: str, lead_s: float, length_s: float) -> wire.Relay:
    """A relay of the station's mount starting `lead_s` from now, lasting `length_s`."""
    start = now() + timedelta(seconds=lead_s)
    return wire.Relay(key=key, slot="Tiếp sóng VOV1", start=start,
                      end=start + timedelta(seconds=length_s), url=icecast.url(MOUNT))  # fmt: skip


def with_relays(cluster: str, version: int, *relays: wire.Relay) -> wire.Programme:
    """A programme of no bulletins and these relays."""
    return dataclasses.replace(programme(cluster, version), relays=relays)


def started_agent(tmp_path: Path, broker: Broker, server: AudioServer, hub: Station,
                  cluster: str, listener: bool = False) -> tuple[Agent, Path]:  # fmt: skip
    """A running agent with a `file:` output (or the LISTENER), once its first heartbeat is in."""
    out = tmp_path / "aired"
    out.mkdir()
    output = f"file:{out}"
    if listener:
        (tmp_path / "listener.py").write_text(LISTENER)
        output = f"command:{sys.executable} {tmp_path / 'listener.py'} {{file}} {out}"
    agent = Agent(tmp_path / "agent", broker, server, cluster, output)
    begun = now()
    agent.start()
    hub.wait_online(cluster, begun)
    return agent, out


def heard(out: Path) -> int:
    """Bytes the LISTENER has heard so far, over every play."""
    return sum(p.stat().st_size for p in out.glob("heard-*"))


def playing(hub: Station, cluster: str, key: str | None) -> None:
    """Wait for a heartbeat saying the agent plays `key` (None: nothing)."""

    def says() -> bool:
        with hub.lock:
            health = hub.health.get(cluster)
        return health is not None and health.online and health.playing == key

    wait_for(says, f"{cluster}'s heartbeat saying it plays {key}")


def test_a_relay_is_played_from_its_start_to_its_end_and_reported(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, icecast: Icecast
) -> None:
    icecast.feed(MOUNT)
    agent, out = started_agent(tmp_path, broker, server, hub, "thon-r1")
    with agents(agent):
        r = relay_in(icecast, "r-vov1-a", lead_s=2, length_s=12)
        hub.send(with_relays("thon-r1", 1, r))
        playing(hub, "thon-r1", r.key)
        aired = hub.wait_report(r.key, "aired")
        started = hub.report(r.key, "started")
        assert started.sha256 is None and started.started_at is not None
        assert started.started_at >= r.start  # never before its start, by the agent's clock
        assert aired.ended_at is not None and aired.ended_at <= r.end + timedelta(seconds=1)
        window = (r.end - started.started_at).total_seconds()
        assert aired.received_s == pytest.approx(window, abs=2.0), aired
        assert aired.gaps == () and aired.error is None
        assert hub.kinds(r.key) == ["started", "aired"]
        assert (out / f"{r.key}.mp3").stat().st_size > 8000 * 8  # ≥ 8 s at 64 kbit/s
        playing(hub, "thon-r1", None)
        assert hub.kinds(wire.part_key(r.key, 2)) == []  # played to its end: no second part


def test_an_emergency_preempts_a_relay_which_resumes_as_part_2(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, icecast: Icecast,
    tones: list[bytes],
) -> None:  # fmt: skip
    icecast.feed(MOUNT)
    agent, out = started_agent(tmp_path, broker, server, hub, "thon-r2", listener=True)
    with agents(agent):
        r = relay_in(icecast, "r-vov1-b", lead_s=1, length_s=16)
        hub.send(with_relays("thon-r2", 1, r))
        playing(hub, "thon-r2", r.key)
        wait_for(lambda: heard(out) > TWO_SECONDS, "two seconds of the relay heard")
        issued = now()
        hub.send(wire.Emergency(
            key="x-r2", cluster="thon-r2", title="Khẩn cấp", sha256=sha(tones[0]),
            duration_s=1.0, url=server.add(tones[0]), issued_at=issued,
            expires=issued + timedelta(minutes=5),
        ))  # fmt: skip
        second = wire.part_key(r.key, 2)
        aired = hub.wait_report(second, "aired")
        preempted = hub.report(r.key, "preempted")
        assert hub.kinds(r.key) == ["started", "preempted"]
        assert hub.kinds("x-r2") == ["started", "aired"]
        assert hub.kinds(second) == ["started", "aired"]
        assert preempted.received_s is not None and preempted.received_s >= 1.0
        assert preempted.error == "stopped: emergency"
        x_ended = hub.report("x-r2", "aired").ended_at
        resumed = hub.report(second, "started").started_at
        assert x_ended is not None and resumed is not None and resumed >= x_ended
        assert aired.received_s == pytest.approx((r.end - resumed).total_seconds(), abs=2.0)
        assert heard(out) > TWO_SECONDS + aired.received_s * 44100 * 2 * 0.8


def test_a_relay_the_station_withdraws_stops_and_does_not_come_back(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, icecast: Icecast
) -> None:
    icecast.feed(MOUNT)
    agent, _out = started_agent(tmp_path, broker, server, hub, "thon-r3")
    with agents(agent):
        r = relay_in(icecast, "r-vov1-c", lead_s=1, length_s=20)
        hub.send(with_relays("thon-r3", 1, r))
        playing(hub, "thon-r3", r.key)
        hub.send(with_relays("thon-r3", 2))  # the slot was paused at the station
        stopped = hub.wait_report(r.key, "interrupted")
        assert stopped.error == "the station withdrew the relay"
        assert stopped.ended_at is not None and stopped.ended_at < r.end
        playing(hub, "thon-r3", None)
        assert hub.kinds(r.key) == ["started", "interrupted"]
        assert hub.kinds(wire.part_key(r.key, 2)) == []


def test_a_source_lost_mid_relay_ends_the_part_interrupted_with_its_gap(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, icecast: Icecast
) -> None:
    icecast.feed(MOUNT)
    agent, out = started_agent(tmp_path, broker, server, hub, "thon-r4", listener=True)
    with agents(agent):
        r = relay_in(icecast, "r-vov1-d", lead_s=1, length_s=20)
        hub.send(with_relays("thon-r4", 1, r))
        playing(hub, "thon-r4", r.key)
        wait_for(lambda: heard(out) > TWO_SECONDS, "two seconds of the relay heard")
        icecast.stop_sources()  # the station's mount goes silent, and stays so
        lost = hub.wait_report(r.key, "interrupted")
        assert lost.received_s is not None and lost.received_s >= 1.0
        assert lost.gaps and lost.gaps[0][2] == "dropped" and lost.gaps[0][0] >= 1.0, lost
        assert lost.error and MOUNT in lost.error, lost  # the stream, named, was lost
        assert lost.ended_at is not None and lost.ended_at < r.end
        assert hub.kinds(r.key) == ["started", "interrupted"]


def test_after_a_kill_mid_relay_the_restarted_agent_resumes_it_as_the_next_part(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, icecast: Icecast
) -> None:
    icecast.feed(MOUNT)
    agent, _out = started_agent(tmp_path, broker, server, hub, "thon-r5")
    with agents(agent):
        r = relay_in(icecast, "r-vov1-e", lead_s=1, length_s=20)
        hub.send(with_relays("thon-r5", 1, r))
        playing(hub, "thon-r5", r.key)
        agent.kill(signal.SIGKILL)
        agent.start()
        second = wire.part_key(r.key, 2)
        aired = hub.wait_report(second, "aired")
        cut = hub.report(r.key, "interrupted")
        assert cut.sha256 is None and cut.error == "the agent stopped during the airing"
        assert hub.kinds(r.key) == ["started", "interrupted"]
        assert hub.kinds(second) == ["started", "aired"]
        assert aired.ended_at is not None and aired.ended_at <= r.end + timedelta(seconds=1)


def test_a_shortened_relay_ends_at_its_new_end_and_a_window_too_short_is_missed(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, icecast: Icecast
) -> None:
    icecast.feed(MOUNT)
    agent, _out = started_agent(tmp_path, broker, server, hub, "thon-r6")
    with agents(agent):
        r = relay_in(icecast, "r-vov1-f", lead_s=1, length_s=20)
        hub.send(with_relays("thon-r6", 1, r))
        playing(hub, "thon-r6", r.key)
        shorter = dataclasses.replace(r, end=r.start + timedelta(seconds=8))
        # a window of 3 s: less than a part's worth, never started, so missed at its end
        brief = relay_in(icecast, "r-vov1-g", lead_s=9, length_s=3)
        hub.send(with_relays("thon-r6", 2, shorter, brief))
        aired = hub.wait_report(r.key, "aired")
        assert aired.ended_at is not None
        assert shorter.end <= aired.ended_at <= shorter.end + timedelta(seconds=1)
        assert aired.received_s is not None and aired.received_s < 9.0
        missed = hub.wait_report(brief.key, "failed")
        assert missed.error is not None and missed.error.startswith("missed"), missed
        assert missed.sha256 is None and hub.kinds(brief.key) == ["failed"]
        assert hub.kinds(wire.part_key(r.key, 2)) == []
