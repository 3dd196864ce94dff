"""What the daemon needs around its jobs: a job store that outlasts a locked database, the
half-written files an earlier stop left behind, and a wait for the stop that signals reach."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy.exc import OperationalError

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


class SteadyJobStore(SQLAlchemyJobStore):
    """APScheduler's job store in our database, made to outlast a locked database.

    In APScheduler 3 an exception from `update_job` (a slot job's next fire time,
    written right after it is submitted) ends the scheduler's thread: after a lock at a
    slot's start, no job would ever fire again. Here a failed update is kept and written
    before the next look for due jobs; while that still fails, the look fails too, which
    APScheduler answers by trying again after `jobstore_retry_interval` (10 s).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unsaved: dict[str, Job] = {}

    def update_job(self, job: Job) -> None:
        try:
            super().update_job(job)
        except OperationalError as exc:
            logger.warning("could not save job %s (the database did not answer): %s", job.id, exc)
            self._unsaved[job.id] = job
        else:
            self._unsaved.pop(job.id, None)

    def get_due_jobs(self, now: datetime) -> list[Job]:
        for job in list(self._unsaved.values()):
            try:
                super().update_job(job)  # raises OperationalError while the lock lasts
            except JobLookupError:
                pass  # removed meanwhile
            del self._unsaved[job.id]
        return cast(list[Job], super().get_due_jobs(now))


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
