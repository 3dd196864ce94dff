"""`broadcaster bench report`: a province's year of airings in a scratch station, and what each
part of the Office's report costs: seconds and peak memory, each part in a fresh process (so
its peak is its own), against the targets of issue 25.

The Office's files are made by the real command line (`broadcaster report … -o FILE`), as a
clerk's download or a cron job makes them; the chain's checks and the summary by the services
in a child of their own. Nothing here asserts a speed: it prints figures.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time as clock
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

OUTPUTS = ("csv", "xlsx", "docx", "json", "pack")
PEAK_TARGET_MB = 250
SECONDS_TARGET = {"summary": 2.0, "xlsx": 40.0, "docx": 3.0}
YEAR = ("2024-01-01", "2024-12-31")
SETTINGS = 'engine = "espeak"\ntown = "xã Thử Tốc Độ"\nprovince = "tỉnh Thử Tốc Độ"\n'
_SELF = "broadcaster.bench.report_speed"


class BenchError(Exception):
    """A child of the benchmark failed; the message holds what it printed."""


@dataclass(frozen=True)
class Part:
    """One measured part: seconds of the fresh process (or of the work inside it), its peak
    resident memory, the targets it has (None: none), and the chain links it walked."""

    name: str
    what: str
    seconds: float
    peak_mb: int
    seconds_target: float | None = None
    peak_target_mb: int | None = None
    walked: int | None = None
    rows: int | None = None  # evidence rows written

    @property
    def met(self) -> bool | None:
        """Whether every target of the part was met (None: it has none)."""
        if self.seconds_target is None and self.peak_target_mb is None:
            return None
        fast = self.seconds_target is None or self.seconds <= self.seconds_target
        small = self.peak_target_mb is None or self.peak_mb <= self.peak_target_mb
        return fast and small

    def target(self) -> str:
        """The targets in words ('—' for none)."""
        said = []
        if self.seconds_target is not None:
            said.append(f"≤ {self.seconds_target:g} s")
        if self.peak_target_mb is not None:
            said.append(f"≤ {self.peak_target_mb} MB")
        return ", ".join(said) or "—"


@dataclass(frozen=True)
class ReportBench:
    """What `bench report` measured, and the machine's load average before and after."""

    airings: int
    backend: str
    seed_s: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    parts: list[Part] = field(default_factory=list)


def lines(figures: ReportBench) -> list[str]:
    """The figures as the command prints them: one line per part with its target and result."""
    load = "load average {:.2f} {:.2f} {:.2f}"
    out = [
        f"seeded {figures.airings} airings over 2024 on {figures.backend} in "
        f"{figures.seed_s:.1f} s; {load.format(*figures.load_before)} before, "
        f"{load.format(*figures.load_after)} after",
        f"{'part':<66} {'seconds':>8} {'peak MB':>8}  {'target':<18} met",
    ]
    for part in figures.parts:
        met = {None: "—", True: "met", False: "NOT met"}[part.met]
        rows = "" if part.rows is None else f", {part.rows} rows"
        walked = "" if part.walked is None else f" (walked {part.walked} links)"
        out.append(
            f"{part.what + rows + walked:<66} {part.seconds:>8.2f} {part.peak_mb:>8}  "
            f"{part.target():<18} {met}"
        )
    return out


def peak_mb() -> int:
    """This process's peak resident memory in MB: VmHWM, the high-water mark of its own memory
    since it started its program. (Not ru_maxrss: on Linux a child's keeps the peak of the
    process it was forked from, so every child of a big parent seemed as big as the parent.)"""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    raise BenchError("no VmHWM in /proc/self/status")


