"""`broadcaster bench clusters`: an emergency to N loudspeaker clusters and back, on this machine.

A scratch station in a temporary folder, a real Mosquitto it starts on a free loopback port
with the station's own generated config and account files, N clusters added through the real
services, and one approved, rendered emergency bulletin. The station runs in a child process
(its CPU and peak memory are its own): a ClusterRelay with its real StationLink publishes the
emergency with `send_emergencies()` and seals the confirmations with its intake thread. The N
agents are simulated in this process (`bench_swarm`): real MQTT connections on one loop.
"""

from __future__ import annotations

import math
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as query

from broadcaster.bench import spread as bench_spread
from broadcaster.bench.swarm import Swarm, cpu_seconds, rss_kb

MOSQUITTO = Path("/usr/sbin/mosquitto")
MAX_AGENTS = 20_000
OPEN_FILES = 20_000  # this process holds one socket per agent, the broker one per client
PORTS = (20_000, 32_000)  # the ephemeral range starts at 32768 on Linux by default
READY_WITHIN = 60.0  # seconds for the broker and the station to come up (not a measured speed)
BULLETIN = "Thông báo khẩn: bão số 3 đổ bộ, đề nghị bà con ở trong nhà, tránh xa bờ sông."


class BenchError(Exception):
    """The bench could not set itself up (no Mosquitto, a child that did not start)."""


@dataclass(frozen=True)
class ClusterFigures:
    """What `bench clusters` measured; times in seconds unless named _ms, memory in MB."""

    agents: int
    zones: int
    witness: bool
    setup_s: float  # clusters, broker accounts and the bulletin (not measured further)
    connected: int  # agents connected and subscribed
    refused: int
    connect_s: float
    publish_s: float  # send_emergencies(): dispatch rows, commit, handing 1 message per agent
    received: int
    delivery_p50_ms: float
    delivery_p99_ms: float
    delivery_max_ms: float
    confirmations: int  # expected: two reports (started, aired) per agent that received it
    sealed: int
    sealed_within_s: float  # from the publish to the last confirmation sealed
    sealed_per_s: float  # from the first agent's receipt to the last confirmation sealed
    batches: int  # heads anchored (one per sealed batch)
    witness_calls: int
    airings: int  # sealed rows with outcome aired
    chain_ok: bool
    station_cpu_s: float  # during the measurement (publish to last seal)
    station_peak_mb: float
    broker_cpu_s: float
    broker_peak_mb: float
    agents_rss_mb: float  # this process with every agent connected
    agents_kb_each: float
    timed_out: bool
    real_agents: int = 0  # real `broadcaster agent` processes airing the same entries
    real_entries: int = 0  # entries every real agent started (one spread each)
    real_confirmed: int = 0  # their sealed rows with a start
    spread_p50_ms: float = float("nan")
    spread_p99_ms: float = float("nan")
    spread_max_ms: float = float("nan")
    real_agent_peak_mb: float = float("nan")


def bench_clusters(
    agents: int, zones: int = 1, timeout: float = 120.0, witness: bool = False,
    window: int = 200, say: Callable[[str], object] | None = None, real: int = 0,
) -> ClusterFigures:  # fmt: skip
    """Run the bench once; `say(text)` (if given) hears progress. BenchError when it cannot."""
    if not MOSQUITTO.exists():
        raise BenchError("Mosquitto is not installed (apt-get install mosquitto).")
    if not 1 <= agents <= MAX_AGENTS:
        raise BenchError(f"--agents must be between 1 and {MAX_AGENTS}.")
    tell: Callable[[str], object] = say or (lambda _text: None)
    _more_open_files()
    with tempfile.TemporaryDirectory(prefix="bench-clusters-") as tmp:
        folder = Path(tmp)
        run = _Run(folder, agents, max(1, min(zones, agents)), witness, window, tell)
        run.real = real
        try:
            return run.measure(timeout)
        finally:
            run.close()


def _more_open_files() -> None:
    """Raise this process's open-file limit (the broker's is raised by `_limits`)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _limits() -> None:
    """In the broker's process before exec: as many open files as the machine allows."""
    _more_open_files()


def _free_port() -> int:
    """A free loopback port below the kernel's ephemeral range, so that thousands of agents'
    outgoing connections cannot take it before the broker or the station binds it."""
    for _ in range(1000):
        port = secrets.randbelow(PORTS[1] - PORTS[0]) + PORTS[0]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise BenchError("no free loopback port below the ephemeral range")


