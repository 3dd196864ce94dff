"""Benchmarks run on demand (`broadcaster bench …`); they print figures, they never assert."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Iterator

from sqlalchemy import func, select

from broadcaster.sound import audio
from broadcaster.clock import utc_now
from broadcaster.config import Settings, load_settings
from broadcaster.store.db import Airing, ProgrammeEntry
from broadcaster.programme.slots import load_slots
from broadcaster.spoken import Normaliser
from broadcaster.services.station import Station
from broadcaster.sound.voices import Speech


@dataclass(frozen=True)
class NormaliseFigures:
    """Throughput of the spoken-form stage."""

    characters: int
    repeat: int
    seconds: float

    @property
    def chars_per_second(self) -> float:
        """Input characters normalised per second."""
        return self.characters * self.repeat / self.seconds


def bench_normalise(text: str, repeat: int, normaliser: Normaliser) -> NormaliseFigures:
    """Normalise `text` `repeat` times on one core (after one warm-up run) and time it."""
    normaliser(text)
    start = time.perf_counter()
    for _ in range(repeat):
        normaliser(text)
    return NormaliseFigures(len(text), repeat, time.perf_counter() - start)


def _scratch_station(folder: Path, slots_toml: str, scripts: int) -> Station:
    """A throwaway installation in `folder` with `scripts` short approved, rendered bulletins."""
    from broadcaster.intake.parse import parse_script
    from broadcaster.sound.render import make_engines, render_script
    from broadcaster.services.context import Context
    from broadcaster.services.scripts import add_scripts, approve_script
    from broadcaster.services.station import initialise, open_station

    (folder / "schedules").mkdir()
    (folder / "schedules" / "bench.toml").write_text(slots_toml, encoding="utf-8")
    settings = load_settings(folder, environ={}, overrides={"engine": "espeak"})
    now = utc_now()
    initialise(settings, "bench-password", now)
    station = open_station(settings)
    with station.sessions() as session:
        ctx = Context(settings, session, clock=lambda: now)
        for n in range(scripts):
            item = parse_script(f"Bản tin thử số {n + 1}.".encode(), "bench.txt", topic="a")
            (script,) = add_scripts(ctx, [item], "bench")
            approve_script(ctx, script.id, "admin")
            render_script(session, script, make_engines("espeak", settings), settings, now)
        session.commit()
    return station


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
        station = _scratch_station(Path(tmp), "\n".join(lines), scripts=1)
        daemon = Daemon(
            station.settings,
            station.engine,
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
        station = _scratch_station(Path(tmp), slots_toml, scripts)
        settings = station.settings
        slots = load_slots(settings.schedules_path)
        begin = utc_now()
        moment = [begin]
        daemon = Daemon(
            settings, station.engine, station.sessions, slots, NullOutput(),
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


@dataclass(frozen=True)
class RenderFigures:
    """One bulletin rendered offline end to end."""

    label: str
    characters: int
    audio_seconds: float
    normalise_s: float
    speech_s: float
    assemble_s: float
    master_s: float
    bare_s: float
    cached_s: float
    python_peak_mb: float

    @property
    def total_s(self) -> float:
        """Wall time of the whole cold render."""
        return self.normalise_s + self.speech_s + self.assemble_s + self.master_s

    @property
    def realtime_factor(self) -> float:
        """How many times faster than real time the cold render ran."""
        return self.audio_seconds / self.total_s


def render_offline(text: str, settings: Settings, dest: Path) -> dict[str, float]:
    """Normalise → speech → assemble → master one text with the offline voice; time each stage."""
    from broadcaster.sound.master import assemble, master, render_pcm_file
    from broadcaster.sound.voices.espeak import EspeakEngine

    engine = EspeakEngine(settings.espeak_voice, settings.espeak_rate, settings.espeak_pitch)
    speech_time = [0.0]

    def speak(sentence: str) -> Speech:
        started = time.perf_counter()
        try:
            return engine.synthesise(sentence)
        finally:
            speech_time[0] += time.perf_counter() - started

    started = time.perf_counter()
    spoken = Normaliser(settings.reading)(text)
    normalised = time.perf_counter()
    with render_pcm_file(dest.parent) as pcm:
        rate, seconds = assemble(spoken, speak, settings, pcm)
        pcm.flush()
        assembled = time.perf_counter()
        master(Path(pcm.name), rate, dest, settings, {"title": "bench"})
    mastered = time.perf_counter()
    return {
        "normalise": normalised - started,
        "speech": speech_time[0],
        "assemble": assembled - normalised - speech_time[0],
        "master": mastered - assembled,
        "seconds": audio.mp3_duration(dest),
    }


def _bare(text: str, settings: Settings, dest: Path) -> float:
    """The floor: synthesise the raw text in one call at the voice's rate, encode it once to
    MP3 at the output rate (ffmpeg resamples), nothing else."""
    import numpy as np

    from broadcaster.sound.voices.espeak import EspeakEngine

    started = time.perf_counter()
    speech = EspeakEngine(
        settings.espeak_voice, settings.espeak_rate, settings.espeak_pitch
    ).synthesise(text)
    writer = audio.Mp3Writer(
        dest,
        speech.sample_rate,
        out_rate=settings.sample_rate,
        bitrate=settings.mp3_bitrate,
        tags={},
    )
    samples = np.frombuffer(speech.pcm, dtype="<i2").astype("<f4") / np.float32(32768)
    writer.write(samples.tobytes())
    writer.close()
    return time.perf_counter() - started


@contextmanager
def _one_core() -> Iterator[None]:
    """Run the block (and the ffmpeg it starts) on one CPU, where the OS allows pinning."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def bench_render(texts: dict[str, str]) -> list[RenderFigures]:
    """Cold renders of each text on one core with a bare synthesis + encode to compare with,
    then cached renders."""
    import tracemalloc

    from broadcaster.intake.parse import parse_script
    from broadcaster.sound.render import make_engines, render_script
    from broadcaster.services.context import Context
    from broadcaster.services.scripts import add_scripts
    from broadcaster.services.station import initialise, open_station

    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "schedules").mkdir()
        (folder / "schedules" / "t.toml").write_text(
            '[[slot]]\nname = "A"\nstart = "06:00"\nminutes = 30\n'
        )
        settings = load_settings(folder, environ={}, overrides={"engine": "espeak"})
        initialise(settings, "bench-password", utc_now())
        station = open_station(settings)
        for label, text in texts.items():
            with _one_core():
                stages = render_offline(text, settings, folder / f"{label}.mp3")
                bare = _bare(text, settings, folder / f"{label}-bare.mp3")
            # Memory from a second run: tracemalloc slows Python code several times over, so
            # it must not run while the cold render is timed.
            tracemalloc.start()
            render_offline(text, settings, folder / f"{label}-memory.mp3")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            with station.sessions() as session:
                item = parse_script(text.encode(), f"{label}.txt", topic="a")
                (script,) = add_scripts(Context(settings, session), [item], "bench")
                engines = make_engines("espeak", settings)
                render_script(session, script, engines, settings, utc_now())  # fills the cache
                started = time.perf_counter()
                result = render_script(session, script, engines, settings, utc_now())
                cached = time.perf_counter() - started
                session.commit()
            assert result.cached
            figures.append(
                RenderFigures(
                    label,
                    len(text),
                    stages["seconds"],
                    stages["normalise"],
                    stages["speech"],
                    stages["assemble"],
                    stages["master"],
                    bare,
                    cached,
                    peak / 1e6,
                )  # fmt: skip
            )
        station.engine.dispose()
    return figures


