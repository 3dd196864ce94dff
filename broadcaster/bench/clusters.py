"""`broadcaster bench clusters`: an emergency to N loudspeaker clusters and back, on this machine.

A scratch station in a temporary folder, a real Mosquitto it starts on a free loopback port
with the station's own generated config and account files, N clusters added through the real
services, and one approved, rendered emergency bulletin (`cluster_setup`). The station runs in a
child process (its CPU and peak memory are its own): a ClusterRelay with its real StationLink
publishes the emergency with `send_emergencies()` and seals the confirmations with its intake
thread. The N agents are simulated in this process (`swarm`): real MQTT connections on one loop.
What it measured is `cluster_figures.ClusterFigures`.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select as query

from broadcaster.bench import spread as bench_spread
from broadcaster.bench.cluster_figures import ClusterFigures, percentile, spread_fields
from broadcaster.bench.cluster_setup import (
    MOSQUITTO,
    READY_WITHIN,
    BenchError,
    ClusterSetup,
    Lines,
    more_open_files,
)
from broadcaster.bench.swarm import Swarm, cpu_seconds, rss_kb

MAX_AGENTS = 20_000
WITNESS_SETTLE_SECONDS = 15.0  # a deadline for the witness worker to write the last heads


def bench_clusters(
    agents: int, zones: int = 1, timeout: float = 120.0, witness: bool = False,
    window: int = 200, say: Callable[[str], object] | None = None, real: int = 0,
    separate_cores: bool = False,
) -> ClusterFigures:  # fmt: skip
    """Run the bench once; `say(text)` (if given) hears progress. BenchError when it cannot.

    With `separate_cores` the station's process and the broker run on the first half of this
    machine's CPUs and the simulated agents (this process) on the rest, so the figures are the
    station's side, as a deployment with a board per cluster would see it."""
    cores = sorted(os.sched_getaffinity(0))
    if separate_cores and len(cores) < 2:
        raise BenchError("--separate-cores needs at least 2 CPUs.")
    station_cores = set(cores[: len(cores) // 2]) if separate_cores else None
    if not MOSQUITTO.exists():
        raise BenchError("Mosquitto is not installed (apt-get install mosquitto).")
    if not 1 <= agents <= MAX_AGENTS:
        raise BenchError(f"--agents must be between 1 and {MAX_AGENTS}.")
    tell: Callable[[str], object] = say or (lambda _text: None)
    more_open_files()
    with tempfile.TemporaryDirectory(prefix="bench-clusters-") as tmp:
        setup = ClusterSetup(
            Path(tmp), agents, max(1, min(zones, agents)), witness, real, station_cores
        )
        run = _Run(setup, window, tell)
        try:
            if station_cores is not None:
                os.sched_setaffinity(0, set(cores) - station_cores)
            return run.measure(timeout)
        finally:
            os.sched_setaffinity(0, set(cores))
            run.close()


@dataclass(frozen=True)
class _Connected:
    """How the agents connected: seconds, and this process's RSS before and after (kB)."""

    seconds: float
    rss_before_kb: int
    rss_after_kb: int


@dataclass(frozen=True)
class _Costs:
    """What the publish and the sealing cost the station and the broker."""

    station_cpu_s: float  # from the publish to the last seal
    station_peak_kb: int
    broker_cpu_s: float  # in all
    broker_peak_kb: int
    batches: int  # heads anchored
    witness_calls: int


class _Run:
    """One bench run: its set-up, the simulated agents, and what they measure."""

    def __init__(self, setup: ClusterSetup, window: int, tell: Callable[[str], object]) -> None:
        self.setup, self.window, self.tell = setup, window, tell
        self.swarm: Swarm | None = None

    def measure(self, timeout: float) -> ClusterFigures:
        """Set up, connect every agent, publish the emergency, wait for its confirmations to be
        sealed (or the timeout), then time the real agents if asked."""
        setup = self.setup
        began = time.monotonic()
        self.tell(f"Setting up a station, a broker and {setup.count} clusters …")
        setup.setup()
        setup_s = time.monotonic() - began
        out = setup.start_station()
        swarm = self.swarm = Swarm("127.0.0.1", setup.port, setup.settings.mqtt_prefix, self.window)
        swarm.watch(out.fd, out.read)
        deadline = time.monotonic() + timeout
        if not swarm.run(lambda: "ready" in out.lines or out.closed, deadline) or out.closed:
            raise BenchError(f"the station did not connect: {setup.station_log()}")
        connected = self._connect(swarm, deadline)
        self._request_emergency()
        state, costs, completed = self._publish(swarm, out, deadline)
        spread = self._spread(out, time.monotonic() + timeout) if setup.real else None
        setup.tell_station("stop")
        setup.child.wait(timeout=READY_WITHIN)  # type: ignore[union-attr]
        if state.sent_at is None:
            raise BenchError(f"the station did not publish the emergency: {setup.station_log()}")
        self._pass_on_station_split()
        return self._figures(swarm, state, state.sent_at, setup_s, connected, costs,
                             not completed, spread)  # fmt: skip

    def _connect(self, swarm: Swarm, deadline: float) -> _Connected:
        """Connect and subscribe every cluster's agent, `window` at a time."""
        for name, password in self.setup.credentials:
            swarm.add(name, password)
        rss_before, _ = rss_kb()
        self.tell(f"Connecting {self.setup.count} agents, {self.window} at a time …")
        connect_began = time.monotonic()
        swarm.run(lambda: swarm.all_started, deadline)
        connect_s = time.monotonic() - connect_began
        rss_after, _ = rss_kb()
        return _Connected(connect_s, rss_before, rss_after)

    def _request_emergency(self) -> None:
        """The air request the station process publishes when it is told `go`."""
        from broadcaster.clock import utc_now
        from broadcaster.store.db import AirRequest

        setup = self.setup
        with setup.station.sessions() as session:
            # the simulated clusters' zones only: the real agents have a slot of their own
            zones = ",".join(setup.zone_names) if setup.real else ""
            session.add(AirRequest(script_id=setup.script_id, emergency=True, zones=zones,
                                   requested_at=utc_now(), requested_by="bench"))  # fmt: skip
            session.commit()

    def _publish(self, swarm: Swarm, out: Lines, deadline: float) -> tuple[_Progress, _Costs, bool]:
        """Tell the station to publish, run the agents until every confirmation of what they
        received is sealed; whether that happened before the deadline, and at what cost."""
        setup = self.setup
        anchors_before, witness_before = self._anchors(), self._witness_lines()
        cpu_before = cpu_seconds(setup.child.pid)  # type: ignore[union-attr]
        self.tell(f"{swarm.subscribed} agents subscribed; the station publishes the emergency …")
        setup.tell_station("go")
        state = _Progress(out)
        target = swarm.subscribed

        def finished() -> bool:
            state.update()
            return out.closed or (state.sent_at is not None and swarm.received >= target
                                  and state.sealed >= 2 * swarm.received)  # fmt: skip

        completed = swarm.run(finished, deadline)
        batches = self._anchors() - anchors_before
        if setup.witness:  # the witness's worker writes the last heads a moment after the seal
            settle_by = time.monotonic() + WITNESS_SETTLE_SECONDS
            while self._witness_lines() - witness_before < batches and time.monotonic() < settle_by:
                time.sleep(0.05)
        costs = _Costs(
            station_cpu_s=cpu_seconds(setup.child.pid) - cpu_before,  # type: ignore[union-attr]
            station_peak_kb=rss_kb(setup.child.pid)[1],  # type: ignore[union-attr]
            broker_cpu_s=cpu_seconds(setup.broker.pid),  # type: ignore[union-attr]
            broker_peak_kb=rss_kb(setup.broker.pid)[1],  # type: ignore[union-attr]
            batches=batches,
            witness_calls=self._witness_lines() - witness_before,
        )
        return state, costs, completed

    def _pass_on_station_split(self) -> None:
        """The station's own split of the publish (recording, handing over), from its log."""
        log = self.setup.child_log
        said = log.read_text(errors="replace") if log.exists() else ""
        for line in said.splitlines():
            if "emergency sent to" in line:
                self.tell("station: " + line.split(": ", 1)[-1])

    def _figures(
        self, swarm: Swarm, state: _Progress, sent_at: float, setup_s: float,
        connected: _Connected, costs: _Costs, timed_out: bool,
        spread: bench_spread.SpreadFigures | None,
    ) -> ClusterFigures:  # fmt: skip
        """Delivery times from the publish, the sealing rate, and the chain checked."""
        setup = self.setup
        times = sorted((a.received_at - sent_at) * 1000 for a in swarm.agents if a.received_at)
        first = min((a.received_at for a in swarm.agents if a.received_at), default=sent_at)
        last = state.last_sealed_at or sent_at
        airings, chain_ok = self._verify()
        return ClusterFigures(
            agents=setup.count, zones=setup.zones, witness=setup.witness, setup_s=setup_s,
            connected=swarm.subscribed, refused=sum(1 for a in swarm.agents if a.refused),
            connect_s=connected.seconds, publish_s=state.publish_s, received=len(times),
            delivery_p50_ms=percentile(times, 0.5), delivery_p99_ms=percentile(times, 0.99),
            delivery_max_ms=times[-1] if times else float("nan"),
            confirmations=2 * len(times), sealed=state.sealed,
            sealed_within_s=last - sent_at,
            sealed_per_s=state.sealed / (last - first) if last > first else float("nan"),
            batches=costs.batches, witness_calls=costs.witness_calls,
            airings=airings, chain_ok=chain_ok,
            station_cpu_s=costs.station_cpu_s, station_peak_mb=costs.station_peak_kb / 1024,
            broker_cpu_s=costs.broker_cpu_s, broker_peak_mb=costs.broker_peak_kb / 1024,
            agents_rss_mb=connected.rss_after_kb / 1024,
            agents_kb_each=(connected.rss_after_kb - connected.rss_before_kb)
            / max(1, swarm.subscribed),
            timed_out=timed_out, **spread_fields(spread, setup.real),
        )  # fmt: skip

    def _spread(self, out: Lines, deadline: float) -> bench_spread.SpreadFigures | None:
        """Close the simulated agents, then time K real agents airing the same entries."""
        assert self.swarm is not None
        self.swarm.close()
        self.swarm = None
        setup = self.setup
        self.tell(f"Starting {setup.real} real agents for the start spread …")
        url = f"http://127.0.0.1:{setup.api_port}"
        setup.real_processes = bench_spread.start_agents(
            setup.folder / "agents", setup.real_agents, "127.0.0.1", setup.port, url
        )
        return bench_spread.measure(
            setup.station, setup.real_agents, setup.real_processes,
            lambda: setup.tell_station("programme"), setup.real_scripts, deadline, out.read,
        )  # fmt: skip

    def _anchors(self) -> int:
        folder = self.setup.settings.var_path / "ledger"
        return sum(len(p.read_text().splitlines()) for p in folder.glob("*.log"))

    def _witness_lines(self) -> int:
        if not self.setup.witness_file.exists():
            return 0
        return len(self.setup.witness_file.read_text().splitlines())

    def _verify(self) -> tuple[int, bool]:
        from broadcaster.evidence.verify import verify
        from broadcaster.store.db import Airing

        with self.setup.station.sessions() as session:
            aired = session.scalar(
                query(func.count())
                .select_from(Airing)
                .where(Airing.cluster_entry.like("x-%"), Airing.outcome == "aired")
            )
            verdict = verify(session, self.setup.settings.var_path / "ledger")
        return int(aired or 0), verdict.ok

    def close(self) -> None:
        """Stop the agents, then the station process and the broker (whatever was started)."""
        if self.swarm is not None:
            self.swarm.close()
        self.setup.close()


class _Progress:
    """What the station process has said: when it published, how many it has sealed."""

    def __init__(self, out: Lines) -> None:
        self.out = out
        self.seen = 0
        self.sent_at: float | None = None
        self.publish_s = float("nan")
        self.sealed = 0
        self.last_sealed_at: float | None = None

    def update(self) -> None:
        """Read the lines the station process has added since the last look."""
        for line in self.out.lines[self.seen :]:
            word, *values = line.split()
            if word == "sent":
                self.sent_at, self.publish_s = float(values[1]), float(values[2]) - float(values[1])
            elif word == "sealed":
                self.sealed, self.last_sealed_at = int(values[0]), float(values[1])
        self.seen = len(self.out.lines)
