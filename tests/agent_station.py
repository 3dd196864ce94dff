"""The station as the agent tests see it: a paho client publishing `wire` messages and
collecting reports and heartbeats, an `http.server` serving audio with a bearer token, and
real `broadcaster agent` processes with their own folders. Used by tests/test_agent*.py and
tests/benchmarks/agent_rss.py."""

from __future__ import annotations

import hashlib
import http.server
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from broadcaster.clusters import wire
from tests.broker import Broker
from tests.helpers import wait_for

TOKEN = "agent-token-for-tests"


def tone_mp3(folder: Path, hertz: int, seconds: float = 1.0) -> bytes:
    """A real MP3 (a sine tone) made with the ffmpeg the project ships through imageio-ffmpeg."""
    import imageio_ffmpeg

    out = folder / f"tone-{hertz}.mp3"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
         f"sine=frequency={hertz}:duration={seconds}", "-ac", "1", "-b:a", "64k", str(out)],
        check=True, timeout=60,
    )  # fmt: skip
    return out.read_bytes()


def sha(data: bytes) -> str:
    """The sha256 of some bytes, as the wire writes it."""
    return hashlib.sha256(data).hexdigest()


def now() -> datetime:
    """The wall clock in UTC (the agent's own clock is the same on one machine)."""
    return datetime.now(timezone.utc)


class AudioServer:
    """The station's agent endpoint: GET /agent/audio/<sha256> with `Authorization: Bearer`.

    `files` maps a path to the bytes served there (a test may serve other bytes than the sha
    in the path says). With `hold` cleared, responses wait until it is set again.
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.asked: list[str] = []
        self.hold = threading.Event()
        self.hold.set()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.asked.append(self.path)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self.send_error(401)
                    return
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                server.hold.wait(120)
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, data: bytes, served: bytes | None = None) -> str:
        """Serve `data` (or other bytes, `served`) at the path for its sha256; return the path."""
        path = f"/agent/audio/{sha(data)}"
        self.files[path] = data if served is None else served
        return path

    def __enter__(self) -> AudioServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class Station:
    """The station's MQTT side: publishes programmes and emergencies, collects what agents say.

    Its session is persistent, like the real station's, so reports an agent delivers while
    this client is reconnecting wait for it at the broker.
    """

    def __init__(self, broker: Broker, ca: Path | None = None) -> None:
        self.broker = broker
        self.reports: list[wire.Report] = []  # every report received, duplicates included
        self.health: dict[str, wire.Health] = {}
        self.lock = threading.Lock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id="station-under-test", protocol=mqtt.MQTTv5
        )
        self.client.username_pw_set(broker.station_user, broker.station_password)
        if ca is not None:
            self.client.tls_set(ca_certs=str(ca))
        self.client.reconnect_delay_set(1, 2)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.connected = threading.Event()

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        client.subscribe([
            (f"{self.broker.prefix}/report/+", SubscribeOptions(qos=1)),
            (f"{self.broker.prefix}/health/+", SubscribeOptions(qos=1)),
        ])  # fmt: skip
        self.connected.set()

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        message = wire.decode(msg.payload)
        with self.lock:
            if isinstance(message, wire.Report):
                self.reports.append(message)
            elif isinstance(message, wire.Health):
                self.health[message.cluster] = message

    def __enter__(self) -> Station:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        self.client.connect(self.broker.host, self.broker.port, clean_start=False,
                            properties=properties)  # fmt: skip
        self.client.loop_start()
        wait_for(self.connected.is_set, "the station's connection")
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def send(self, message: wire.Programme | wire.Emergency) -> None:
        """Publish retained with QoS 1 on the cluster's topic, as the daemon does."""
        kind = "programme" if isinstance(message, wire.Programme) else "emergency"
        info = self.client.publish(
            wire.topic(kind, message.cluster, self.broker.prefix), wire.encode(message),
            qos=1, retain=True,
        )  # fmt: skip
        info.wait_for_publish(30)

    def kinds(self, entry: str) -> list[str]:
        """The kinds of report received for an entry, in order, duplicates included."""
        with self.lock:
            return [r.kind for r in self.reports if r.entry == entry]

    def report(self, entry: str, kind: str) -> wire.Report:
        """The first report of that kind for that entry."""
        with self.lock:
            return next(r for r in self.reports if r.entry == entry and r.kind == kind)

    def wait_report(self, entry: str, kind: str) -> wire.Report:
        """Wait for a report of that kind for that entry; return it."""
        wait_for(lambda: kind in self.kinds(entry), f"a {kind} report for {entry}")
        return self.report(entry, kind)

    def keys(self) -> list[str]:
        """Every report's idempotency key as received (a duplicate appears twice)."""
        with self.lock:
            return [r.key for r in self.reports]

    def wait_online(self, cluster: str, since: datetime) -> wire.Health:
        """Wait for a heartbeat of the cluster, online, sent after `since`."""

        def fresh() -> bool:
            with self.lock:
                found = self.health.get(cluster)
            return bool(found and found.online and found.at and found.at >= since)

        wait_for(fresh, f"a heartbeat from {cluster}")
        with self.lock:
            return self.health[cluster]


