"""A real Mosquitto for the tests: generated accounts, ACL and config in a tmp folder, a free
loopback port, ready when it accepts a connection, stopped in `finally`.

Register the fixtures with one line in tests/conftest.py:  `from tests.broker import broker, tls_broker  # noqa: F401`
(or `pytest_plugins = ["tests.broker"]`). Tests then take `broker` (password + ACL, plain MQTT)
or `tls_broker` (the same behind TLS with a CA made in the test run; `tls_broker.tls` is the
CA file a client trusts).
"""

from __future__ import annotations

import getpass
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from broadcaster.clusters import broker as files

MOSQUITTO = Path("/usr/sbin/mosquitto")
STATION_USER, STATION_PASSWORD = "station", "station-broker-pass"
PREFIX = "broadcaster"
READY_WITHIN = 30.0  # seconds; a deadline for a busy machine, not a measured speed


def mosquitto() -> Path | None:
    """Debian's /usr/sbin/mosquitto, or one on PATH."""
    found = shutil.which("mosquitto")
    return MOSQUITTO if MOSQUITTO.exists() else Path(found) if found else None


def require_mosquitto() -> Path:
    """Mosquitto's path; skip when it is missing, unless CI asked for it
    (BROADCASTER_REQUIRE_BROKER=1: then the test fails)."""
    found = mosquitto()
    if found is not None:
        return found
    reason = "Mosquitto not installed (apt-get install mosquitto)"
    if os.environ.get("BROADCASTER_REQUIRE_BROKER") == "1":
        pytest.fail(f"{reason}, and BROADCASTER_REQUIRE_BROKER=1 requires it")
    pytest.skip(reason)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Broker:
    """One Mosquitto process over the files in `folder` (accounts, ACL, config, persistence)."""

    host = "127.0.0.1"

    def __init__(self, folder: Path, *, tls: Path | None = None, prefix: str = PREFIX) -> None:
        self.folder = folder
        self.tls = tls  # None, or the CA file clients must trust
        self.prefix = prefix
        self.port = free_port()
        self.station_user, self.station_password = STATION_USER, STATION_PASSWORD
        self.accounts: dict[str, str] = {}  # agent name -> password
        self.extra_acl: dict[str, list[str]] = {}  # name -> "read|write|readwrite TOPIC" lines
        self.process: subprocess.Popen[bytes] | None = None
        self.started = False  # once started, the port stays (clients and agents know it)
        self.log = folder / "mosquitto.log"
        folder.mkdir(parents=True, exist_ok=True)
        self._write_accounts()

    # -- accounts ---------------------------------------------------------------------------
    def add_account(self, name: str, password: str, acl: list[str] | None = None) -> None:
        """Give cluster `name` an account (agent rights by the ACL's %u patterns); `reload()`
        makes a running broker take it. `acl` adds rights for this user only, e.g.
        `["read broadcaster/#"]` for a test's observer (the product never writes such lines)."""
        self.accounts[name] = password
        if acl:
            self.extra_acl[name] = list(acl)
        self._write_accounts()

    def remove_account(self, name: str) -> None:
        """Take the account away, as disabling a cluster does; `reload()` to apply."""
        del self.accounts[name]
        self.extra_acl.pop(name, None)
        self._write_accounts()

    def _write_accounts(self) -> None:
        files.write_accounts(
            self.folder,
            self.station_user,
            files.password_line(self.station_user, self.station_password),
            [(name, files.password_line(name, pw)) for name, pw in self.accounts.items()],
            self.prefix,
        )
        if self.extra_acl:
            # `pattern` lines apply to every user wherever they stand, so per-user blocks can
            # follow the generated file.
            acl = self.folder / files.ACL_FILE
            blocks = "".join(
                f"\nuser {name}\n" + "".join(f"topic {line}\n" for line in lines)
                for name, lines in self.extra_acl.items()
            )
            files.write_private(acl, acl.read_text() + blocks)

    # -- process ----------------------------------------------------------------------------
    def config(self) -> str:
        """The config this broker runs with: the station's, on loopback, logging to a file."""
        tls = self.tls is not None
        text = files.mosquitto_config(
            self.folder,
            port=self.port,
            bind=self.host,
            cafile=self.tls,
            certfile=self.folder / files.SERVER_CERT if tls else None,
            keyfile=self.folder / files.SERVER_KEY if tls else None,
            # As root, Mosquitto would drop to `mosquitto`, who cannot read the tests' 0600 files.
            user=getpass.getuser(),
        )
        return text + f"log_dest file {self.log}\nlog_type all\n"

    def start(self) -> None:
        """Start Mosquitto (same port and persistence as before) and wait until it listens."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("broker already running")
        conf = self.folder / files.CONFIG_FILE
        (self.folder / files.PERSISTENCE_DIR).mkdir(exist_ok=True)
        for attempt in range(3):
            conf.write_text(self.config())
            try:
                self.process = run_mosquitto(conf, self.host, self.port, self.log)
            except PortTaken:
                # Another process took the free port between our probe and Mosquitto's bind
                # (parallel workers). Only a first start may move; a restart keeps its port.
                if self.started or attempt == 2:
                    raise
                self.port = free_port()
            else:
                self.started = True
                return

    def reload(self) -> None:
        """SIGHUP through broadcaster.clusters.broker.reload, as `clusters add|disable` does."""
        files.reload(self.folder)

    def stop(self) -> None:
        """Stop it cleanly (SIGTERM: persistence is saved), as a restarted service would."""
        if self.process is not None:
            end(self.process)
            self.process = None

    def kill(self) -> None:
        """Kill it (SIGKILL: nothing saved since the last autosave), as a power cut would."""
        if self.process is not None:
            end(self.process, signal.SIGKILL)
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class PortTaken(RuntimeError):
    """Mosquitto could not bind its port: someone else listens there."""


def run_mosquitto(
    conf: Path, host: str, port: int, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start Mosquitto with `conf` and return once it listens on host:port (poll a connect,
    no fixed sleep); if it ends first, fail with what it said. The caller stops it.

    With `log` (the config's log_dest file) it also waits for this run's "running" line:
    a connect alone could reach whoever else took the port, while ours fails to bind."""
    seen = log.stat().st_size if log is not None and log.exists() else 0
    process = subprocess.Popen(
        [str(require_mosquitto()), "-c", str(conf)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + READY_WITHIN

    def said() -> str:
        if log is None or not log.exists():
            return ""
        with log.open("rb") as handle:
            handle.seek(seen)
            return handle.read().decode(errors="replace")

    while True:
        if process.poll() is not None:
            err = ""
            if process.stderr:
                err = process.stderr.read().decode()
                process.stderr.close()
            if "Address already in use" in err + said():
                raise PortTaken(f"port {port} is taken: {err}{said()}")
            raise RuntimeError(f"mosquitto ended at start ({process.returncode}): {err}{said()}")
        try:
            if log is None or " running" in said():
                with socket.create_connection((host, port), timeout=1.0):
                    return process
        except OSError:
            pass
        if time.monotonic() > deadline:
            end(process, signal.SIGKILL)
            raise RuntimeError(f"mosquitto did not listen on {host}:{port}: {said()}")
        time.sleep(0.02)


def end(process: subprocess.Popen[bytes], how: signal.Signals = signal.SIGTERM) -> None:
    """Stop a Mosquitto started by `run_mosquitto` and wait for it."""
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout=READY_WITHIN)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr:
        process.stderr.close()


class Endpoint(Protocol):
    """Where a broker listens: a `Broker`, or an `Address` for one started some other way."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...


@dataclass(frozen=True)
class Address:
    host: str
    port: int


class Refused(Exception):
    """The broker answered CONNACK with a failure: `reason` is its MQTT v5 reason code."""

    def __init__(self, reason: ReasonCode) -> None:
        super().__init__(f"broker refused the connection: {reason}")
        self.reason = reason


class Session:
    """A connected MQTT v5 test client: every message it receives lands in `messages`."""

    def __init__(self, client: mqtt.Client) -> None:
        self.client = client
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self._acks: dict[int, threading.Event] = {}
        self._results: dict[int, list[ReasonCode]] = {}
        self._lock = threading.Lock()
        client.on_message = lambda _c, _u, message: self.messages.put(message)
        client.on_subscribe = lambda _c, _u, mid, codes, _p: self._done(mid, list(codes))
        client.on_publish = lambda _c, _u, mid, code, _p: self._done(mid, [code])

    def _event(self, mid: int) -> threading.Event:
        with self._lock:
            return self._acks.setdefault(mid, threading.Event())

    def _done(self, mid: int, codes: list[ReasonCode]) -> None:
        self._results[mid] = codes
        self._event(mid).set()

    def _wait(self, mid: int | None, what: str) -> list[ReasonCode]:
        assert mid is not None
        if not self._event(mid).wait(READY_WITHIN):
            raise TimeoutError(f"no {what} from the broker")
        return self._results.pop(mid)

    def subscribe(self, topic: str, qos: int = 1) -> ReasonCode:
        """Subscribe and wait for SUBACK; the granted QoS or a refusal (e.g. Not authorized)."""
        result, mid = self.client.subscribe(topic, qos)
        assert result == mqtt.MQTT_ERR_SUCCESS, result
        return self._wait(mid, "SUBACK")[0]

    def publish(
        self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False
    ) -> ReasonCode:
        """Publish and, for QoS 1, wait for PUBACK: its reason code."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, info.rc
        if qos == 0:
            return ReasonCode(PacketTypes.PUBACK, identifier=0)
        return self._wait(info.mid, "PUBACK")[0]

    def receive(self, timeout: float = READY_WITHIN) -> mqtt.MQTTMessage:
        """The next message received (TimeoutError when none comes within the deadline)."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("no message from the broker") from None


@contextmanager
def connect(
    broker: Endpoint,
    user: str,
    password: str,
    *,
    ca: Path | None = None,
    client_id: str | None = None,
    clean_start: bool = True,
    session_expiry: int = 0,
) -> Iterator[Session]:
    """A connected MQTT v5 client (TLS when `ca` is given); Refused on a failed CONNACK.
    `clean_start=False` with a `session_expiry` (seconds) resumes a persistent session."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id or f"{user}-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
        reconnect_on_failure=False,
    )
    client.username_pw_set(user, password)
    if ca is not None:
        client.tls_set(ca_certs=str(ca))
    session = Session(client)
    answered = threading.Event()
    reasons: list[ReasonCode] = []

    def on_connect(_c: object, _u: object, _f: object, reason: ReasonCode, _p: object) -> None:
        reasons.append(reason)
        answered.set()

    def on_disconnect(_c: object, _u: object, _f: object, _r: object, _p: object) -> None:
        answered.set()  # closed before any CONNACK: `reasons` stays empty

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = session_expiry
    client.connect(broker.host, broker.port, clean_start=clean_start, properties=properties)
    client.loop_start()
    try:
        if not answered.wait(READY_WITHIN):
            raise TimeoutError("no CONNACK from the broker")
        if not reasons:
            raise ConnectionError("the broker closed the connection without a CONNACK")
        if reasons[0].is_failure:
            raise Refused(reasons[0])
        yield session
    finally:
        client.disconnect()
        client.loop_stop()


def make_tls(broker: Broker) -> None:
    """A CA made in this run and a server certificate for 127.0.0.1 and localhost."""
    broker.tls = files.make_ca(broker.folder)
    files.issue_server_certificate(broker.folder, ["localhost", "127.0.0.1"])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A running Mosquitto with password + ACL files and no TLS; stopped after the test."""
    require_mosquitto()
    running = Broker(tmp_path / "broker")
    try:
        running.start()
        yield running
    finally:
        running.kill()


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[Broker]:
    """The same behind TLS: `tls_broker.tls` is the CA file (made in this run) to trust."""
    require_mosquitto()
    running = Broker(tmp_path / "tls-broker")
    try:
        make_tls(running)
        running.start()
        yield running
    finally:
        running.kill()
