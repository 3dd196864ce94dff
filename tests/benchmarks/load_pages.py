"""Load test of the web page at a province's size (on demand, not in the test suite).

    .venv/bin/python tests/benchmarks/load_pages.py [SECONDS] [USERS] [FOLDER]

Builds a scratch station on SQLite with 5,000 scripts and 250,000 sealed airings over 2024,
starts the real server (`broadcaster serve`, waitress) in its own process, and lets USERS
simulated staff (default 20) each log in and open pages for SECONDS (default 120), waiting
1–5 s between requests, as people do. Prints, per page, the number of requests and the
median, 95th percentile and slowest answer in milliseconds. The target (issue 14): p95 ≤ 100 ms
on every page; the report page's first computation is printed apart (it is then cached).
With FOLDER, the station is built there once and reused by later runs.
"""

from __future__ import annotations

import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import requests
from sqlalchemy import select

from broadcaster.bench.report import seed_airings
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


def build(folder: Path) -> None:
    """The scratch station: scripts with real Vietnamese words, then a year of airings."""
    started = time.perf_counter()
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
    http = requests.Session()
    form = http.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, form
    http.post(f"{base}/login", data={"name": "admin", "password": PASSWORD,
                                     "csrf_token": token.group(1)})  # fmt: skip
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


def main(seconds: float, users: int, kept: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = kept or Path(tmp)
        if not (folder / "var").exists():
            folder.mkdir(parents=True, exist_ok=True)
            build(folder)
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
            warm = requests.Session()
            token = re.search(r'name="csrf_token" value="([^"]+)"', warm.get(base + "/login").text)
            assert token
            warm.post(base + "/login", data={"name": "admin", "password": PASSWORD,
                                             "csrf_token": token.group(1)})  # fmt: skip
            started = time.perf_counter()
            warm.get(base + PAGES["report"])
            print(
                f"report page, first computation: {(time.perf_counter() - started) * 1000:.0f} ms"
            )
            times: dict[str, list[float]] = defaultdict(list)
            lock = threading.Lock()
            everyone_in = threading.Barrier(users)
            crowd = [
                threading.Thread(target=user, args=(base, seconds, n, times, lock, everyone_in))
                for n in range(users)
            ]
            for person in crowd:
                person.start()
            for person in crowd:
                person.join()
        finally:
            server.terminate()
            server.wait(10)
    print(f"{users} users for {seconds:.0f} s, 1–5 s between requests")
    print(f"{'page':<18} {'requests':>8} {'median':>8} {'p95':>8} {'max':>8}  (ms)")
    for name in PAGES:
        found = sorted(times[name])
        if not found:
            continue
        p95 = found[min(len(found) - 1, int(len(found) * 0.95))]
        print(f"{name:<18} {len(found):>8} {statistics.median(found):>8.0f} {p95:>8.0f} "
              f"{found[-1]:>8.0f}")  # fmt: skip


if __name__ == "__main__":
    main(
        float(sys.argv[1]) if len(sys.argv) > 1 else 120,
        int(sys.argv[2]) if len(sys.argv) > 2 else 20,
        Path(sys.argv[3]) if len(sys.argv) > 3 else None,
    )
