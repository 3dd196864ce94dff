"""`broadcaster bench punctuality` and `bench year`: the daemon's timing. Real slots on the wall
clock, started how late; and a simulated year of two daily slots on an injected clock, with
no entry aired twice or lost."""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from broadcaster.bench.scratch import scratch_station
from broadcaster.clock import utc_now
from broadcaster.config import load_settings
from broadcaster.onair.outputs import Preempted
from broadcaster.onair.soundcard import SoundcardOutput
from broadcaster.programme.slots import SlotDef, load_slots
from broadcaster.store.db import Airing, ProgrammeEntry


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@dataclass(frozen=True)
class PunctualityFigures:
    """Start lateness of real scheduled airings, in milliseconds: to the row's `started_at`,
    and to the moment the output was handed the audio (the player's first sample)."""

    count: int
    aired: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    play_p50_ms: float = float("nan")
    play_p99_ms: float = float("nan")
    play_max_ms: float = float("nan")
    # With --soundcard: to the device's first samples (miniaudio's null device).
    sound_p50_ms: float = float("nan")
    sound_p99_ms: float = float("nan")
    sound_max_ms: float = float("nan")


class _TimedOutput:
    """A null output that notes when it was handed each bulletin (the daemon's clock)."""

    description = "null"

    def __init__(self) -> None:
        self.handed: list[datetime] = []

    def play(self, audio: Path, label: str, duration_s: float, cancel: object = None) -> None:
        self.handed.append(utc_now())


class _TimedSoundcard(SoundcardOutput):
    """The sound card on miniaudio's null device (warmed by the daemon's prepare step like a
    real one), noting when it was handed each bulletin and when the device took its first
    samples, then letting the bulletin go (the next slot is a second away)."""

    def __init__(self) -> None:
        super().__init__(backend="null")
        self.handed: list[datetime] = []
        self.sounded: list[datetime] = []
        self._enough = threading.Event()
        self.on_sound = self._sounded

    def _sounded(self) -> None:
        self.sounded.append(utc_now())
        self._enough.set()

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ) -> None:
        self.handed.append(utc_now())
        self._enough.clear()
        try:
            super().play(audio, label, duration_s, self._enough)
        except Preempted:
            pass


def _bench_slots(count: int, interval: float, first: datetime, tz: ZoneInfo) -> list[SlotDef]:
    """`count` one-minute slots `interval` s apart. They overlap, which a station's schedule
    refuses; the bench builds them itself, as each airs one short bulletin at once (null
    output) and is over before the next begins."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    starts = [(first + timedelta(seconds=n * interval)).astimezone(tz) for n in range(count)]
    return [
        SlotDef(f"b{n:04d}", days, start.time().replace(microsecond=0), 1)
        for n, start in enumerate(starts)
    ]


def bench_punctuality(
    count: int, interval: float, lead: float = 10.0, soundcard: bool = False
) -> PunctualityFigures:
    """Schedule `count` one-bulletin slots `interval` s apart on the real daemon; measure lateness
    (with `soundcard`, through the sound card's own code on miniaudio's null device)."""
    from broadcaster.daemon.process import Daemon

    with tempfile.TemporaryDirectory() as tmp:
        tz = load_settings(Path(tmp), environ={}).tz
        far = (utc_now() + timedelta(hours=12)).astimezone(tz)  # the folder needs a slot of its own
        station = scratch_station(
            Path(tmp), f'[[slot]]\nname = "xa"\nstart = "{far:%H:%M}"\nminutes = 1\n', scripts=1
        )
        first = (utc_now() + timedelta(seconds=lead + 1)).replace(microsecond=0)
        slots = _bench_slots(count, interval, first, tz)
        output: _TimedOutput | _TimedSoundcard = _TimedSoundcard() if soundcard else _TimedOutput()
        daemon = Daemon(station.settings, station.sessions, slots, output)
        stop = threading.Event()
        runner = threading.Thread(target=daemon.run, args=(stop, None))
        runner.start()
        end = first + timedelta(seconds=count * interval + 3)
        while utc_now() < end and runner.is_alive():
            time.sleep(0.5)
        stop.set()
        runner.join()
        with station.sessions() as session:
            rows = session.execute(
                select(Airing.planned_start, Airing.started_at).where(Airing.outcome == "aired")
            ).all()
        station.engine.dispose()
    planned = sorted(p for p, _ in rows)
    late = [(s - p).total_seconds() * 1000 for p, s in rows if s]
    handed = _after(planned, output.handed)
    sounded = _after(planned, output.sounded) if isinstance(output, _TimedSoundcard) else []
    if not late:
        return PunctualityFigures(count, 0, float("nan"), float("nan"), float("nan"))
    return PunctualityFigures(
        count, len(late), _percentile(late, 0.5), _percentile(late, 0.99), max(late),
        *_three(handed), *_three(sounded),
    )  # fmt: skip


def _after(planned: list[datetime], moments: list[datetime]) -> list[float]:
    """Milliseconds from each planned start to its moment (both in order)."""
    return [(m - p).total_seconds() * 1000 for p, m in zip(planned, sorted(moments), strict=False)]


def _three(values: list[float]) -> tuple[float, float, float]:
    """p50, p99 and the largest (NaN when there are none)."""
    if not values:
        return float("nan"), float("nan"), float("nan")
    return _percentile(values, 0.5), _percentile(values, 0.99), max(values)


@dataclass(frozen=True)
class YearFigures:
    """A simulated year of slots on the injected clock."""

    occurrences: int
    airings: int
    seconds: float
    doubled: int
    lost: int

    @property
    def airings_per_second(self) -> float:
        """Simulated airings handled per second of wall time."""
        return self.airings / self.seconds


def bench_year(days: int = 365, scripts: int = 3) -> YearFigures:
    """Drive the daemon's own slot triggers and job function through `days` of two daily slots."""
    from broadcaster.daemon.process import Daemon
    from broadcaster.onair.outputs import NullOutput

    slots_toml = (
        '[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = 30\n'
        '[[slot]]\nname = "Chiều"\nstart = "17:00"\nminutes = 30\n'
    )
    with tempfile.TemporaryDirectory() as tmp:
        station = scratch_station(Path(tmp), slots_toml, scripts)
        settings = station.settings
        slots = load_slots(settings.schedules_path)
        begin = utc_now()
        moment = [begin]
        daemon = Daemon(
            settings, station.sessions, slots, NullOutput(),
            clock=lambda: moment[0], sleep=lambda _: None,
        )  # fmt: skip
        fires = []
        daemon.install_jobs()  # each slot's job, as at the daemon's start (not run here)
        for slot in slots:
            trigger = daemon.scheduler.get_job(f"slot:{slot.name}", jobstore="memory").trigger
            when = trigger.get_next_fire_time(None, begin)
            while when < begin + timedelta(days=days):
                fires.append((when, slot.name))
                when = trigger.get_next_fire_time(when, when + timedelta(seconds=1))
        started = time.perf_counter()
        for when, name in sorted(fires):
            moment[0] = when + timedelta(milliseconds=500)
            daemon.air_slot(name)
        elapsed = time.perf_counter() - started
        with station.sessions() as session:
            entries = session.scalar(select(func.count()).select_from(ProgrammeEntry)) or 0
            per_entry = session.execute(
                select(Airing.programme_entry_id, func.count())
                .where(Airing.outcome == "aired")
                .group_by(Airing.programme_entry_id)
            ).all()
        station.engine.dispose()
    doubled = sum(1 for _, n in per_entry if n > 1)
    lost = entries - len(per_entry)
    return YearFigures(len(fires), sum(n for _, n in per_entry), elapsed, doubled, lost)
