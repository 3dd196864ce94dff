"""How closely real agents on one machine start the same entry (on demand, not in the suite).

    .venv/bin/python tests/benchmarks/agent_spread.py [AGENTS] [ROUNDS]

Starts Mosquitto, the test station and AGENTS (default 5) real `broadcaster agent` processes
with file outputs; each round sends every agent a programme with one entry starting 3 s
later and reads the `started_at` each agent reports. The spread of a round is the latest
start minus the earliest; prints p50, p99 and max over ROUNDS (default 20). Target: 20 ms p99
(neighbouring clusters must not echo). On one machine the agents share a clock; in the field
the spread adds the boards' NTP offsets, which each heartbeat reports (`at`).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.agent_station import (  # noqa: E402
    Agent,
    AudioServer,
    Station,
    agents,
    entry,
    now,
    programme,
    tone_mp3,
)
from tests.broker import Broker  # noqa: E402
from tests.helpers import wait_for  # noqa: E402


def main(count: int, rounds: int) -> None:
    spreads: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        broker = Broker(base / "broker")
        broker.start()
        try:
            with AudioServer() as server, Station(broker) as hub:
                audio = tone_mp3(base, 440)
                path = server.add(audio)
                names = [f"spread-{i}" for i in range(count)]
                made = [Agent(base / name, broker, server, name, f"file:{base / name / 'out'}")
                        for name in names]  # fmt: skip
                with agents(*made):
                    begun = now()
                    for agent in made:
                        (agent.folder / "out").mkdir()
                        agent.start()
                    for name in names:
                        hub.wait_online(name, begun)
                    for round_ in range(1, rounds + 1):
                        key = f"e-{round_}"
                        start = now() + timedelta(seconds=3)
                        for name in names:
                            hub.send(programme(name, round_, entry(key, audio, path, start)))

                        def starts(key: str = key) -> list[datetime]:
                            return [r.started_at for r in list(hub.reports)
                                    if r.entry == key and r.kind == "started" and r.started_at]  # fmt: skip

                        wait_for(lambda: len(starts()) == count, f"every agent starting {key}")
                        found = starts()
                        spreads.append((max(found) - min(found)).total_seconds() * 1000)
                        late = (min(found) - start).total_seconds() * 1000
                        print(f"round {round_}: spread {spreads[-1]:.1f} ms, first start "
                              f"{late:.1f} ms after the planned time")  # fmt: skip
                    for agent in made:
                        agent.stop()
        finally:
            broker.kill()
    ordered = sorted(spreads)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(f"{count} agents, {rounds} rounds: start spread p50 {statistics.median(ordered):.1f} ms,"
          f" p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms (target p99 <= 20 ms)")  # fmt: skip


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 5, int(sys.argv[2]) if len(sys.argv) > 2 else 20
    )
