"""`broadcaster bench emergency`: from the commit of an emergency request to the stop of what is
on air and the start of the emergency, on the real daemon with a real player command.

Each round airs a bulletin by air-now through a scratch station's daemon (a thread of this
process, a player command under its guard, as at a station), waits until its player sounds,
then commits an emergency request as the web page and `air-now` do. Three moments, on the
wall clock: the commit; the stop (the cut bulletin's player group is gone: its row's end);
the start (the emergency's player writes down that it sounds). `--hogs N` runs N CPU hogs.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from broadcaster.bench.scratch import scratch_station
from broadcaster.clock import utc_now
from broadcaster.config import load_settings
from broadcaster.enums import Outcome, Priority
from broadcaster.services.station import Station

PLAYER = """import sys, time
open(sys.argv[1], "a").write(f"{time.time():.6f} {sys.argv[2]}\\n")
time.sleep(float(sys.argv[3]))
"""
PLAY_SECONDS = 3.0  # every bulletin "plays" this long: the emergency comes during the first
WAIT_LIMIT = 60.0  # a deadline for a round (a hang is reported, not waited out)


@dataclass(frozen=True)
class EmergencyFigures:
    """Milliseconds from the request's commit to the stop of the bulletin and the emergency."""

    rounds: int
    stop_ms: list[float]
    start_ms: list[float]


def _wait(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.005)


def _sounded(log: Path) -> list[float]:
    """When each player sounded (its own log)."""
    text = log.read_text() if log.exists() else ""
    return [float(line.split()[0]) for line in text.splitlines()]


def _round(station: Station, log: Path) -> tuple[float | None, float]:
    """One air-now bulletin cut by one emergency: (commit → stop, commit → start) in ms."""
    from broadcaster.services.context import Context
    from broadcaster.services.onair import air_now
    from broadcaster.store.db import Airing

    before = len(_sounded(log))
    with station.sessions() as session:
        air_now(Context(station.settings, session, utc_now), 1, None)
    _wait(lambda: len(_sounded(log)) == before + 1, "the bulletin to sound")
    time.sleep(0.3)
    with station.sessions() as session:
        air_now(Context(station.settings, session, utc_now), 2, None)
        committed = time.time()
    _wait(lambda: len(_sounded(log)) == before + 2, "the emergency to sound")
    started = (_sounded(log)[-1] - committed) * 1000
    with station.sessions() as session:
        cut = session.scalars(
            select(Airing).where(Airing.outcome == Outcome.PREEMPTED).order_by(Airing.id.desc())
        ).first()
        ended = cut.ended_at if cut is not None else None
    time.sleep(PLAY_SECONDS + 0.2)  # the emergency plays out
    if not isinstance(ended, datetime):
        return None, started
    return (ended.timestamp() - committed) * 1000, started


def bench_emergency(rounds: int, hogs: int = 0) -> EmergencyFigures:
    """Run `rounds` emergencies over air-now bulletins; return the figures."""
    from broadcaster.daemon.process import Daemon
    from broadcaster.onair.command_output import CommandOutput
    from broadcaster.programme.slots import load_slots
    from broadcaster.store.db import Script

    hogging = [
        subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(hogs)
    ]  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            far = (utc_now() + timedelta(hours=6)).astimezone(load_settings(folder, environ={}).tz)
            slot = f'[[slot]]\nname = "xa"\nstart = "{far:%H:%M:%S}"\nminutes = 1\n'
            station = scratch_station(folder, slot, scripts=2)  # its slot comes hours later
            with station.sessions() as session:
                session.get_one(Script, 2).priority = Priority.EMERGENCY
                session.commit()
            (folder / "player.py").write_text(PLAYER, encoding="utf-8")
            log = folder / "sounded.log"
            output = CommandOutput(
                f"{sys.executable} -S {folder / 'player.py'} {log} {{file}} {PLAY_SECONDS}"
            )
            daemon = Daemon(
                station.settings, station.sessions,
                load_slots(station.settings.schedules_path), output,
            )  # fmt: skip
            stop = threading.Event()
            ready = threading.Event()
            runner = threading.Thread(target=daemon.run, args=(stop, None, ready.set))
            runner.start()
            stops, starts = [], []
            try:
                _wait(ready.is_set, "the daemon")
                for _ in range(rounds):
                    stopped_ms, started_ms = _round(station, log)
                    starts.append(started_ms)
                    if stopped_ms is not None:
                        stops.append(stopped_ms)
            finally:
                stop.set()
                runner.join()
                station.engine.dispose()
    finally:
        for hog in hogging:
            hog.kill()
            hog.wait()
    return EmergencyFigures(rounds, stops, starts)
