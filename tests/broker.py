"""A real Mosquitto for the tests: generated accounts, ACL and config in a tmp folder, a free
loopback port, ready when it accepts a connection, stopped in `finally`.

Register the fixtures with one line in tests/conftest.py:  `from tests.broker import broker, tls_broker  # noqa: F401`
(or `pytest_plugins = ["tests.broker"]`). Tests then take `broker` (password + ACL, plain MQTT)
or `tls_broker` (the same behind TLS with a CA made in the test run; `tls_broker.tls` is the
CA file a client trusts).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from broadcaster import broker as files

MOSQUITTO = Path("/usr/sbin/mosquitto")
STATION_USER, STATION_PASSWORD = "station", "station-broker-pass"
PREFIX = "broadcaster"
READY_WITHIN = 30.0  # seconds; a deadline for a busy machine, not a measured speed


def require_mosquitto() -> None:
    """Skip when Mosquitto is missing, unless CI asked for it (BROADCASTER_REQUIRE_BROKER=1)."""
    if MOSQUITTO.exists():
        return
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
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "mosquitto.log"
        folder.mkdir(parents=True, exist_ok=True)
        self._write_accounts()

    # -- accounts ---------------------------------------------------------------------------
    def add_account(self, name: str, password: str) -> None:
        """Give cluster `name` an account (agent rights by the ACL's %u patterns); `reload()`
        makes a running broker take it."""
        self.accounts[name] = password
        self._write_accounts()

    def remove_account(self, name: str) -> None:
        """Take the account away, as disabling a cluster does; `reload()` to apply."""
        del self.accounts[name]
        self._write_accounts()

    def _write_accounts(self) -> None:
        files.write_accounts(
            self.folder,
            self.station_user,
            files.password_line(self.station_user, self.station_password),
            [(name, files.password_line(name, pw)) for name, pw in self.accounts.items()],
            self.prefix,
        )

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
        )
        # Running as root, Mosquitto would drop to the `mosquitto` user, who cannot read the
        # 0600 files the tests own.
        extra = ["user root"] if os.getuid() == 0 else []
        extra += [f"log_dest file {self.log}", "log_type all"]
        return text + "\n".join(extra) + "\n"

    def start(self) -> None:
        """Start Mosquitto (same port and persistence as before) and wait until it listens."""
        require_mosquitto()
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("broker already running")
        conf = self.folder / files.CONFIG_FILE
        conf.write_text(self.config())
        (self.folder / files.PERSISTENCE_DIR).mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [str(MOSQUITTO), "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Poll a TCP connect until the listener answers; fail with Mosquitto's words if it ends."""
        assert self.process is not None
        deadline = time.monotonic() + READY_WITHIN
        while True:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                log = self.log.read_text() if self.log.exists() else ""
                raise RuntimeError(
                    f"mosquitto ended at start ({self.process.returncode}): {err}{log}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1.0):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"mosquitto did not listen on {self.port}") from None
                time.sleep(0.02)

    def reload(self) -> None:
        """SIGHUP through broadcaster.broker.reload, as `clusters add|disable` does."""
        files.reload(self.folder)

    def stop(self) -> None:
        """Stop it cleanly (SIGTERM: persistence is saved), as a restarted service would."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=READY_WITHIN)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def kill(self) -> None:
        """Kill it (SIGKILL: nothing saved since the last autosave), as a power cut would."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


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
