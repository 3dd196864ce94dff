"""kill -9 at ten moments of a daemon's life: the next daemon airs the rest once, the log holds.

Real processes throughout. A `broadcaster run` daemon airs three short bulletins through a
player that writes down when it sounds (tests/faults/player.py); it is killed with SIGKILL
at one moment, caught from outside (its ready line, its player's log, the wall clock) or
held still at a named point (broadcaster/faultpoints.py). A second daemon on the same
station finishes the slot. Then what came out of the player is checked (no two plays at
once, no bulletin played in full twice, every bulletin that had not begun plays in full)
as well as the rows (one airing that is not `failed` per entry, `interrupted` for the one
on air at the kill, an intact hash chain).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import select

from broadcaster.clock import utc_now
from broadcaster.enums import Outcome
from broadcaster.services.reports import verify_log
from broadcaster.services.station import Station
from broadcaster.store.db import Airing, ProgrammeEntry
from tests.helpers import (
    approved_rendered,
    begun_slot_file,
    running_daemon,
    services,
    stop_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")
BULLETINS = [  # short, so ten kills take a few minutes
    "Bản tin thứ nhất. Bà con nộp hồ sơ tại nhà.",
    "Bản tin thứ hai. Xin cảm ơn bà con.",
    "Bản tin thứ ba. Hẹn gặp lại.",
]


@dataclass(frozen=True)
class Play:
    """One player process, from its own log lines."""

    pid: int
    file: str
    first: float
    last: float
    full: bool  # it wrote "end": the bulletin played to its last second


@dataclass(frozen=True)
class Entry:
    """A programme entry of the slot and the audio file its player is given."""

    id: int
    file: str


@dataclass
class Air:
    """The station under test: its folder, the player's logs and the fault point's mark."""

    project: Path
    station: Station
    database_url: str | None  # None: the SQLite file in var/
    log: Path
    names: Path
    mark: Path
    fails: Path

    def output(self) -> str:
        """The --output spec that plays through the recording player.

        Its files are named from the project folder (the daemon's and the player's working
        folder): the spec is kept in each airing row, at most 300 characters.
        """
        log, names, fails = (
            p.relative_to(self.project) for p in (self.log, self.names, self.fails)
        )
        return (
            f"command:{sys.executable} {PLAYER} {log} {{file}} --names {names} --fail-first {fails}"
        )

    def lines(self) -> list[list[str]]:
        """The play log's whole lines (a player may be writing the last one now)."""
        return [line.split() for line in _whole_lines(self.log)]

    def plays(self) -> list[Play]:
        """Every player that sounded, in the order they started."""
        files = dict(line.split() for line in _whole_lines(self.names))
        seen: dict[int, list[str]] = {}
        for kind, pid, moment in self.lines():
            if kind != "fail":
                seen.setdefault(int(pid), []).append(f"{kind} {moment}")
        plays = []
        for pid, events in seen.items():
            moments = [float(e.split()[1]) for e in events]
            full = any(e.startswith("end ") for e in events)
            plays.append(Play(pid, files[str(pid)], min(moments), max(moments), full))
        return sorted(plays, key=lambda p: p.first)

    def ticks(self) -> int:
        return sum(1 for kind, _, _ in self.lines() if kind == "tick")

    def entries(self, slot_end: datetime) -> list[Entry]:
        """The slot's programme in order (not tomorrow's, which render-ahead plans too)."""
        with self.station.sessions() as session:
            found = session.scalars(
                select(ProgrammeEntry)
                .where(ProgrammeEntry.starts_at < slot_end)
                .order_by(ProgrammeEntry.position)
            )
            return [Entry(e.id, Path(e.rendering.audio_path).name) for e in found]

    def airings(self) -> list[Airing]:
        with self.station.sessions() as session:
            found = session.scalars(select(Airing).order_by(Airing.id)).all()
            session.expunge_all()
            return list(found)


def _whole_lines(path: Path) -> list[str]:
    return path.read_text().split("\n")[:-1] if path.exists() else []


@contextmanager
def daemon_with_fault(air: Air, point: str | None) -> Iterator[subprocess.Popen[str]]:
    """`broadcaster run` that holds still at `point` (see broadcaster/faultpoints.py); with
    None an ordinary daemon. As helpers.running_daemon: yielded once ready, killed in `finally`."""
    fault = (
        {"BROADCASTER_FAULT_POINT": point, "BROADCASTER_FAULT_MARK": str(air.mark)} if point else {}
    )
    with running_daemon(
        air.project, air.database_url, "--output", air.output(), env=fault
    ) as process:
        yield process
        return
    fault = {"BROADCASTER_FAULT_POINT": point, "BROADCASTER_FAULT_MARK": str(air.mark)}
    with running_daemon(
        air.project, air.database_url, "--output", air.output(), env=fault
    ) as process:
        yield process


