"""Relay slots on air (tiếp sóng), on the real daemon against a real Icecast fed by ffmpeg: the
slot airs the stream for what is left of it and its sealed evidence agrees with what the output
received; a source that stops mid-slot is retried, then the fallback fills the slot and a
problem is raised; an emergency or an air-now bulletin mid-relay cuts it and the relay resumes
for the rest of the slot; a lost stream without a fallback raises its problem once and is tried
again.

The daemon's clock is injected: it starts a few seconds before the slot's end (as after a
restart mid-slot) and runs on with the machine's monotonic clock, because a stream plays in
real time; nothing is timed: the tests wait for audio to arrive, never a wall-clock lead.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.daemon.process import Daemon
from broadcaster.enums import Outcome
from broadcaster.evidence.verify import verify
from broadcaster.notes import NoteCode, english
from broadcaster.onair.command_output import CommandOutput
from broadcaster.onair.relays import wav_header
from broadcaster.services import slots
from broadcaster.services.slots import SlotInput
from broadcaster.services.station import Station
from broadcaster.store.db import Airing, AirRequest, Problem, Script
from tests.conftest import FIXED_NOW, LEADER
from tests.helpers import approved_rendered, services
from tests.icecast import Icecast, make_tone

pytestmark = pytest.mark.slow  # real-time audio through Icecast (make test-fast leaves it out)
SLOT_END = FIXED_NOW + timedelta(hours=2, minutes=1)  # Monday 11:01 in Hà Nội
# The decoder hands audio on at the stream's own pace (ffmpeg -re), so a relay counts no more
# than the seconds left in its slot, but for the last block read as the slot ends (16 KB of
# PCM: 0.19 s at 44.1 kHz).
BLOCK_S = 0.19
PIPE_BUFFER = 65536


def running_clock(left_s: float) -> Callable[[], datetime]:
    """The station's clock `left_s` before the relay slot ends, running on from there."""
    began = time.monotonic()
    return lambda: (
        SLOT_END - timedelta(seconds=left_s) + timedelta(seconds=time.monotonic() - began)
    )


def relay_slot(station: Station, url: str, fallback: str = "") -> None:
    given = SlotInput(
        name="VOV trưa", start="11:00", minutes=1, days=["mon"], kind="relay", url=url,
        fallback=fallback,
    )  # fmt: skip
    with services(station, FIXED_NOW) as ctx:
        slots.add_slot(ctx, LEADER, given)


def daemon_of(station: Station, clock: Callable[[], datetime], folder: Path) -> Daemon:
    """The daemon of the station's slots; its player keeps all it is given, one file a play."""
    player = CommandOutput(f'sh -c \'cat "$1" > "$2/$(date +%s%N).bin"\' player {{file}} {folder}')
    daemon = Daemon(station.settings, station.sessions, None, player, clock=clock)
    daemon.follow_slots()
    return daemon


def rows(station: Station) -> list[Airing]:
    with station.sessions() as session:
        found = session.scalars(select(Airing).order_by(Airing.id)).all()
        session.expunge_all()
        return list(found)


def wait_until(done: Callable[[], bool], what: str) -> None:
    """Wait for something the relay does (a deadline for a stuck test, not a measured speed)."""
    deadline = time.monotonic() + 60
    while not done():
        assert time.monotonic() < deadline, f"waited a minute for {what}"
        time.sleep(0.05)


def recording(folder: Path) -> bool:
    """The player has been given audio (a second of it: the stream is on air)."""
    return any(taken.stat().st_size > 88_200 for taken in folder.glob("*.bin"))


