"""`broadcaster bench punctuality` and `bench year`: the daemon's timing. Real slots on the wall
clock, started how late; and a simulated year of two daily slots on an injected clock, with
no entry aired twice or lost."""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from broadcaster.bench.scratch import scratch_station
from broadcaster.clock import utc_now
from broadcaster.config import load_settings
from broadcaster.programme.slots import load_slots
from broadcaster.store.db import Airing, ProgrammeEntry


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@dataclass(frozen=True)
class PunctualityFigures:
    """Start lateness of real scheduled airings, in milliseconds."""

    count: int
    aired: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def bench_punctuality(count: int, interval: float, lead: float = 5.0) -> PunctualityFigures:
    """Schedule `count` one-bulletin slots `interval` s apart on the real daemon; measure lateness."""
    from broadcaster.daemon.process import Daemon
    from broadcaster.onair.outputs import NullOutput

    with tempfile.TemporaryDirectory() as tmp:
        tz = load_settings(Path(tmp), environ={}).tz
        first = utc_now() + timedelta(seconds=lead + 10)  # set-up and rendering take a few seconds
        lines = []
        for n in range(count):
            start = (first + timedelta(seconds=n * interval)).astimezone(tz)
            lines.append(f'[[slot]]\nname = "b{n:04d}"\nstart = "{start:%H:%M:%S}"\nminutes = 1\n')
        station = scratch_station(Path(tmp), "\n".join(lines), scripts=1)
        daemon = Daemon(
            station.settings,
            station.sessions,
            load_slots(station.settings.schedules_path),
            NullOutput(),
        )
        stop = threading.Event()
        runner = threading.Thread(target=daemon.run, args=(stop, None))
        runner.start()
        end = first + timedelta(seconds=count * interval + 3)
        while utc_now() < end and runner.is_alive():
            time.sleep(0.5)
        stop.set()
        runner.join()
        with station.sessions() as session:
            rows = session.scalars(select(Airing).where(Airing.outcome == "aired")).all()
            late = [
                (r.started_at - r.planned_start).total_seconds() * 1000
                for r in rows
                if r.started_at
            ]
        station.engine.dispose()
    if not late:
        return PunctualityFigures(count, 0, float("nan"), float("nan"), float("nan"))
    return PunctualityFigures(
        count, len(late), _percentile(late, 0.5), _percentile(late, 0.99), max(late)
    )


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
    """Drive the real cron triggers and job function through `days` of two daily slots."""
    from apscheduler.triggers.cron import CronTrigger

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
        for slot in slots:
            trigger = CronTrigger(
                hour=slot.start.hour, minute=slot.start.minute, timezone=settings.tz
            )
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