# --- the moment of the kill: how the test waits for it --------------------------------


def _at_once(air: Air, daemon: subprocess.Popen[str]) -> None:
    """Right after start: the daemon has just said it is ready."""


def _player_started(air: Air, daemon: subprocess.Popen[str]) -> None:
    wait_for(lambda: any(kind == "start" for kind, _, _ in air.lines()), "the player to start")


def _mid_bulletin(air: Air, daemon: subprocess.Popen[str]) -> None:
    wait_for(lambda: air.ticks() >= 10, "half a second of the first bulletin")


def _held(air: Air, daemon: subprocess.Popen[str]) -> None:
    wait_for(lambda: air.mark.exists() and air.mark.read_text().strip(), "the fault point")


def _during_shutdown(air: Air, daemon: subprocess.Popen[str]) -> None:
    _mid_bulletin(air, daemon)
    daemon.send_signal(signal.SIGTERM)  # as a service manager stops it
    _held(air, daemon)


@dataclass(frozen=True)
class Point:
    """One kill point: where the daemon is held (None: caught from outside), how the test
    waits for the moment, and what each of the three entries ends as (None: it depends on
    how far the daemon got, which the point does not fix)."""

    hook: str | None
    moment: Callable[[Air, subprocess.Popen[str]], None]
    outcomes: tuple[str, str, str] | None
    first_plays: str | None = None  # the first bulletin's plays: "none", "cut" or "full"
    before_slot: bool = False  # killed before the slot starts (else it began 1 s ago)


ON_AIR_CUT = ("interrupted", "aired", "aired")
ALL_AIRED = ("aired", "aired", "aired")
POINTS = {
    "right after start": Point(None, _at_once, None),
    "during render-ahead": Point("render_ahead", _held, None),
    "1 s before the slot": Point(None, _at_once, ALL_AIRED, before_slot=True),
    # No sound went out yet: the row is closed as failed and the bulletin airs after all.
    "while the started row is written": Point("started_row", _held, ALL_AIRED, "full"),
    "right after the player starts": Point(None, _player_started, ON_AIR_CUT, "cut"),
    "mid-bulletin": Point(None, _mid_bulletin, ON_AIR_CUT, "cut"),
    "between bulletins": Point("between_bulletins", _held, ALL_AIRED, "full"),
    # It played in full; the on-air note gives the next daemon the outcome the seal lost.
    "during a seal": Point("seal", _held, ALL_AIRED, "full"),
    "during a retry": Point("retry", _held, ALL_AIRED, "full"),
    "during shutdown": Point("shutdown", _during_shutdown, ON_AIR_CUT, "cut"),
}


@pytest.fixture
def brief_audio(project: Path) -> None:
    """Bulletins of a second or two: no chime before and after, a quick voice."""
    (project / "broadcaster.toml").write_text(
        'intro = ""\noutro = ""\nespeak_rate = 220\nsentence_pause_ms = 100\n', encoding="utf-8"
    )


@pytest.fixture
def air(project: Path, brief_audio: None, station: Station, database_url: str | None) -> Air:
    """Three approved, rendered bulletins and the files the player writes."""
    now = utc_now()
    for words in BULLETINS:
        approved_rendered(station, now, words, topic="a")
    return Air(
        project, station, database_url, project / "played.log", project / "played-files.log",
        project / "fault.mark", project / "player-fails",
    )  # fmt: skip


def _slot_soon(air: Air) -> datetime:
    """A slot that starts a little after a daemon is ready; the daemon is killed 1 s before it.

    Return its start. A machine too busy to be ready in time gets a longer lead.
    """
    tz = air.station.settings.tz
    for lead in (12, 30, 90):
        start = begun_slot_file(air.project, tz, seconds_ago=-lead)
        with daemon_with_fault(air, None) as daemon:
            wait = start.timestamp() - 1 - time.time()
            if wait > 0:
                time.sleep(wait)
                daemon.kill()
                daemon.wait()
                return start
    raise AssertionError("the daemon was never ready 1 s before a slot, even with 90 s of lead")


