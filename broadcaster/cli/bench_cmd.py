"""`broadcaster bench …`: speed on this machine, printed as figures (nothing is changed)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from broadcaster.cli.base import Group, existing_file, settings_of
from broadcaster.services import reading

# CPU hogs beside a timing bench, as on a busy town PC.
HOGS = click.option(
    "--hogs", type=click.IntRange(0, 16), default=0, show_default=True,
    help="CPU hogs to run beside it (a busy town PC: 2).",
)  # fmt: skip


@click.group(cls=Group)
def bench() -> None:
    """Measure speed on this machine (prints figures; nothing is changed)."""
    logging.getLogger("broadcaster").setLevel(logging.WARNING)  # figures, not a log per airing


@bench.command("normalise")
@click.option(
    "--file",
    "path",
    type=click.Path(path_type=Path),
    default="tests/data/ke-hoach-tuyen-truyen-cchc-2024.txt",
    show_default=True,
    help="Text to normalise (default: the town's 2024 plan from the repository).",
)
@click.option("--repeat", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.pass_context
def bench_normalise_command(ctx: click.Context, path: Path, repeat: int) -> None:
    """Normalise a text REPEAT times on one core; print characters and megabytes per second."""
    from broadcaster.bench.pipeline import bench_normalise

    text = existing_file(path).read_text(encoding="utf-8")
    figures = bench_normalise(text, repeat, reading.normaliser(settings_of(ctx)))
    utf8 = len(text.encode("utf-8"))
    click.echo(f"text: {path} ({figures.characters} characters, {utf8} bytes UTF-8)")
    click.echo(
        f"runs: {repeat}, total {figures.seconds:.3f} s, {figures.seconds / repeat * 1000:.2f} ms per run"
    )
    click.echo(
        f"throughput: {figures.chars_per_second:,.0f} characters/s = {utf8 * repeat / figures.seconds / 1e6:.2f} MB/s (UTF-8)"
    )
    click.echo(f"target 1 MB/s: {'met' if utf8 * repeat / figures.seconds >= 1e6 else 'NOT met'}")


@bench.command("punctuality")
@click.option("--count", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option(
    "--interval",
    type=click.FloatRange(1.0, 60.0),
    default=1.0,
    show_default=True,
    help="Seconds between slots.",
)
@HOGS
@click.option(
    "--nice", type=click.IntRange(-20, 19), default=None,
    help="Run the daemon at this niceness (the systemd unit runs it at -10; below 0 needs root); "
    "without it, at the niceness it was started with.",
)  # fmt: skip
@click.option(
    "--soundcard", is_flag=True,
    help="Air through the sound card's code on miniaudio's null device (warmed ahead like a "
    "real card) and measure to its first samples.",
)  # fmt: skip
def bench_punctuality_command(
    count: int, interval: float, hogs: int, nice: int | None, soundcard: bool
) -> None:
    """Air COUNT one-bulletin slots INTERVAL s apart on the real daemon; print lateness."""
    import os
    import subprocess

    from broadcaster.bench.scheduling import bench_punctuality

    if nice is None:
        nice = os.getpriority(os.PRIO_PROCESS, 0)
    click.echo(
        f"Scheduling {count} airings {interval:g} s apart, {hogs} CPU hog(s), niceness {nice}; "
        f"this takes about {count * interval + 25:.0f} s."
    )
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except PermissionError as exc:
        raise click.ClickException(f"Niceness {nice} needs root: {exc.strerror}.") from exc
    hogging = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(hogs)]
    try:
        figures = bench_punctuality(count, interval, soundcard=soundcard)
    finally:
        for hog in hogging:
            hog.kill()
            hog.wait()
    click.echo(f"aired: {figures.aired}/{figures.count}")
    click.echo(
        f"start lateness (row started): p50 {figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms, max {figures.max_ms:.1f} ms"
    )
    click.echo(
        f"start lateness (output handed the audio): p50 {figures.play_p50_ms:.1f} ms, p99 {figures.play_p99_ms:.1f} ms, max {figures.play_max_ms:.1f} ms"
    )
    measured = figures.play_p99_ms
    if soundcard:
        click.echo(
            f"start lateness (the sound card's first samples): p50 {figures.sound_p50_ms:.1f} ms, p99 {figures.sound_p99_ms:.1f} ms, max {figures.sound_max_ms:.1f} ms"
        )
        measured = figures.sound_p99_ms
    target = 20 if hogs == 0 else 50
    verdict = "met" if measured <= target else "NOT met"
    click.echo(
        f"target p99 <= {target} ms ({'idle' if hogs == 0 else 'beside CPU hogs'}): {verdict}"
    )


@bench.command("emergency")
@click.option("--rounds", type=click.IntRange(1, 1000), default=10, show_default=True)
@HOGS
def bench_emergency_command(rounds: int, hogs: int) -> None:
    """Emergencies over air-now bulletins on the real daemon: request commit → stop → start."""
    from broadcaster.bench.emergency import bench_emergency
    from broadcaster.bench.scheduling import _percentile

    click.echo(f"{rounds} emergencies, {hogs} CPU hog(s); this takes about {rounds * 4 + 15} s.")
    figures = bench_emergency(rounds, hogs)
    for name, values in (("commit → stop", figures.stop_ms), ("commit → start", figures.start_ms)):
        click.echo(
            f"{name}: p50 {_percentile(values, 0.5):.0f} ms, max {max(values):.0f} ms "
            f"({len(values)} rounds)"
        )
    worst = max(figures.start_ms)
    click.echo(f"target: the emergency sounds within 1 s: {'met' if worst <= 1000 else 'NOT met'}")


@bench.command("relay")
@click.option("--rounds", type=click.IntRange(1, 100), default=3, show_default=True)
@HOGS
def bench_relay_command(rounds: int, hogs: int) -> None:
    """A relay slot on the real daemon against a real Icecast whose source stops mid-slot:
    start delay, stall detection, fallback delay."""
    from broadcaster.bench.relay import bench_relay
    from broadcaster.bench.scheduling import _percentile

    click.echo(f"{rounds} relay slot(s), {hogs} CPU hog(s); this takes about {rounds * 12 + 10} s.")
    figures = bench_relay(rounds, hogs)
    rows = (
        ("start delay (slot time → first sample at the player)", figures.start_ms, 2000),
        ("stall detection (source stopped → the receiver notices)", figures.stall_ms, 5000),
        ("fallback delay (source stopped → fallback at the player)", figures.fallback_ms, 10000),
    )
    for name, values, target in rows:
        worst = max(values)
        click.echo(
            f"{name}: p50 {_percentile(values, 0.5):.0f} ms, max {worst:.0f} ms; "
            f"target <= {target} ms: {'met' if worst <= target else 'NOT met'}"
        )


@bench.command("render")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default="tests/data/ke-hoach-tuyen-truyen-cchc-2024.txt",
    show_default=True,
    help="Text the bulletins are cut from.",
)
@click.option(
    "--week",
    "week_count",
    type=click.IntRange(1, 100),
    default=14,
    show_default=True,
    help="Bulletins in the week test.",
)
@click.option(
    "--long-minutes",
    type=click.IntRange(0, 120),
    default=0,
    show_default=True,
    help="Also render a bulletin this long in a fresh process and report its peak memory.",
)
def bench_render_command(source: Path, week_count: int, long_minutes: int) -> None:
    """Render a 1,500-character and a 5-minute bulletin offline, cold and cached; then a week on 1 and 2 cores."""

    from broadcaster.bench.pipeline import bench_memory, bench_render, bench_week

    text = existing_file(source).read_text(encoding="utf-8")
    cut = lambda n: text[:n].rsplit(" ", 1)[0]  # noqa: E731
    figures = bench_render({"1500-char": cut(1500), "5-minute": cut(4800)})
    for f in figures:
        click.echo(f"{f.label}: {f.characters} characters -> {f.audio_seconds:.1f} s of audio")
        click.echo(
            f"  cold on one core {f.total_s:.2f} s = {f.realtime_factor:.1f}x real time "
            f"(normalise {f.normalise_s * 1000:.0f} ms, speech {f.speech_s:.2f} s, assemble {f.assemble_s:.2f} s, master {f.master_s:.2f} s)"
        )
        click.echo(
            f"  bare synthesis + resample + MP3 encode on one core {f.bare_s:.2f} s; "
            f"ours / bare = {f.total_s / f.bare_s:.2f}"
        )
        click.echo(
            f"  cached {f.cached_s * 1000:.1f} ms; Python peak memory {f.python_peak_mb:.1f} MB"
        )
    paragraphs = [p.strip() for p in text.split("\n\n") if len(p.strip()) > 40]
    week = [" ".join(paragraphs[i::week_count])[:1500] for i in range(week_count)]
    for workers in (1, 2):
        wall, seconds = bench_week(week, workers)
        click.echo(
            f"week of {week_count} bulletins ({seconds:.0f} s of audio) on {workers} core(s): {wall:.1f} s"
        )
    if long_minutes:
        chars = long_minutes * 60 * 17  # the offline voice reads about 17 characters a second
        long_text = "\n\n".join([text] * (chars // len(text) + 1))[:chars].rsplit(" ", 1)[0]
        memory = bench_memory(long_text)
        click.echo(
            f"long bulletin: {memory.audio_seconds / 60:.1f} min of audio in {memory.seconds:.1f} s; "
            f"peak memory (Pss) with its ffmpeg {memory.peak_mb:.0f} MB "
            f"(the process alone {memory.process_mb:.0f} MB)"
        )


@bench.command("year")
@click.option("--days", type=click.IntRange(1, 3660), default=365, show_default=True)
def bench_year_command(days: int) -> None:
    """Simulate DAYS of a town's two daily slots on the injected clock; print airings/s and checks."""
    from broadcaster.bench.scheduling import bench_year

    figures = bench_year(days)
    click.echo(
        f"slot occurrences: {figures.occurrences}, airings: {figures.airings}, wall time {figures.seconds:.1f} s"
    )
    click.echo(f"throughput: {figures.airings_per_second:.0f} airings/s")
    click.echo(f"doubled: {figures.doubled}, lost: {figures.lost}")