def _run(args: list[str], cwd: Path) -> tuple[float, int, str]:
    """Run this module with `args` in a fresh process; its wall seconds, its peak resident
    memory in MB (the last line it prints), and what it printed before."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as said:
        started = clock.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", _SELF, *args], cwd=cwd, env=env, stdout=said,
            stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
        seconds = clock.perf_counter() - started
        said.seek(0)
        text = said.read()
    if done.returncode != 0:
        raise BenchError(f"{' '.join(args)} failed ({done.returncode}): {text[-2000:]}")
    printed, _, last = text.rstrip("\n").rpartition("\n")
    return seconds, int(last.removeprefix("peak ")), printed


_WALKED = (
    (re.compile(r"in full now: links 1 to (\d+)"), lambda m: int(m[1])),
    (re.compile(r"links (\d+) to (\d+) verified now"), lambda m: int(m[2]) - int(m[1]) + 1),
    (re.compile(r"nothing added since"), lambda m: 0),
)


_WROTE = re.compile(r"Wrote (\d+) airing")


def walked_links(said: str) -> int | None:
    """The chain links a report's sentence says it walked (None: it does not say)."""
    for pattern, count in _WALKED:
        found = pattern.search(said)
        if found:
            return count(found)
    return None


def cli_report(folder: Path, fmt: str, name: str | None = None, what: str = "") -> Part:
    """`broadcaster report` of the year 2024 in `fmt` (or `--pack`) in a fresh process."""
    chosen = ["--pack"] if fmt == "pack" else ["--format", fmt]
    dest = folder / f"out-{name or fmt}.{'zip' if fmt == 'pack' else fmt}"
    command = ["cli", "report", "--from", YEAR[0], "--to", YEAR[1], *chosen, "-o", str(dest)]
    seconds, peak, said = _run(command, folder)
    wrote = _WROTE.search(said)
    return Part(
        name or fmt, what or f"{fmt} of the year", seconds, peak, SECONDS_TARGET.get(fmt),
        PEAK_TARGET_MB, walked_links(said), int(wrote[1]) if wrote else None,
    )  # fmt: skip


def service_part(folder: Path, action: str, what: str, rows: int = 0) -> Part:
    """One service call (`measure`) in a fresh process: the seconds of the work inside it
    (the writer alone is a diagnostic beside the command line's XLSX: no target)."""
    _, peak, said = _run(["part", str(folder), action, str(rows)], folder)
    seconds, walked = said.split()[-2:]
    target = SECONDS_TARGET.get(action) if action != "xlsx" else None
    name = "xlsx-writer" if action == "xlsx" else action
    return Part(
        name, what, float(seconds), peak, target, None, None if walked == "-" else int(walked)
    )