def _week_worker(job: tuple[str, str, str]) -> float:
    text, base, dest = job
    settings = load_settings(Path(base), environ={}, overrides={"engine": "espeak"})
    return render_offline(text, settings, Path(dest))["seconds"]


def bench_week(texts: list[str], workers: int) -> tuple[float, float]:
    """Render every text cold with `workers` processes; return (wall seconds, audio seconds)."""
    from concurrent.futures import ProcessPoolExecutor

    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(text, tmp, str(Path(tmp) / f"{n}.mp3")) for n, text in enumerate(texts)]
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            seconds = sum(pool.map(_week_worker, jobs))
        return time.perf_counter() - started, seconds


@dataclass(frozen=True)
class MemoryFigures:
    """Peak memory of one long bulletin rendered in a fresh process."""

    audio_seconds: float
    seconds: float
    peak_mb: float  # the process and its children together (Pss), sampled every 10 ms
    process_mb: float  # the process alone (Pss), sampled at the same moments


def _rss_kb(pid: str) -> int:
    """Proportional resident memory of one process in kB (0 if it has gone).

    Pss splits shared pages between the processes sharing them: a child just forked (before
    ffmpeg replaces it) would otherwise count all of its parent's memory a second time.
    """
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    line = next((x for x in rollup.splitlines() if x.startswith("Pss:")), "Pss: 0 kB")
    return int(line.split()[1])


def _family_rss_kb() -> tuple[int, int]:
    """Resident memory of this process, and of it plus its child processes, in kB (Linux)."""
    own = total = _rss_kb("self")
    for task in Path("/proc/self/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        total += sum(_rss_kb(child) for child in children)
    return own, total


def _memory_worker(job: tuple[str, str]) -> MemoryFigures:
    text, base = job
    settings = load_settings(Path(base), environ={}, overrides={"engine": "espeak"})
    peak = [0, 0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.01):
            own, total = _family_rss_kb()
            peak[0], peak[1] = max(peak[0], own), max(peak[1], total)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    try:
        seconds = render_offline(text, settings, Path(base) / "long.mp3")["seconds"]
    finally:
        done.set()
        watcher.join()
    elapsed = time.perf_counter() - started
    # Not ru_maxrss: a child started by fork counts the memory of the parent it was forked from.
    return MemoryFigures(seconds, elapsed, peak[1] / 1024, peak[0] / 1024)


def bench_memory(text: str) -> MemoryFigures:
    """Render `text` in a newly started process; report its peak memory with its children's."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with tempfile.TemporaryDirectory() as tmp:
        context = multiprocessing.get_context("spawn")  # a clean process: nothing inherited
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(_memory_worker, (text, tmp)).result()
