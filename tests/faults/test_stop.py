"""A stop reaches the daemon whichever of its threads the kernel gives the signal to.

Found by `make test-stress`: a SIGTERM delivered to one of the daemon's worker threads set
Python's pending flag, but the main thread slept in an untimed Event.wait and never ran
the handler, so a service manager's stop was ignored for good. Here the signal goes to a
worker thread on purpose (tgkill), as the kernel may choose to do.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli, running_daemon, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="tgkill is Linux's"),
]

SYS_TGKILL = 234 if os.uname().machine == "x86_64" else 131  # aarch64


def _signal_thread(pid: int, tid: int, signum: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYS_TGKILL, pid, tid, signum) != 0:
        raise OSError(ctypes.get_errno(), "tgkill failed")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_sigterm_given_to_a_worker_thread_still_stops_the_daemon(
    project: Path, database_url: str | None, signum: int
) -> None:
    """SIGHUP too (a closed terminal): a clean stop, not a death like kill -9."""
    assert (
        run_cli(project, database_url, "init", "--admin-password", "admin-pass-1").returncode == 0
    )
    with running_daemon(project, database_url, "--output", "null") as daemon:
        workers = [int(t) for t in os.listdir(f"/proc/{daemon.pid}/task") if int(t) != daemon.pid]
        assert workers, "the daemon has threads besides its main one"
        _signal_thread(daemon.pid, workers[0], signum)
        wait_for(lambda: daemon.poll() is not None, "the daemon to stop", limit=30)
        assert daemon.stdout is not None
        assert "Daemon stopped after" in daemon.stdout.read()
    assert daemon.returncode == 0