def entry(key: str, data: bytes, path: str, start: datetime, duration_s: float = 1.0) -> wire.Entry:
    """A programme entry for audio `data` served at `path`."""
    return wire.Entry(key=key, slot="Sáng", start=start, script_id=1, title=f"Bản tin {key}",
                      sha256=sha(data), duration_s=duration_s, url=path)  # fmt: skip


def programme(cluster: str, version: int, *entries: wire.Entry) -> wire.Programme:
    """A programme for the next two days."""
    at = now()
    return wire.Programme(cluster=cluster, version=version, sent_at=at,
                          until=at + timedelta(hours=48), entries=tuple(entries))  # fmt: skip


# The player for `command:` outputs: notes each file it plays in plays.txt, copies it, and
# keeps playing (sleeps) while a file hold-<sha> is in its folder, until stopped.
PLAYER = """\
import pathlib, shutil, sys, time
audio, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
with open(out / "plays.txt", "a") as log:
    log.write(audio.stem + "\\n")
shutil.copyfile(audio, out / audio.name)
while (out / f"hold-{audio.stem}").exists():
    time.sleep(0.05)
"""


def player_output(folder: Path) -> str:
    """A `command:` output running PLAYER, playing into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder.parent / "player.py"
    script.write_text(PLAYER)
    return f"command:{sys.executable} {script} {{file}} {folder}"


def plays(folder: Path) -> list[str]:
    """The sha256 of each file PLAYER played, in order."""
    log = folder / "plays.txt"
    return log.read_text().split() if log.exists() else []


def agent_command() -> list[str]:
    """The installed console script (the lean entry point), as a cluster would run it."""
    script = Path(sys.executable).parent / "broadcaster"
    if script.exists():
        return [str(script), "agent"]
    return [sys.executable, "-c", "import sys; from broadcaster.entry import main; "
            "sys.argv[1:1] = ['agent']; sys.exit(main())"]  # fmt: skip


class Agent:
    """A real `broadcaster agent` process with its own folder, config and log."""

    def __init__(self, folder: Path, broker: Broker, server: AudioServer, cluster: str,
                 output: str, password: str | None = None) -> None:  # fmt: skip
        self.folder = folder
        self.cluster = cluster
        folder.mkdir(parents=True, exist_ok=True)
        self.password = password or f"pw-{cluster}-secret"
        broker.add_account(cluster, self.password)
        broker.reload()
        self.config = folder / "agent.toml"
        self.config.write_text(
            f'cluster = "{cluster}"\npassword = "{password or self.password}"\n'
            f'broker_host = "{broker.host}"\nbroker_port = {broker.port}\ntls = false\n'
            f'prefix = "{broker.prefix}"\nstation_url = "{server.url}"\ntoken = "{TOKEN}"\n'
            f'folder = "state"\noutput = "{output}"\nheartbeat_seconds = 1\n'
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file = folder / "agent.log"

    def start(self) -> Agent:
        """Start the process (output appended to agent.log)."""
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                [*agent_command(), "--config", str(self.config)], stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, start_new_session=True, cwd=self.folder,
            )  # fmt: skip
        return self

    def log(self) -> str:
        """Everything the agent logged so far."""
        return self.log_file.read_text(errors="replace")

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> int:
        """Signal the agent's process group (its player too) and wait for it; its exit code."""
        assert self.process is not None
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        code = self.process.wait(60)
        self.process = None
        return code

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        try:  # a player it left behind, if any
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process = None
        return code

    def db_rows(self) -> list[tuple[str, str, int]]:
        """(entry, kind, delivered) of the agent's as-run log, read from its SQLite file."""
        import sqlite3

        db = sqlite3.connect(f"file:{self.folder / 'state' / 'agent.db'}?mode=ro", uri=True)
        try:
            return list(db.execute("SELECT entry, kind, delivered FROM asrun ORDER BY id"))
        finally:
            db.close()


@contextmanager
def agents(*made: Agent) -> Iterator[None]:
    """Kill every agent still running when the test ends, whatever happened."""
    try:
        yield
    finally:
        for one in made:
            if one.process is not None:
                one.kill()


def copy_of(path: Path) -> bytes | None:
    """A file's bytes, or None when it is not there."""
    return path.read_bytes() if path.exists() else None


# --- fixtures the agent tests share ----------------------------------------------------------------


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Three distinct real MP3 files."""
    folder = tmp_path_factory.mktemp("tones")
    return [tone_mp3(folder, hertz) for hertz in (440, 660, 880)]


@pytest.fixture
def server() -> Iterator[AudioServer]:
    """The station's audio endpoint, played by the test."""
    with AudioServer() as running:
        yield running


@pytest.fixture
def hub(broker: Broker) -> Iterator[Station]:
    """The station's side of the broker, played by the test."""
    with Station(broker) as station:
        yield station
