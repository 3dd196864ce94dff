"""`broadcaster bench normalise`, `render`, `week` and `memory`: the path from a script to its
MP3, stage by stage, on one core, in parallel and in a fresh process."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from broadcaster.clock import utc_now
from broadcaster.config import Settings, load_settings
from broadcaster.sound import audio
from broadcaster.sound.voices import Speech
from broadcaster.spoken import Normaliser


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
    from broadcaster.sound.assembly import assemble, render_pcm_file
    from broadcaster.sound.master import master
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
    from broadcaster.services.context import Context
    from broadcaster.services.scripts import add_scripts
    from broadcaster.services.station import initialise, open_station
    from broadcaster.sound.render import make_engines, render_script

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
