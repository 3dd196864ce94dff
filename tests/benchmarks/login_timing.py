"""How long a login takes for a known and an unknown name (on demand, not in the test suite).

    .venv/bin/python tests/benchmarks/login_timing.py [ROUNDS]

Prints the median and spread of `services.accounts.login` with a wrong password, for a
name that exists and one that does not, on a scratch SQLite station. Equal times mean
the answer does not tell an attacker which names exist.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from broadcaster.clock import utc_now
from broadcaster.config import load_settings
from broadcaster.errors import BroadcasterError
from broadcaster.services.accounts import login
from broadcaster.services.context import Context
from broadcaster.services.station import initialise, open_station


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(Path(folder), environ={}, overrides={"engine": "espeak"})
        initialise(settings, "mat-khau-quan-tri", utc_now())
        station = open_station(settings)
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for n in range(rounds):
            for kind, name in (("known", "admin"), ("unknown", f"khong-co-{n}")):
                with station.sessions() as session:
                    # an hour later each round: the throttle's 15 minutes never apply, so
                    # both kinds check a password (a throttled try answers at once for
                    # known and unknown names alike: failures are counted per name typed)
                    later = utc_now() + timedelta(hours=n)
                    ctx = Context(settings, session, lambda at=later: at)
                    started = time.perf_counter()
                    try:
                        # a fresh address each time: only the password check is timed
                        login(ctx, name, "sai-mat-khau", f"10.{n // 250}.{n % 250}.{len(kind)}")
                    except BroadcasterError:
                        pass
                    times[kind].append((time.perf_counter() - started) * 1000)
        for kind, found in times.items():
            print(
                f"{kind:>8} name: median {statistics.median(found):6.1f} ms, "
                f"p10 {sorted(found)[len(found) // 10]:6.1f} ms, p90 {sorted(found)[len(found) * 9 // 10]:6.1f} ms"
            )
        ratio = statistics.median(times["known"]) / statistics.median(times["unknown"])
        print(f"known/unknown median ratio: {ratio:.2f}")
        station.engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
