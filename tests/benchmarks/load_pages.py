"""Load test of the web page at a province's size (on demand, not in the test suite).

    .venv/bin/python tests/benchmarks/load_pages.py [SECONDS] [USERS] [FOLDER] [--postgres URL]

Builds a scratch station with 5,000 scripts and 250,000 sealed airings over 2024 (on SQLite,
or with `--postgres URL` on a fresh database made on that server, vacuumed and analysed as
autovacuum would leave it, and dropped after), starts the real server (`broadcaster serve`,
waitress) in its own process, and lets USERS simulated staff (default 20) each log in and open
pages for SECONDS (default 120), waiting 1–5 s between requests, as people do. Prints the machine's load average at the start and the end and, per
page, the number of requests, the median, 95th percentile and slowest answer in milliseconds,
and whether the target is met. The target (issues 14 and 25): p95 ≤ 100 ms on every page; the
report page's first computation is printed apart (it is then cached). With FOLDER (SQLite
only), the station is built there once and reused by later runs.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import requests
from sqlalchemy import select, text

from broadcaster.bench.report import seed_airings
from broadcaster.bench.report_speed import scratch_database
from broadcaster.bench.scratch import scratch_station
from broadcaster.clock import utc_now
from broadcaster.enums import Topic
from broadcaster.intake.parse import parse_script
from broadcaster.services.context import Context
from broadcaster.services.scripts import add_scripts
from broadcaster.store.db import Script

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "bench-password"
SCRIPTS, AIRINGS = 5_000, 250_000
P95_TARGET_MS = 100
PAGES = {
    "script list": "/",
    "search": "/?q=thu tuc hanh chinh",
    "filter": "/?status=approved&topic=a",
    "script": "/scripts/{script}",
    "week grid": "/programme/?week=2024-W11",
    "log, first page": "/log/?from=2024-01-01&to=2024-12-31",
    "log, page 600": "/log/?from=2024-01-01&to=2024-12-31&page=600",
    "log, missed": "/log/?from=2024-01-01&to=2024-12-31&outcome=missed",
    "status": "/status/",
    "report": "/log/report?period=2024",
    "users": "/users/",
}


def build(folder: Path, database_url: str | None = None) -> None:
    """The scratch station (on the database of `database_url`, else a SQLite file in
    `folder`): scripts with real Vietnamese words, then a year of airings."""
    started = time.perf_counter()
    if database_url:
        (folder / "broadcaster.toml").write_text(f"database_url = {database_url!r}\n", "utf-8")
    station = scratch_station(folder, '[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = 30\n', 5)
    bodies = [p.read_text(encoding="utf-8") for p in sorted((REPO / "scripts_vi").glob("*.md"))]
    now = utc_now()
    with station.sessions() as session:
        ctx = Context(station.settings, session, lambda: now)
        items = [
            parse_script(
                bodies[n % len(bodies)].encode(),
                f"ban-tin-{n}.md",
                topic=list(Topic)[n % 5].value,
                title=f"Bản tin số {n} về thủ tục hành chính",
            )  # fmt: skip
            for n in range(SCRIPTS - 5)
        ]
        add_scripts(ctx, items, "vhxh")
        seed_airings(session, date(2024, 1, 1), 366, -(-AIRINGS // 366), station.settings.tz,
                     station.settings.var_path / "ledger")  # fmt: skip
        count = len(session.scalars(select(Script.id)).all())
    if database_url:  # as autovacuum leaves a station that runs: not mid-way during the crowd
        with station.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    station.engine.dispose()
    print(f"built {count} scripts and ~{AIRINGS} airings in {time.perf_counter() - started:.0f} s")


def user(
    base: str,
    seconds: float,
    seed: int,
    times: dict[str, list[float]],
    lock: threading.Lock,
    everyone_in: threading.Barrier,
) -> None:
    """One member of staff: log in, then (once everyone has) open pages with 1–5 s between
    them. The logins are not timed: a password check is slow on purpose (argon2)."""
    rng = random.Random(seed)
    http = login(base)
    everyone_in.wait()
    time.sleep(rng.uniform(0, 3))  # people do not all click in the same second
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        name = rng.choice(list(PAGES))
        path = PAGES[name].format(script=rng.randint(1, SCRIPTS))
        started = time.perf_counter()
        answer = http.get(base + path)
        took = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            print(f"{path}: {answer.status_code}", file=sys.stderr)
        with lock:
            times[name].append(took)
        time.sleep(rng.uniform(1, 5))


def login(base: str) -> requests.Session:
    """A browser session logged in as the admin."""
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(base + "/login").text)
    assert token
    http.post(base + "/login", data={"name": "admin", "password": PASSWORD,
                                     "csrf_token": token.group(1)})  # fmt: skip
    return http


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """`broadcaster serve` of the station in `folder`, in its own process; its address once it
    answers. Stopped on the way out."""
    port = 18_000 + random.randrange(1000)
    server = subprocess.Popen(
        [sys.executable, "-m", "broadcaster.cli", "serve", "--port", str(port)], cwd=folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def crowd(base: str, seconds: float, users: int) -> dict[str, list[float]]:
    """`users` people opening pages for `seconds`: the milliseconds of each answer, by page."""
    times: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    everyone_in = threading.Barrier(users)
    people = [
        threading.Thread(target=user, args=(base, seconds, n, times, lock, everyone_in))
        for n in range(users)
    ]
    for person in people:
        person.start()
    for person in people:
        person.join()
    return times


def figures(times: dict[str, list[float]]) -> list[str]:
    """One line per page: requests, median, p95, slowest, the target and whether it is met."""
    out = [f"{'page':<18} {'requests':>8} {'median':>8} {'p95':>8} {'max':>8}  (ms)  target"]
    for name in PAGES:
        found = sorted(times[name])
        if not found:
            continue
        p95 = found[min(len(found) - 1, int(len(found) * 0.95))]
        met = "met" if p95 <= P95_TARGET_MS else "NOT met"
        out.append(f"{name:<18} {len(found):>8} {statistics.median(found):>8.0f} {p95:>8.1f} "
                   f"{found[-1]:>8.0f}        p95 ≤ {P95_TARGET_MS} ms: {met}")  # fmt: skip
    return out


def load() -> str:
    """The machine's load average (1, 5 and 15 minutes)."""
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main(seconds: float, users: int, kept: Path | None, admin_url: str | None) -> None:
    """Build (or reuse) the station, serve it, and let the crowd in; print the figures."""
    print(f"start: {load()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp, scratch_database(admin_url) as url:
        folder = Path(tmp) if url or kept is None else kept
        if not (folder / "var").exists():
            folder.mkdir(parents=True, exist_ok=True)
            build(folder, url)
        with served(folder) as base:
            started = time.perf_counter()
            login(base).get(base + PAGES["report"])
            took = (time.perf_counter() - started) * 1000
            print(f"report page, first computation: {took:.0f} ms", flush=True)
            times = crowd(base, seconds, users)
    backend = "PostgreSQL" if url else "SQLite"
    print(f"{users} users for {seconds:.0f} s on {backend}, 1–5 s between requests")
    print("\n".join(figures(times)))
    print(f"end: {load()}")


def arguments() -> argparse.Namespace:
    """The command line: [SECONDS] [USERS] [FOLDER] [--postgres URL]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seconds", nargs="?", type=float, default=120)
    parser.add_argument("users", nargs="?", type=int, default=20)
    parser.add_argument("folder", nargs="?", type=Path, help="keep the SQLite station here")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server's admin URL")
    return parser.parse_args()


if __name__ == "__main__":
    given = arguments()
    main(given.seconds, given.users, given.folder, given.postgres)