@pytest.mark.parametrize("name", list(POINTS))
def test_a_daemon_killed_at_any_point_is_followed_by_one_that_airs_the_rest_once(
    air: Air, name: str
) -> None:
    point = POINTS[name]
    tz = air.station.settings.tz
    if point.hook == "retry":
        air.fails.write_text("1")  # the first play fails: the daemon waits to try again
    if point.before_slot:
        start = _slot_soon(air)
    else:
        start = begun_slot_file(air.project, tz, seconds_ago=1)
        with daemon_with_fault(air, point.hook) as first:
            point.moment(air, first)
            first.kill()  # SIGKILL, the daemon alone: its player dies with it (PDEATHSIG)
            first.wait()
    killed_at = time.time()
    slot_end = start + timedelta(minutes=5)
    with running_daemon(air.project, air.database_url, "--output", air.output()) as second:
        wait_for(lambda: _played_out(air, slot_end), "the second daemon to finish the slot", 90)
        stop_daemon(second)
    assert second.returncode == 0

    _assert_the_air_held(air, slot_end, killed_at)
    entries = air.entries(slot_end)
    final = _final_outcomes(air, entries)
    if point.outcomes is not None:
        assert tuple(final) == point.outcomes
    if point.first_plays is not None:
        plays = [p for p in air.plays() if p.file == entries[0].file]
        kind = "none" if not plays else ("full" if any(p.full for p in plays) else "cut")
        assert kind == point.first_plays, plays
    if point.before_slot:
        assert all(p.first >= start.timestamp() for p in air.plays()), "aired before its slot"
    if point.hook == "retry":
        outcomes = [a.outcome for a in air.airings() if a.programme_entry_id == entries[0].id]
        assert outcomes == [Outcome.FAILED, Outcome.AIRED]
        assert [line[0] for line in air.lines()].count("fail") == 1


def _played_out(air: Air, slot_end: datetime) -> bool:
    """Every entry of the slot has its final airing (one that is not `failed`)."""
    entries = air.entries(slot_end)
    finals = _final_outcomes(air, entries)
    return bool(entries) and all(o not in (None, Outcome.STARTED) for o in finals)


def _final_outcomes(air: Air, entries: list[Entry]) -> list[Outcome | None]:
    """Each entry's airing that is not `failed` (None: it has none yet)."""
    by_entry = {
        a.programme_entry_id: a.outcome for a in air.airings() if a.outcome != Outcome.FAILED
    }
    return [by_entry.get(entry.id) for entry in entries]


def _assert_the_air_held(air: Air, slot_end: datetime, killed_at: float) -> None:
    """What came out of the player and what the rows say agree, whatever the kill cut."""
    plays = air.plays()
    for before, after in pairwise(plays):
        assert before.last < after.first, f"two players sounded at once: {before} {after}"
    full = Counter(p.file for p in plays if p.full)
    assert all(n == 1 for n in full.values()), f"a bulletin played in full twice: {full}"

    entries = air.entries(slot_end)
    assert len(entries) == len(BULLETINS)
    airings = air.airings()
    for entry in entries:
        rows = [a for a in airings if a.programme_entry_id == entry.id]
        kept = [a for a in rows if a.outcome != Outcome.FAILED]
        assert len(kept) == 1, f"entry {entry.id}: {[(a.id, a.outcome) for a in rows]}"
        assert len(rows) <= 3  # MAX_ATTEMPTS
        (row,) = kept
        mine = [p for p in plays if p.file == entry.file]
        if row.outcome == Outcome.AIRED:
            assert [p.full for p in mine] == [True], f"entry {entry.id} aired: {mine}"
        else:
            # The one on air when the daemon died: cut (or, killed while sealing, ended) and
            # never played again; its row was closed by the next daemon or at shutdown.
            assert row.outcome == Outcome.INTERRUPTED
            assert row.epoch == 1
            assert all(p.first < killed_at for p in mine), f"entry {entry.id} played again"
    assert sum(a.outcome == Outcome.INTERRUPTED for a in airings) <= 1
    with services(air.station, utc_now()) as ctx:
        verdict = verify_log(ctx)  # what `broadcaster log verify` says
    assert verdict.ok, verdict.sentence()


def test_half_written_files_a_killed_process_left_are_removed_at_start(
    station: Station, project: Path, database_url: str | None
) -> None:
    audio = station.settings.audio_dir
    aired = project / "var" / "aired"
    for folder in (audio, aired):
        folder.mkdir(parents=True, exist_ok=True)
    hour_ago = time.time() - 3600
    stale = [audio / "a1b2.mp3.part", audio / "c3d4.pcm", aired / "x_script1.mp3.part"]
    kept = [audio / "e5f6.mp3.part", audio / "old-but-finished.mp3"]
    for path in stale + kept:
        path.write_bytes(b"half")
    for path in stale + [kept[1]]:
        os.utime(path, (hour_ago, hour_ago))  # kept[0] is young: a render may be writing it
    with running_daemon(project, database_url, "--output", "file:var/aired"):
        pass  # ready means start-up is done
    assert [p.exists() for p in stale] == [False, False, False]
    assert [p.exists() for p in kept] == [True, True]
