"""What the daemon needs around its jobs: the half-written files an earlier stop left behind,
and a wait for the stop that signals reach."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

logger = logging.getLogger(__name__)


# Half-written files a killed process left behind; younger ones may belong to a render
# or a copy that is running now in another process.
TEMPORARY_SUFFIXES = (".part", ".pcm")
STALE_TEMPORARY_SECONDS = 600


def remove_stale_temporaries(folders: list[Path]) -> None:
    """Delete temporary audio files older than STALE_TEMPORARY_SECONDS in `folders`."""
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.suffix in TEMPORARY_SUFFIXES and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                logger.info("removed %s, left behind by an earlier stop", path)


# How often the main thread wakes while it waits for a stop. A SIGTERM may be delivered to
# any thread; Python runs the handler only in the main thread, and only when it wakes: a
# main thread asleep in an untimed wait never did, and the daemon ignored the stop.
STOP_POLL_SECONDS = 0.5


def wait_for_stop(stop: threading.Event, for_seconds: float | None) -> None:
    """Wait until `stop` is set (by a signal handler) or `for_seconds` pass."""
    deadline = None if for_seconds is None else time.monotonic() + for_seconds
    while True:
        left = STOP_POLL_SECONDS if deadline is None else deadline - time.monotonic()
        if left <= 0 or stop.wait(min(left, STOP_POLL_SECONDS)):
            return
