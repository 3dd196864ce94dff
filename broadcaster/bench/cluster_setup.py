"""What `broadcaster bench clusters` sets up before it measures: a scratch station with N clusters
and one approved, rendered emergency bulletin, a real Mosquitto on a free loopback port with the
station's own generated config and account files, and the station in a child process.

`ClusterSetup` holds every process it starts, so `close()` stops them however the run ends.
"""

from __future__ import annotations

import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from broadcaster.bench import spread as bench_spread

MOSQUITTO = Path("/usr/sbin/mosquitto")
OPEN_FILES = 20_000  # this process holds one socket per agent, the broker one per client
PORTS = (20_000, 32_000)  # the ephemeral range starts at 32768 on Linux by default
READY_WITHIN = 60.0  # seconds for the broker and the station to come up (not a measured speed)
BULLETIN = "Thông báo khẩn: bão số 3 đổ bộ, đề nghị bà con ở trong nhà, tránh xa bờ sông."


class BenchError(Exception):
    """The bench could not set itself up (no Mosquitto, a child that did not start)."""


def more_open_files() -> None:
    """Raise this process's open-file limit (the broker's is raised by `_limits`)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _limits() -> None:
    """In the broker's process before exec: as many open files as the machine allows."""
    more_open_files()


def free_port() -> int:
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


class Lines:
    """Lines from a child's stdout, read without blocking from the swarm's loop."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.lines: list[str] = []
        self.closed = False
        os.set_blocking(fd, False)

    def read(self) -> None:
        """Take what the child has written so far; `closed` once it closed its stdout."""
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


class ClusterSetup:
    """One bench run's station, broker, station process and real agents' processes."""

    def __init__(
        self, folder: Path, agents: int, zones: int, witness: bool, real: int,
        station_cores: set[int] | None = None,
    ) -> None:  # fmt: skip
        self.folder, self.count, self.zones, self.witness = folder, agents, zones, witness
        self.real = real
        # The CPUs the station's process and the broker may use (None: any): with
        # `--separate-cores` the simulated agents run on the others, as real clusters run on
        # boards of their own.
        self.station_cores = station_cores
        self.broker: subprocess.Popen[bytes] | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.witness_file = folder / "witness.log"
        self.real_processes: list[subprocess.Popen[bytes]] = []

    def setup(self) -> None:
        """The station's files, its clusters and bulletin, and the broker that knows them."""
        self.port, password = free_port(), secrets.token_urlsafe(18)
        self.api_port = free_port()
        lines = [
            'engine = "espeak"', 'mqtt_host = "127.0.0.1"', f"mqtt_port = {self.port}",
            'mqtt_tls = "off"', f'mqtt_password = "{password}"',
            'agent_api_host = "127.0.0.1"', f"agent_api_port = {self.api_port}",
        ]  # fmt: skip
        if self.witness:
            lines.append(f"witness = \"sh -c 'cat >> {self.witness_file}'\"")
        (self.folder / "broadcaster.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        self._station(password)
        self._wait_accounts(*self.credentials[-1])

    def _station(self, password: str) -> None:
        from broadcaster.bench.scratch import scratch_station
        from broadcaster.clock import utc_now
        from broadcaster.clusters import broker
        from broadcaster.enums import Priority
        from broadcaster.intake.parse import parse_script
        from broadcaster.services import clusters
        from broadcaster.services.context import Context
        from broadcaster.services.scripts import add_scripts, approve_script
        from broadcaster.sound.render import make_engines, render_script
        from broadcaster.store.db import Script

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
        self._pin(self.broker.pid)
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

    def _pin(self, pid: int) -> None:
        if self.station_cores is not None:
            os.sched_setaffinity(pid, self.station_cores)

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

    def start_station(self) -> Lines:
        """Start the station process (`broadcaster.bench.station`); its stdout, line by line."""
        self.child_log = self.folder / "station.log"
        with open(self.child_log, "wb") as log:
            self.child = subprocess.Popen(
                [sys.executable, "-m", "broadcaster.bench.station", str(self.folder),
                 "serve" if self.real else "quiet"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
            )  # fmt: skip
        self._pin(self.child.pid)
        assert self.child.stdout is not None
        return Lines(self.child.stdout.fileno())

    def tell_station(self, word: str) -> None:
        """Give the station process one word on its stdin (`go`, `programme`, `stop`)."""
        assert self.child is not None and self.child.stdin is not None
        self.child.stdin.write(word.encode() + b"\n")
        self.child.stdin.flush()

    def station_log(self) -> str:
        """The end of what the station process wrote to its stderr."""
        path = getattr(self, "child_log", None)
        return path.read_text(errors="replace")[-2000:] if path and path.exists() else ""

    def close(self) -> None:
        """Stop the real agents, the station process and the broker (whatever was started)."""
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