@bench.command("clusters")
@click.option("--agents", type=click.IntRange(1, 20_000), default=5000, show_default=True,
              help="Simulated clusters, each a real MQTT connection.")  # fmt: skip
@click.option("--zones", type=click.IntRange(1, 20_000), default=1, show_default=True,
              help="Zones the clusters are spread over (the emergency targets every zone).")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(5, 3600), default=180.0, show_default=True,
              help="Seconds for connecting, delivering and sealing; then it stops and says what it got.")  # fmt: skip
@click.option("--witness/--no-witness", default=False, show_default=True,
              help="Set a witness command (sh -c 'cat >> file') and count its calls.")  # fmt: skip
@click.option("--window", type=click.IntRange(1, 2000), default=200, show_default=True,
              help="Agents connecting at once.")  # fmt: skip
@click.option("--real", type=click.IntRange(0, 50), default=3, show_default=True,
              help="Then real `broadcaster agent` processes airing the same entries: start spread.")  # fmt: skip
@click.option("--separate-cores", is_flag=True,
              help="Station and broker on half the CPUs, the simulated agents on the rest.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def bench_clusters_command(
    agents: int, zones: int, timeout: float, witness: bool, window: int, real: int,
    separate_cores: bool, as_json: bool,
) -> None:  # fmt: skip
    """An emergency from a real station through a real Mosquitto to AGENTS simulated clusters
    on one event loop, and their confirmations sealed; print delivery, sealing, CPU, memory."""
    from broadcaster.bench.cluster_figures import plain, report_lines
    from broadcaster.bench.cluster_setup import BenchError
    from broadcaster.bench.clusters import bench_clusters

    say = None if as_json else click.echo
    try:
        figures = bench_clusters(
            agents, zones, timeout, witness, window, say=say, real=real,
            separate_cores=separate_cores,
        )  # fmt: skip
    except BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(plain(figures), indent=2))
        return
    for line in report_lines(figures):
        click.echo(line)