class _Lines:
    """Lines from a child's stdout, read without blocking from the swarm's loop."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.lines: list[str] = []
        self.closed = False
        os.set_blocking(fd, False)

    def read(self) -> None:
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        if not data:
            self.closed = True
            return
        self.buffer += data
        *whole, self.buffer = self.buffer.split(b"\n")
        self.lines += [line.decode() for line in whole]


class _Run:
    """One bench run's station, broker, station process and agents."""

    def __init__(
        self,
        folder: Path,
        agents: int,
        zones: int,
        witness: bool,
        window: int,
        tell: Callable[[str], object],
    ) -> None:
        self.folder, self.count, self.zones, self.witness = folder, agents, zones, witness
        self.window, self.tell = window, tell
        self.broker: subprocess.Popen[bytes] | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.swarm: Swarm | None = None
        self.witness_file = folder / "witness.log"
        self.real = 0
        self.real_processes: list[subprocess.Popen[bytes]] = []

    # --- set-up -----------------------------------------------------------------------------

    def _setup(self) -> None:
        from broadcaster.clusters import broker
        from broadcaster.bench.scratch import scratch_station
        from broadcaster.clock import utc_now
        from broadcaster.store.db import Script
        from broadcaster.enums import Priority
        from broadcaster.intake.parse import parse_script
        from broadcaster.sound.render import make_engines, render_script
        from broadcaster.services import clusters
        from broadcaster.services.context import Context
        from broadcaster.services.scripts import add_scripts, approve_script

        self.port, password = _free_port(), secrets.token_urlsafe(18)
        self.api_port = _free_port()
        lines = [
            'engine = "espeak"', 'mqtt_host = "127.0.0.1"', f"mqtt_port = {self.port}",
            'mqtt_tls = "off"', f'mqtt_password = "{password}"',
            'agent_api_host = "127.0.0.1"', f"agent_api_port = {self.api_port}",
        ]  # fmt: skip
        if self.witness:
            lines.append(f"witness = \"sh -c 'cat >> {self.witness_file}'\"")
        (self.folder / "broadcaster.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        slots = '[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = 30\n'
        station = scratch_station(self.folder, slots, 0)
        self.station, self.settings = station, station.settings
        now = utc_now()
        credentials = []
        with station.sessions() as session:
            ctx = Context(station.settings, session, lambda: now)
            item = parse_script(BULLETIN.encode(), "khan.txt", title="Bão số 3", topic="a")
            (script,) = add_scripts(ctx, [item], "bench", Priority.EMERGENCY)
            approve_script(ctx, script.id, "admin")
            engines = make_engines("espeak", station.settings)
            render_script(session, session.get_one(Script, script.id), engines, ctx.settings, now)
            session.commit()
            self.script_id = script.id
            names = self.zone_names = [f"Thôn {z + 1}" for z in range(self.zones)]
            for name in names:
                clusters.add_zone(ctx, name)
            if self.real:
                self.real_agents, self.real_scripts = bench_spread.add_real(ctx, self.real)
            # The broker's folder does not exist yet, so adding a cluster writes no files;
            # `update_broker` below writes every account once (not N times).
            for n in range(self.count):
                issued = clusters.add_cluster(ctx, f"cum-{n + 1:05d}", names[n % self.zones])
                credentials.append((issued.cluster, issued.password))
            folder = self.settings.broker_path
            folder.mkdir(parents=True)
            station_line = broker.password_line(self.settings.mqtt_user, password)
            broker.write_accounts(folder, self.settings.mqtt_user, station_line, [])
            self._start_broker()
            if not clusters.update_broker(ctx):
                raise BenchError("the broker did not take the clusters' accounts")
        self.credentials = credentials
        self._wait_accounts(*credentials[-1])

    def _start_broker(self) -> None:
        from broadcaster.clusters import broker

        folder = self.settings.broker_path
        config = broker.mosquitto_config(folder, port=self.port, bind="127.0.0.1")
        # As root Mosquitto would drop to the `mosquitto` user, who cannot read the 0600 files.
        extra = ["user root"] if os.getuid() == 0 else []
        extra += [f"log_dest file {folder / 'mosquitto.log'}", "log_type error", "log_type warning"]
        (folder / broker.CONFIG_FILE).write_text(config + "\n".join(extra) + "\n")
        (folder / broker.PERSISTENCE_DIR).mkdir(exist_ok=True)
        self.broker = subprocess.Popen(
            [str(MOSQUITTO), "-c", str(folder / broker.CONFIG_FILE)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_limits,
        )  # fmt: skip
        deadline = time.monotonic() + READY_WITHIN
        while True:
            if self.broker.poll() is not None:
                raise BenchError(f"Mosquitto ended at start: {self._broker_log()}")
            if (folder / broker.PID_FILE).exists():
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                        return
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise BenchError(f"Mosquitto did not listen on port {self.port}")
            time.sleep(0.02)

    def _broker_log(self) -> str:
        log = self.settings.broker_path / "mosquitto.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def _wait_accounts(self, name: str, password: str) -> None:
        """The reload is asynchronous: wait until the last cluster's account is accepted."""
        import paho.mqtt.client as mqtt

        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            answer: list[object] = []
            probe = mqtt.Client(
                mqtt.CallbackAPIVersion.VERSION2, client_id=f"probe-{name}",
                protocol=mqtt.MQTTv5, userdata=answer,
            )  # fmt: skip
            probe.username_pw_set(name, password)
            probe.on_connect = lambda _c, said, _f, reason, _p: said.append(reason)
            probe.connect("127.0.0.1", self.port, 10)
            until = time.monotonic() + 5
            while not answer and time.monotonic() < until:
                probe.loop(0.05)
            probe.disconnect()
            if answer and not getattr(answer[0], "is_failure", True):
                return
            time.sleep(0.1)
        raise BenchError("the broker did not accept the clusters' accounts after its reload")

    def _start_station(self) -> _Lines:
        self.child_log = self.folder / "station.log"
        with open(self.child_log, "wb") as log:
            self.child = subprocess.Popen(
                [sys.executable, "-m", "broadcaster.bench.station", str(self.folder),
                 "serve" if self.real else "quiet"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
            )  # fmt: skip
        assert self.child.stdout is not None
        return _Lines(self.child.stdout.fileno())

    def _tell_station(self, word: str) -> None:
        assert self.child is not None and self.child.stdin is not None
        self.child.stdin.write(word.encode() + b"\n")
        self.child.stdin.flush()

    # --- the measurement --------------------------------------------------------------------

    def measure(self, timeout: float) -> ClusterFigures:
        from broadcaster.clock import utc_now
        from broadcaster.store.db import AirRequest

        began = time.monotonic()
        self.tell(f"Setting up a station, a broker and {self.count} clusters …")
        self._setup()
        setup_s = time.monotonic() - began
        out = self._start_station()
        swarm = self.swarm = Swarm("127.0.0.1", self.port, self.settings.mqtt_prefix, self.window)
        swarm.watch(out.fd, out.read)
        deadline = time.monotonic() + timeout
        if not swarm.run(lambda: "ready" in out.lines or out.closed, deadline) or out.closed:
            raise BenchError(f"the station did not connect: {self._child_log()}")
        for name, password in self.credentials:
            swarm.add(name, password)
        rss_before, _ = rss_kb()
        self.tell(f"Connecting {self.count} agents, {self.window} at a time …")
        connect_began = time.monotonic()
        swarm.run(lambda: swarm.all_started, deadline)
        connect_s = time.monotonic() - connect_began
        rss_after, _ = rss_kb()
        with self.station.sessions() as session:
            # the simulated clusters' zones only: the real agents have a slot of their own
            zones = ",".join(self.zone_names) if self.real else ""
            session.add(AirRequest(script_id=self.script_id, emergency=True, zones=zones,
                                   requested_at=utc_now(), requested_by="bench"))  # fmt: skip
            session.commit()
        anchors_before, witness_before = self._anchors(), self._witness_lines()
        cpu_before = cpu_seconds(self.child.pid)  # type: ignore[union-attr]
        self.tell(f"{swarm.subscribed} agents subscribed; the station publishes the emergency …")
        self._tell_station("go")
        state = _Progress(out)
        target = swarm.subscribed

        def finished() -> bool:
            state.update()
            return out.closed or (state.sent_at is not None and swarm.received >= target
                                  and state.sealed >= 2 * swarm.received)  # fmt: skip

        completed = swarm.run(finished, deadline)
        station_cpu = cpu_seconds(self.child.pid) - cpu_before  # type: ignore[union-attr]
        _, station_peak = rss_kb(self.child.pid)  # type: ignore[union-attr]
        broker_cpu = cpu_seconds(self.broker.pid)  # type: ignore[union-attr]
        _, broker_peak = rss_kb(self.broker.pid)  # type: ignore[union-attr]
        batches = self._anchors() - anchors_before
        witness_calls = self._witness_lines() - witness_before
        spread = self._spread(out, time.monotonic() + timeout) if self.real else None
        self._tell_station("stop")
        self.child.wait(timeout=READY_WITHIN)  # type: ignore[union-attr]
        if state.sent_at is None:
            raise BenchError(f"the station did not publish the emergency: {self._child_log()}")
        said = self.child_log.read_text(errors="replace") if self.child_log.exists() else ""
        for line in said.splitlines():
            if "emergency sent to" in line:  # the relay's own split: recording, handing over
                self.tell("station: " + line.split(": ", 1)[-1])
        times = sorted(
            (a.received_at - state.sent_at) * 1000 for a in swarm.agents if a.received_at
        )
        first = min((a.received_at for a in swarm.agents if a.received_at), default=state.sent_at)
        last = state.last_sealed_at or state.sent_at
        airings, chain_ok = self._verify()
        return ClusterFigures(
            agents=self.count, zones=self.zones, witness=self.witness, setup_s=setup_s,
            connected=swarm.subscribed, refused=sum(1 for a in swarm.agents if a.refused),
            connect_s=connect_s, publish_s=state.publish_s, received=len(times),
            delivery_p50_ms=_percentile(times, 0.5), delivery_p99_ms=_percentile(times, 0.99),
            delivery_max_ms=times[-1] if times else float("nan"),
            confirmations=2 * len(times), sealed=state.sealed,
            sealed_within_s=last - state.sent_at,
            sealed_per_s=state.sealed / (last - first) if last > first else float("nan"),
            batches=batches, witness_calls=witness_calls,
            airings=airings, chain_ok=chain_ok,
            station_cpu_s=station_cpu, station_peak_mb=station_peak / 1024,
            broker_cpu_s=broker_cpu, broker_peak_mb=broker_peak / 1024,
            agents_rss_mb=rss_after / 1024,
            agents_kb_each=(rss_after - rss_before) / max(1, swarm.subscribed),
            timed_out=not completed, **_spread_fields(spread, self.real),
        )  # fmt: skip

    def _spread(self, out: _Lines, deadline: float) -> bench_spread.SpreadFigures | None:
        """Close the simulated agents, then time K real agents airing the same entries."""
        assert self.swarm is not None
        self.swarm.close()
        self.swarm = None
        self.tell(f"Starting {self.real} real agents for the start spread …")
        url = f"http://127.0.0.1:{self.api_port}"
        self.real_processes = bench_spread.start_agents(
            self.folder / "agents", self.real_agents, "127.0.0.1", self.port, url
        )
        return bench_spread.measure(
            self.station, self.real_agents, self.real_processes,
            lambda: self._tell_station("programme"), self.real_scripts, deadline, out.read,
        )  # fmt: skip

    def _anchors(self) -> int:
        folder = self.settings.var_path / "ledger"
        return sum(len(p.read_text().splitlines()) for p in folder.glob("*.log"))

    def _witness_lines(self) -> int:
        if not self.witness_file.exists():
            return 0
        return len(self.witness_file.read_text().splitlines())

    def _verify(self) -> tuple[int, bool]:
        from broadcaster.evidence.verify import verify
        from broadcaster.store.db import Airing

        with self.station.sessions() as session:
            aired = session.scalar(
                query(func.count())
                .select_from(Airing)
                .where(Airing.cluster_entry.like("x-%"), Airing.outcome == "aired")
            )
            verdict = verify(session, self.settings.var_path / "ledger")
        return int(aired or 0), verdict.ok

    def _child_log(self) -> str:
        path = getattr(self, "child_log", None)
        return path.read_text(errors="replace")[-2000:] if path and path.exists() else ""

    def close(self) -> None:
        """Stop the agents, the station process and the broker (whatever was started)."""
        if self.swarm is not None:
            self.swarm.close()
        for process in (*self.real_processes, self.child, self.broker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.child is not None:
            for pipe in (self.child.stdin, self.child.stdout):
                if pipe is not None:
                    pipe.close()
        if getattr(self, "station", None) is not None:
            self.station.engine.dispose()


class _Progress:
    """What the station process has said: when it published, how many it has sealed."""

    def __init__(self, out: _Lines) -> None:
        self.out = out
        self.seen = 0
        self.sent_at: float | None = None
        self.publish_s = float("nan")
        self.sealed = 0
        self.last_sealed_at: float | None = None

    def update(self) -> None:
        for line in self.out.lines[self.seen :]:
            word, *values = line.split()
            if word == "sent":
                self.sent_at, self.publish_s = float(values[1]), float(values[2]) - float(values[1])
            elif word == "sealed":
                self.sealed, self.last_sealed_at = int(values[0]), float(values[1])
        self.seen = len(self.out.lines)


def _spread_fields(spread: bench_spread.SpreadFigures | None, real: int) -> dict[str, Any]:
    if spread is None:
        return {"real_agents": real}
    return {
        "real_agents": spread.agents, "real_entries": spread.entries,
        "real_confirmed": spread.confirmed, "spread_p50_ms": spread.p50_ms,
        "spread_p99_ms": spread.p99_ms, "spread_max_ms": spread.max_ms,
        "real_agent_peak_mb": spread.agent_peak_mb,
    }  # fmt: skip


def plain(figures: ClusterFigures) -> dict[str, object]:
    """The figures as JSON-ready values (a figure that could not be measured is null)."""
    return {
        name: None if isinstance(value, float) and math.isnan(value) else value
        for name, value in asdict(figures).items()
    }


def report_lines(f: ClusterFigures) -> list[str]:
    """The figures as the command prints them, with each target met or not."""
    lines = [
        f"agents: {f.agents} clusters in {f.zones} zone(s) (set up in {f.setup_s:.1f} s); "
        f"{f.connected} connected and subscribed in {f.connect_s:.1f} s, {f.refused} refused",
        f"emergency: send_emergencies() took {f.publish_s:.2f} s (dispatch rows, commit, "
        f"one message per cluster handed to the link)",
        f"delivered to {f.received}/{f.connected} agents, from the publish: "
        f"p50 {f.delivery_p50_ms:.0f} ms, p99 {f.delivery_p99_ms:.0f} ms, "
        f"max {f.delivery_max_ms:.0f} ms",
        f"confirmations sealed: {f.sealed}/{f.confirmations}, the last {f.sealed_within_s:.1f} s "
        f"after the publish; {f.sealed_per_s:.0f}/s from the first receipt; in {f.batches} "
        f"batches (anchored heads); witness calls {f.witness_calls}"
        + ("" if f.witness else " (no witness set)"),
        f"chain verifies: {'yes' if f.chain_ok else 'NO'}; emergency rows aired by a cluster: {f.airings}",
        f"station process: {f.station_cpu_s:.1f} s CPU from the publish to the last seal, "
        f"peak RSS {f.station_peak_mb:.0f} MB",
        f"broker: {f.broker_cpu_s:.1f} s CPU in all, peak RSS {f.broker_peak_mb:.0f} MB",
        f"agents' process: RSS {f.agents_rss_mb:.0f} MB with every agent connected "
        f"(about {f.agents_kb_each:.1f} kB each)",
    ]
    if f.real_agents:
        lines.append(
            f"real agents: {f.real_agents} `broadcaster agent` processes (file outputs) airing "
            f"{bench_spread.ENTRIES} entries of one slot: {f.real_confirmed}/"
            f"{f.real_agents * bench_spread.ENTRIES} starts sealed; start spread over "
            f"{f.real_entries} entries p50 {f.spread_p50_ms:.1f} ms, p99 {f.spread_p99_ms:.1f} ms, "
            f"max {f.spread_max_ms:.1f} ms; largest agent's peak RSS {f.real_agent_peak_mb:.0f} MB"
        )
    if f.timed_out:
        lines.append("stopped at the --timeout: the figures above are what it got by then")
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    all_sealed = f.confirmations > 0 and f.sealed >= f.confirmations == 2 * f.agents
    lines += [
        f"target 5,000 agents: {met(f.connected >= 5000)} ({f.connected})",
        f"target delivery p99 <= 2 s: {met(f.received == f.agents and f.delivery_p99_ms <= 2000)}",
        f"target every confirmation sealed within 10 s: "
        f"{met(all_sealed and f.sealed_within_s <= 10)}",
    ]
    if f.real_agents:
        whole = f.real_entries == bench_spread.ENTRIES and f.spread_p99_ms <= 20
        lines.append(f"target start spread p99 <= 20 ms: {met(whole)}")
    return lines


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]