def gone(url: str) -> bool:
    """The server no longer has the mount (its source stopped)."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310
            return False
    except urllib.error.HTTPError as missing:
        missing.close()
        return True


def taken_s(path: Path, rate: int) -> float:
    """The seconds of audio the player took: the WAV it read, less its header."""
    return (path.stat().st_size - len(wav_header(rate))) / (2 * rate)


def test_a_relay_slot_airs_the_stream_until_its_end_and_seals_what_was_received(
    station: Station, icecast: Icecast, tmp_path: Path
) -> None:
    icecast.feed("/vov1.mp3")
    relay_slot(station, icecast.url("/vov1.mp3").replace("http://", "http://tram:bi-mat@"))
    daemon = daemon_of(station, running_clock(4.0), tmp_path)
    (result,) = daemon.air_slot("VOV trưa")
    (row,) = rows(station)
    assert (result.outcome, result.script_id) == (Outcome.AIRED, None), row.error
    assert (row.kind, row.relay_url, row.script_id) == ("relay", icecast.url("/vov1.mp3"), None)
    assert row.ended_at is not None and row.ended_at <= SLOT_END
    assert row.received_s is not None and 1.0 < row.received_s <= 4.0 + BLOCK_S
    (taken,) = tmp_path.glob("*.bin")
    rate = station.settings.sample_rate
    # The evidence counts what was handed to the player; a player stopped at the slot's end may
    # leave up to a pipe's buffer of it unread (64 KiB on Linux: 0.74 s at 44.1 kHz), never more.
    # (The evidence keeps milliseconds: ±0.0005 s of rounding.)
    assert -0.0005 <= row.received_s - taken_s(taken, rate) <= PIPE_BUFFER / (2 * rate) + 0.001
    assert json.loads(row.gaps or "") == []
    with station.sessions() as session:
        assert verify(session, station.settings.var_path / "ledger").ok
    assert "bi-mat" not in json.dumps([str(vars(r)) for r in rows(station)])


def test_a_source_that_stops_is_retried_then_the_fallback_fills_the_slot(
    station: Station, icecast: Icecast, tmp_path: Path
) -> None:
    icecast.feed("/tinh.mp3")
    music = make_tone(tmp_path / "nhac-du-phong.mp3", seconds=1.5)
    relay_slot(station, icecast.url("/tinh.mp3"), str(music))
    aired = tmp_path / "aired"
    aired.mkdir()
    daemon = daemon_of(station, running_clock(16.0), aired)
    wait_until_audio = threading.Thread(
        target=lambda: (wait_until(lambda: recording(aired), "the relay's audio"),
                        icecast.stop_sources()),
        daemon=True,
    )  # fmt: skip
    wait_until_audio.start()
    results = daemon.air_slot("VOV trưa")
    assert [r.outcome for r in results] == [Outcome.INTERRUPTED, Outcome.AIRED], [
        (r.kind, r.outcome, r.gaps, r.received_s, r.error) for r in rows(station)
    ]
    relayed, filled = rows(station)
    assert (relayed.kind, filled.kind) == ("relay", "fallback")
    assert NoteCode.STREAM_LOST in (relayed.error or "")
    reasons = [gap[2] for gap in json.loads(relayed.gaps or "")]
    assert reasons and reasons[0] == "dropped"  # the source stopped: then retries in vain
    assert filled.relay_url and filled.relay_url.endswith("nhac-du-phong.mp3")
    assert filled.received_s is not None and filled.received_s > 1.5  # looped past its length
    assert filled.ended_at is not None and filled.ended_at <= SLOT_END
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem.message)).all()
    assert english(problem) == (
        f"Relay slot VOV trưa at 11:00 11/03/2024: {icecast.url('/tinh.mp3')} was lost; "
        "nhac-du-phong.mp3 fills the slot."
    )


@pytest.mark.parametrize("emergency", [True, False], ids=["emergency", "air-now"])
def test_an_emergency_or_air_now_cuts_the_relay_and_it_resumes_for_the_rest_of_the_slot(
    station: Station, icecast: Icecast, tmp_path: Path, emergency: bool
) -> None:
    icecast.feed("/vov1.mp3")
    relay_slot(station, icecast.url("/vov1.mp3"))
    storm = approved_rendered(station, FIXED_NOW, "Khẩn cấp: bão số ba sắp đổ bộ.")
    daemon = daemon_of(station, running_clock(8.0), tmp_path)
    results: list[object] = []
    relay = threading.Thread(target=lambda: results.extend(daemon.air_slot("VOV trưa")))
    relay.start()
    try:
        wait_until(lambda: recording(tmp_path), "the relay's audio")
        with station.sessions() as session:
            if emergency:
                session.get_one(Script, storm).priority = "emergency"
            asked = AirRequest(script_id=storm, emergency=emergency, requested_at=daemon.clock())
            session.add(asked)
            session.commit()
        daemon.serve_requests()  # as the daemon's watch does each second
    finally:
        relay.join()
    found = rows(station)
    assert len(found) == 3, [(r.kind, r.script_id, r.outcome, r.error) for r in found]
    first, emergency, resumed = found
    assert (first.kind, first.outcome) == ("relay", Outcome.PREEMPTED)
    assert (emergency.script_id, emergency.outcome) == (storm, Outcome.AIRED)
    assert (resumed.kind, resumed.outcome, resumed.attempt) == ("relay", Outcome.AIRED, 2)
    assert first.ended_at is not None and resumed.started_at is not None
    assert emergency.started_at is not None and first.ended_at <= emergency.started_at
    assert resumed.ended_at is not None and resumed.ended_at <= SLOT_END
    assert resumed.received_s is not None and resumed.received_s > 0.5
    with station.sessions() as session:
        assert verify(session, station.settings.var_path / "ledger").ok


def test_a_lost_stream_without_a_fallback_raises_one_problem_and_is_tried_again(
    station: Station, icecast: Icecast, tmp_path: Path
) -> None:
    icecast.feed("/vov1.mp3")
    nobody = icecast.url("/vov1.mp3")
    relay_slot(station, nobody)  # the address answered when the slot was made
    icecast.stop_sources()
    wait_until(lambda: gone(nobody), "the mount to go")
    daemon = daemon_of(station, running_clock(50.0), tmp_path)
    (first,) = daemon.air_slot("VOV trưa")
    (due,) = daemon.settle()  # each minute: the occurrence is still open
    (again,) = daemon.air_occurrence(due.slot.name, due.start)
    assert (first.outcome, again.outcome) == (Outcome.FAILED, Outcome.FAILED)
    assert [(r.kind, r.attempt) for r in rows(station)] == [("relay", 1), ("relay", 2)]
    assert all(json.loads(r.gaps or "")[0][2] == "unreachable" for r in rows(station))
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem.message)).all()
    assert english(problem) == (
        f"Relay slot VOV trưa at 11:00 11/03/2024: {nobody} was lost; no fallback, retried."
    )


def test_a_relay_lost_after_it_resumed_is_tried_again_by_settling(
    station: Station, icecast: Icecast, tmp_path: Path
) -> None:
    """Cut by an emergency, resumed, then lost without a fallback: the next turn is a claim of
    its own, so the arbiter starts it (the cut turn's key never starts again)."""
    source = icecast.url("/vov1.mp3")
    icecast.feed("/vov1.mp3")
    relay_slot(station, source)
    storm = approved_rendered(station, FIXED_NOW, "Khẩn cấp: bão số ba sắp đổ bộ.")
    daemon = daemon_of(station, running_clock(50.0), tmp_path)
    relay = threading.Thread(target=daemon.air_slot, args=("VOV trưa",))
    relay.start()
    try:
        wait_until(lambda: recording(tmp_path), "the relay's audio")
        with station.sessions() as session:
            session.get_one(Script, storm).priority = "emergency"
            session.add(AirRequest(script_id=storm, emergency=True, requested_at=daemon.clock()))
            session.commit()
        daemon.serve_requests()
        wait_until(lambda: len(rows(station)) == 3, "the relay to resume")
        wait_until(lambda: sum(recording_in(p) for p in tmp_path.glob("*.bin")) == 2, "its audio")
        icecast.stop_sources()
    finally:
        relay.join()
    wait_until(lambda: gone(source), "the mount to go")
    (due,) = daemon.settle()
    (again,) = daemon.air_occurrence(due.slot.name, due.start)
    found = [(r.kind, r.script_id, r.outcome) for r in rows(station)]
    assert found == [
        ("relay", None, Outcome.PREEMPTED), ("cchc", storm, Outcome.AIRED),
        ("relay", None, Outcome.INTERRUPTED), ("relay", None, Outcome.FAILED),
    ]  # fmt: skip
    assert again.outcome == Outcome.FAILED


def recording_in(taken: Path) -> bool:
    """This play of the player has been given a second of audio."""
    return taken.stat().st_size > 88_200


@pytest.mark.parametrize("withdrawn", [True, False], ids=["paused", "zones-changed"])
def test_a_relay_slot_paused_mid_relay_stops_at_once_and_a_change_of_zones_does_not(
    station: Station, icecast: Icecast, tmp_path: Path, withdrawn: bool
) -> None:
    """The daemon follows the slot table while a relay is on air: a pause takes the occurrence
    away, so the relay stops there (interrupted, with why); new zones leave it on air."""
    from broadcaster.services.clusters import add_zone

    icecast.feed("/vov1.mp3")
    relay_slot(station, icecast.url("/vov1.mp3"))
    daemon = daemon_of(station, running_clock(12.0), tmp_path)
    results: list[object] = []
    relay = threading.Thread(target=lambda: results.extend(daemon.air_slot("VOV trưa")))
    relay.start()
    try:
        wait_until(lambda: recording(tmp_path), "the relay's audio")
        with services(station, FIXED_NOW) as ctx:
            found = slots.find_slot(ctx, "VOV trưa")
            if withdrawn:
                slots.pause_slot(ctx, LEADER, found.id, found.version, True)
            else:
                add_zone(ctx, "Thôn 1")
                given = SlotInput(name="VOV trưa", start="11:00", minutes=1, days=["mon"],
                                  kind="relay", url=found.slot.url or "", zones=["Thôn 1"])  # fmt: skip
                slots.change_slot(ctx, LEADER, found.id, found.version, given)
        changed_at = daemon.clock()
        daemon.follow_slots()  # as the daemon's watch of the slot table does every few seconds
    finally:
        relay.join()
    (row,) = rows(station)
    assert row.ended_at is not None
    if withdrawn:
        assert (row.kind, row.outcome) == ("relay", Outcome.INTERRUPTED)
        assert row.error is not None and english(row.error) == (
            "Stopped: its slot was paused, deleted or changed while on air."
        )
        assert changed_at <= row.ended_at < SLOT_END  # stopped by the pause, not by its end
    else:
        assert (row.kind, row.outcome, row.error) == ("relay", Outcome.AIRED, None)
        assert row.ended_at > SLOT_END - timedelta(seconds=1)
    with station.sessions() as session:
        assert verify(session, station.settings.var_path / "ledger").ok
