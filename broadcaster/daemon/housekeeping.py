"""What the daemon needs around its jobs: a scheduler that reads our clock, the half-written
files an earlier stop left behind, and a wait for the stop that signals reach."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from apscheduler.executors import base as executor_base
from apscheduler.schedulers import base as scheduler_base
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers import date, interval
from apscheduler.triggers.cron import CronTrigger

from broadcaster.clock import SchedulerTime
from broadcaster.daemon.triggers import OccurrenceTrigger
from broadcaster.services.exceptions import PLAIN, Calendar
from broadcaster.services.planning import SlotDef

logger = logging.getLogger(__name__)


def clock_the_scheduler() -> None:
    """Make APScheduler 3 read the wall clock through `broadcaster.clock` (`SchedulerTime`).

    Its scheduler, executors and triggers call `datetime.now` of their own modules; pointed at
    our clock, a step of the clock a fault test makes (`clock.OFFSET_VARIABLE`) reaches them as
    a step of the system clock would. Without that variable it is the system clock itself.
    """
    for module in (scheduler_base, executor_base, interval, date):
        module.datetime = SchedulerTime


def re_arm(scheduler: BaseScheduler, now: datetime) -> None:
    """After a step of the clock: the interval jobs run now (then every interval again), and
    each slot's next time is worked out again on the new clock."""
    for job in scheduler.get_jobs(jobstore="memory"):
        if isinstance(job.trigger, interval.IntervalTrigger):
            job.modify(next_run_time=now)
        elif isinstance(job.trigger, (CronTrigger, OccurrenceTrigger)):
            job.reschedule(job.trigger)
    scheduler.wakeup()


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


def install_slot_job(
    scheduler: BaseScheduler, job: Callable[[str], None], job_id: str, slot: SlotDef | None,
    tz: ZoneInfo, calendar: Calendar = PLAIN,
) -> None:  # fmt: skip
    """Replace the job `job_id` by one that runs `job(slot.name)` at the slot's times under the
    date rules of `calendar` (its weekdays or its one date, less the skipped occurrences, at a
    replaced one's own time); none when `slot` is None (paused or deleted)."""
    if scheduler.get_job(job_id, jobstore="memory") is not None:
        scheduler.remove_job(job_id, jobstore="memory")
    if slot is None:
        return
    trigger = OccurrenceTrigger(slot, calendar, tz)
    scheduler.add_job(
        job, trigger, args=[slot.name], id=job_id, name=f"air slot {slot.name}",
        jobstore="memory", replace_existing=True,
    )  # fmt: skip
