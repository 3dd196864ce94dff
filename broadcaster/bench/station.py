"""The station of `broadcaster bench clusters`, in a process of its own (so its CPU time and
peak memory are its own): a ClusterRelay with its real StationLink, driven over stdin/stdout.

    python -m broadcaster.bench.station FOLDER [serve]
"""

from __future__ import annotations

import select
import sys
import time
from pathlib import Path

READY_WITHIN = 60.0  # seconds to connect to the broker (a deadline, not a measured speed)


def run(folder: Path, serve: bool) -> None:
    """Connect, then obey `go` (send the emergencies), `programme` (send the programmes) and
    `stop` on stdin; say `ready`, `sent N T0 T1`, `programmes N` and `sealed COUNT T`
    (wall-clock seconds) on stdout. With `serve`, also serve audio to the real agents."""
    import logging

    from broadcaster.clock import utc_now
    from broadcaster.clusters.coordinator import ClusterRelay
    from broadcaster.config import load_settings
    from broadcaster.services.station import open_station

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    settings = load_settings(folder, environ={})
    station = open_station(settings)
    relay = ClusterRelay(settings, station.sessions, utc_now)
    relay.start(serve_audio=serve)
    if not relay.link.ready.wait(READY_WITHIN):
        sys.exit("the station did not connect to the broker")
    print("ready", flush=True)
    reported = 0
    try:
        while True:
            readable, _, _ = select.select([sys.stdin], [], [], 0.005)
            if readable:
                word = sys.stdin.readline().strip()
                if word in ("stop", ""):
                    break
                if word == "go":
                    began = time.time()
                    sent = relay.send_emergencies()
                    print(f"sent {sent} {began:.6f} {time.time():.6f}", flush=True)
                elif word == "programme":
                    print(f"programmes {relay.send_programmes()}", flush=True)
            if relay.sealed != reported:
                reported = relay.sealed
                print(f"sealed {reported} {time.time():.6f}", flush=True)
    finally:
        relay.stop()
        station.engine.dispose()


if __name__ == "__main__":
    run(Path(sys.argv[1]), sys.argv[2:3] == ["serve"])