@contextmanager
def scratch_database(admin_url: str | None) -> Iterator[str | None]:
    """None (a SQLite file in the scratch folder), or the URL of a fresh PostgreSQL database
    made on the server of `admin_url` and dropped afterwards."""
    if admin_url is None:
        yield None
        return
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    name = f"broadcaster_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_year(folder: Path, airings: int, database_url: str | None) -> tuple[int, float]:
    """A scratch station in `folder` with `airings` airings over 2024 (five scripts, one per
    plan topic); the number seeded and the seconds it took."""
    from sqlalchemy import select

    from broadcaster.bench.report import seed_airings
    from broadcaster.bench.scratch import scratch_station
    from broadcaster.enums import Topic
    from broadcaster.store.db import Script

    url = f"database_url = {database_url!r}\n" if database_url else ""
    (folder / "broadcaster.toml").write_text(SETTINGS + url, encoding="utf-8")
    slots_toml = '[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = 30\n'
    station = scratch_station(folder, slots_toml, 5)
    settings = station.settings
    with station.sessions() as session:
        for n, script in enumerate(session.scalars(select(Script)).all()):
            script.topic = list(Topic)[n % 5]
        session.commit()
        started = clock.perf_counter()
        per_day = -(-airings // 366)
        seed_airings(session, date(2024, 1, 1), 366, per_day, settings.tz,
                     settings.var_path / "ledger")  # fmt: skip
        seeded = clock.perf_counter() - started
    station.engine.dispose()
    return per_day * 366, seeded


def bench_report(
    airings: int = 250_000, small: int = 50_000, database_url: str | None = None,
    say: Callable[[str], object] | None = None,
) -> ReportBench:  # fmt: skip
    """A scratch station with `airings` airings over 2024 (on a fresh PostgreSQL database of
    the server `database_url` names, else SQLite), then each part of the report measured."""
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, scratch_database(database_url) as url:
        folder = Path(tmp)
        seeded, seed_s = seed_year(folder, airings, url)
        figures = ReportBench(seeded, "postgresql" if url else "sqlite", seed_s, load)
        for part in _parts(folder, small):
            figures.parts.append(part())
            if say is not None:
                say(lines(figures)[-1])
    return ReportBench(
        figures.airings, figures.backend, figures.seed_s, load, os.getloadavg(), figures.parts
    )


def _parts(folder: Path, small: int) -> list[Callable[[], Part]]:
    """The parts in the order they run (the first makes the checkpoint the others start from)."""
    return [
        lambda: service_part(folder, "verify-full", "verify the whole chain"),
        lambda: service_part(folder, "verify-since", "verify since the checkpoint, nothing new"),
        lambda: service_part(folder, "summary", "summary of the year (counted by the database)"),
        lambda: service_part(folder, "xlsx", f"xlsx writer alone, {small} rows at most", small),
        *(lambda fmt=fmt: cli_report(folder, fmt) for fmt in OUTPUTS),
        lambda: _without_checkpoint(folder),
        lambda: cli_report(folder, "csv", "first", "csv, then the first report"),
        lambda: cli_report(folder, "csv", "second", "csv, the next report"),
    ]  # fmt: skip


def _without_checkpoint(folder: Path) -> Part:
    """A chain without a verified checkpoint (an upgrade, a restore): the daemon makes it
    once at its start, in the background, before any report."""
    (folder / "var" / "verified-head.json").unlink()
    return service_part(folder, "make-checkpoint", "no checkpoint: the daemon's start makes it")


def measure(folder: Path, action: str, rows: int) -> tuple[float, int | None]:
    """One part of the report over 2024 in the station at `folder`: its seconds, and the chain
    links it walked (None for a part that walks none)."""
    from itertools import islice

    from broadcaster.clock import utc_now
    from broadcaster.config import load_settings
    from broadcaster.programme.periods import Period
    from broadcaster.services import reports
    from broadcaster.services.context import Context
    from broadcaster.services.station import open_station

    settings = load_settings(folder, environ={})
    station = open_station(settings)
    days = Period(date(2024, 1, 1), date(2024, 12, 31))
    now = utc_now()
    with station.sessions() as session:
        ctx = Context(settings, session, lambda: now)
        started = clock.perf_counter()
        walked = None
        if action in ("verify-full", "verify-since"):
            checked = reports.check_log(ctx, full=action == "verify-full")
            walked = checked.last - checked.first + 1 if checked.last else 0
        elif action == "make-checkpoint":
            made = reports.make_checkpoint(ctx)
            walked = made.last if made is not None else 0
        elif action == "summary":
            reports.report_summary(ctx, days)
        elif action == "xlsx":
            from broadcaster.reports import xlsx_file

            summary = reports.report_summary(ctx, days)
            rows_of = islice(reports._records(ctx, days), rows)
            xlsx_file.write_xlsx(folder / "small.xlsx", summary, rows_of, "Bench", "—")
        return clock.perf_counter() - started, walked


def _child(args: list[str]) -> None:
    """A child's work: `cli ARGS…` (the command line) or `part FOLDER ACTION ROWS`; then its
    peak memory as the last line."""
    if args[0] == "cli":
        from broadcaster.entry import main

        sys.argv = ["broadcaster", *args[1:]]
        try:
            main()
        except SystemExit as done:
            if done.code not in (0, None):
                raise
    else:
        took, links = measure(Path(args[1]), args[2], int(args[3]))
        print(f"{took:.3f} {'-' if links is None else links}")
    print(f"peak {peak_mb()}", flush=True)


if __name__ == "__main__":
    _child(sys.argv[1:])