@bench.command("report")
@click.option("--airings", default=250_000, show_default=True, type=click.IntRange(1000, 2_000_000))
@click.option("--small", default=50_000, show_default=True, type=click.IntRange(100, 2_000_000),
              help="Rows of the XLSX writer's small run (its peak beside the year's).")  # fmt: skip
@click.option("--postgres", "admin_url", metavar="URL",
              help="Seed a fresh database on this PostgreSQL server (dropped after), not SQLite.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def bench_report_command(airings: int, small: int, admin_url: str | None, as_json: bool) -> None:
    """A year of AIRINGS airings in a scratch station: each output (CSV, XLSX, DOCX, JSON, the
    pack) and each check of the chain in a fresh process, its seconds and peak memory."""
    from dataclasses import asdict

    from broadcaster.bench.report_speed import BenchError, bench_report, lines

    if not as_json:
        click.echo(f"Seeding {airings} airings over 2024 in a scratch station...")
    try:
        figures = bench_report(airings, small, admin_url, None if as_json else click.echo)
    except BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        found = asdict(figures)
        for part, measured in zip(found["parts"], figures.parts, strict=True):
            part["met"], part["target"] = measured.met, measured.target()
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    click.echo("")
    for line in lines(figures):
        click.echo(line)


@bench.command("commands")
@click.option("--runs", default=10, show_default=True, type=click.IntRange(1, 100),
              help="Runs of each command (the median and the slowest are printed).")  # fmt: skip
def bench_commands_command(runs: int) -> None:
    """`--help` and `status` in fresh processes (seconds and peak memory), and the peak memory
    of the web page and of the idle daemon before any render."""
    from broadcaster.bench.commands import BenchError, bench_commands, lines

    try:
        figures = bench_commands(runs, click.echo)
    except BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in lines(figures, runs):
        click.echo(line)
