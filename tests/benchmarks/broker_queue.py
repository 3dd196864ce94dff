"""Two days of reports queued for an absent station (on demand, not in the test suite).

    PYTHONPATH=. .venv/bin/python tests/benchmarks/broker_queue.py [CLUSTERS] [REPORTS_EACH]

A real Mosquitto with the station's generated files (tests/broker.py). The station's
persistent session subscribes to the reports and goes away; CLUSTERS agents publish
REPORTS_EACH wire.Report messages each (QoS 1); the broker is stopped and started again (its
persistence file), then the station comes back. Prints the message size, the broker's memory
before and after queueing, the persistence file, and how many reports the station got back:
all of them while the total is within `max_queued_messages`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from broadcaster.clusters import broker as files
from broadcaster.clusters.wire import Report, encode, topic
from tests.broker import Broker, connect

SESSION = {"client_id": "station", "clean_start": False, "session_expiry": 3 * 86400}


def rss_mb(pid: int) -> float:
    """The process's resident memory in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(cluster: str, n: int) -> bytes:
    """A realistic final report: an aired entry with its audio's hash and times."""
    start = datetime(2026, 3, 11, 10, 0, tzinfo=timezone.utc) + timedelta(minutes=n)
    return encode(
        Report(
            cluster=cluster, entry=f"e-{100000 + n}", kind="aired", sha256="ab" * 32,
            started_at=start, ended_at=start + timedelta(seconds=185),
            reported_at=start + timedelta(seconds=186), from_cache=True, last_contact=start,
        )
    )  # fmt: skip


def main(clusters: int, each: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        broker = Broker(Path(folder) / "broker")
        try:
            broker.start()
            names = [f"cluster-{i:03d}" for i in range(clusters)]
            for name in names:
                broker.add_account(name, "pw")
            broker.reload()
            time.sleep(0.5)  # a benchmark, not a test: let the reload land
            with connect(broker, "station", broker.station_password, **SESSION) as station:
                station.subscribe(f"{broker.prefix}/report/+")
            assert broker.process is not None
            before = rss_mb(broker.process.pid)
            size = len(report(names[0], 0))
            started = time.monotonic()
            for name in names:
                with connect(broker, name, "pw") as agent:
                    for n in range(each):
                        agent.publish(topic("report", name), report(name, n))
            queued = time.monotonic() - started
            after = rss_mb(broker.process.pid)
            broker.stop()
            db = broker.folder / files.PERSISTENCE_DIR / "mosquitto.db"
            started = time.monotonic()
            broker.start()
            restart = time.monotonic() - started
            got = 0
            with connect(broker, "station", broker.station_password, **SESSION) as station:
                try:
                    while True:
                        station.receive(timeout=5)
                        got += 1
                except TimeoutError:
                    pass
            total = clusters * each
            print(f"report message: {size} bytes; {total} reports from {clusters} clusters")
            print(f"queueing took {queued:.1f} s ({total / queued:.0f} reports/s, QoS 1)")
            print(f"broker memory: {before:.1f} MB idle, {after:.1f} MB with the queue")
            print(f"persistence file: {db.stat().st_size / 1e6:.1f} MB; restart {restart:.2f} s")
            print(f"station received {got} of {total} after the restart")
        finally:
            broker.kill()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [50, 2000][len(args) :]))
