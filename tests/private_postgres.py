"""A PostgreSQL server of a test's own, to stop and start (outage tests never touch the suite's
shared server): `initdb` into a fresh folder, run as a non-root user on a free port.

As root (CI) the server runs as the `postgres` user the Debian package creates; elsewhere as
the user running the tests. Without PostgreSQL's programs the test is skipped, unless
BROADCASTER_REQUIRE_POSTGRES is set (CI), where that is a failure.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from glob import glob
from pathlib import Path

import pytest


def _program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    packaged = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return packaged[-1] if packaged else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateServer:
    """One server in its own folder; `stop` is a crash (immediate), `start` brings it back."""

    def __init__(self, folder: Path, pg_ctl: str, as_user: list[str]) -> None:
        self.folder, self.pg_ctl, self.as_user = folder, pg_ctl, as_user
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*self.as_user, self.pg_ctl, "-D", str(self.folder / "data"), "-w", "-t", "60",
             "-l", str(self.folder / "server.log"), "-o", options, *args],
            check=True, capture_output=True, timeout=90,
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        """Stop at once, as a crash or a pulled cable would: no goodbye to the clients."""
        self._ctl("-m", "immediate", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivateServer]:
    """A running server of the test's own, removed afterwards."""
    initdb, pg_ctl = _program("initdb"), _program("pg_ctl")
    if initdb is None or pg_ctl is None:
        if os.environ.get("BROADCASTER_REQUIRE_POSTGRES"):
            raise AssertionError("BROADCASTER_REQUIRE_POSTGRES is set but initdb is not installed")
        pytest.skip("PostgreSQL's programs (initdb, pg_ctl) are not installed")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="broadcaster-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        owner = pwd.getpwnam("postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
        folder.chmod(0o755)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    subprocess.run(
        [*as_user, initdb, "-D", str(folder / "data"), "-U", "postgres", "--auth=trust",
         "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    server = PrivateServer(folder, pg_ctl, as_user)
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # stopped already
        shutil.rmtree(folder, ignore_errors=True)
