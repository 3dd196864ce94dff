"""The real `broadcaster agent`'s memory while it plays (on demand, not in the test suite).

    .venv/bin/python tests/benchmarks/agent_rss.py [ENTRIES]

Starts Mosquitto (tests/broker.py), the test station (tests/agent_station.py) and one real
agent with a `command:` output; sends a programme of ENTRIES (default 500) entries over two
days, the first due now and held on air; then prints the agent's resident memory (VmRSS) and
its peak (VmHWM) from /proc while it plays. Target: under 60 MB.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.agent_station import (  # noqa: E402
    Agent,
    AudioServer,
    Station,
    agents,
    entry,
    now,
    player_output,
    plays,
    programme,
    sha,
    tone_mp3,
)
from tests.broker import Broker  # noqa: E402
from tests.helpers import wait_for  # noqa: E402


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        broker = Broker(base / "broker")
        broker.start()
        try:
            with AudioServer() as server, Station(broker) as hub:
                audio = tone_mp3(base, 440, seconds=30.0)
                path = server.add(audio)
                out = base / "aired"
                agent = Agent(base / "agent", broker, server, "bench-1", player_output(out))
                (out / f"hold-{sha(audio)}").touch()
                start = now()
                entries = [entry("e-0", audio, path, start, duration_s=600)] + [
                    entry(f"e-{i}", audio, path, start + timedelta(minutes=5 * i), 30.0)
                    for i in range(1, count)
                ]  # fmt: skip
                with agents(agent):
                    agent.start()
                    hub.send(programme("bench-1", 1, *entries))
                    hub.wait_report("e-0", "started")
                    wait_for(lambda: plays(out) == [sha(audio)], "the bulletin on air")
                    hub.wait_online("bench-1", now())  # a heartbeat or two while playing
                    hub.wait_online("bench-1", now())
                    assert agent.process is not None
                    figures = memory(agent.process.pid)
                    agent.stop()
        finally:
            broker.kill()
    print(f"agent while playing, {count} entries held: RSS {figures['VmRSS']:.1f} MB, "
          f"peak {figures['VmHWM']:.1f} MB (target < 60 MB)")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
