"""The daemon: an APScheduler scheduler that airs each slot's programme at the slot time.

Only `broadcaster run` builds one; the web app never does. Slot jobs live in
APScheduler's SQLAlchemy job store in our own database, with explicit ids and
`replace_existing=True`, so a restart updates them instead of adding copies.
A lease row in the database keeps a second daemon from starting on it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from broadcaster.airing import AiringResult, air_entry, close_interrupted
from broadcaster.clock import Clock, utc_now
from broadcaster.config import Settings
from broadcaster.db import DaemonLease
from broadcaster.outputs import Output
from broadcaster.programme import plan_occurrence
from broadcaster.slots import SlotDef, latest_occurrence

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30
HEARTBEAT_SECONDS = 10
SLOT_JOB_PREFIX = "slot:"

# The persistent job store keeps a reference to `air_slot_job` by name, so the job
# function is module level and finds the running daemon here.
_running: "Daemon | None" = None


class DaemonBusy(Exception):
    """Another daemon holds this database."""


def air_slot_job(slot_name: str) -> None:
    """APScheduler entry point: air the slot that is due now."""
    if _running is None:
        raise RuntimeError("air_slot_job ran without a running daemon")
    _running.air_slot(slot_name)


def heartbeat_job() -> None:
    """APScheduler entry point: renew the daemon's lease."""
    if _running is not None:
        _running.heartbeat()


class Daemon:
    """Airs the slots of one database through one output."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        session_factory: sessionmaker,
        slots: list[SlotDef],
        output: Output,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = session_factory
        self.slots = {slot.name: slot for slot in slots}
        self.output = output
        self.clock = clock
        self.holder = f"{socket.gethostname()} pid {os.getpid()}"
        self.results: list[AiringResult] = []
        self.scheduler = BackgroundScheduler(
            timezone=settings.tz,
            jobstores={
                "default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs"),
                "memory": MemoryJobStore(),
            },
            # One worker: two slots never play over each other on one output.
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={
                "coalesce": True,  # a backlog of one slot's runs airs once
                "max_instances": 1,
                "misfire_grace_time": settings.misfire_grace_minutes * 60,
            },
        )

    # --- lease -------------------------------------------------------------

    def acquire(self) -> None:
        """Take the database's daemon lease, or raise DaemonBusy naming the holder."""
        now = self.clock()
        with self.sessions() as session:
            try:
                session.add(DaemonLease(id=1, holder=self.holder, heartbeat_at=now))
                session.commit()
                return
            except IntegrityError:
                session.rollback()
            stale = now - timedelta(seconds=LEASE_SECONDS)
            taken = session.execute(
                update(DaemonLease)
                .where(DaemonLease.id == 1)
                .where((DaemonLease.holder == self.holder) | (DaemonLease.heartbeat_at < stale))
                .values(holder=self.holder, heartbeat_at=now)
            )
            session.commit()
            if taken.rowcount != 1:
                lease = session.get_one(DaemonLease, 1)
                local = lease.heartbeat_at.astimezone(self.settings.tz).strftime("%H:%M:%S")
                raise DaemonBusy(
                    f"Another daemon ({lease.holder}) is running on this database "
                    f"(last heartbeat {local}); stop it first."
                )

    def heartbeat(self) -> None:
        """Renew the lease."""
        with self.sessions() as session:
            session.execute(
                update(DaemonLease)
                .where(DaemonLease.id == 1, DaemonLease.holder == self.holder)
                .values(heartbeat_at=self.clock())
            )
            session.commit()

    def release(self) -> None:
        """Give the lease up so the next daemon can start at once."""
        with self.sessions() as session:
            session.execute(
                update(DaemonLease)
                .where(DaemonLease.id == 1, DaemonLease.holder == self.holder)
                .values(heartbeat_at=datetime(2000, 1, 1, tzinfo=timezone.utc))
            )
            session.commit()

    # --- airing ------------------------------------------------------------

    def air_slot(self, slot_name: str) -> list[AiringResult]:
        """Plan the occurrence of `slot_name` that is due now, then air its entries in order."""
        slot = self.slots.get(slot_name)
        now = self.clock()
        occurrence = latest_occurrence(slot, now, self.settings.tz) if slot else None
        if occurrence is None or now >= occurrence.end:
            logger.warning(
                "slot %s fired at %s with no current occurrence; nothing aired", slot_name, now
            )
            return []
        results = []
        with self.sessions() as session:
            entries = plan_occurrence(session, occurrence, self.settings.tz)
            session.commit()
            if not entries:
                logger.warning(
                    "slot %s at %s: no approved, rendered bulletin to air", slot_name, now
                )
            for entry in entries:
                result = air_entry(session, entry, self.output, self.settings, self.clock)
                if result is not None:
                    results.append(result)
                    logger.info(
                        "slot %s: script %s %s", slot_name, result.script_id, result.outcome
                    )
        self.results.extend(results)
        return results

    # --- lifecycle ---------------------------------------------------------

    def _install_jobs(self) -> None:
        """Add or update one cron job per slot; drop jobs of slots that no longer exist.

        Runs while the scheduler is paused. A stored job whose trigger is unchanged is
        kept as it is, so a slot missed while the daemon was down still airs late
        within the grace time when the scheduler resumes.
        """
        for slot in self.slots.values():
            trigger = CronTrigger(
                day_of_week=",".join(slot.days),
                hour=slot.start.hour,
                minute=slot.start.minute,
                second=slot.start.second,
                timezone=self.settings.tz,
            )
            job_id = SLOT_JOB_PREFIX + slot.name
            stored = self.scheduler.get_job(job_id, jobstore="default")
            if stored is not None and str(stored.trigger) == str(trigger):
                continue
            self.scheduler.add_job(
                air_slot_job,
                trigger,
                args=[slot.name],
                id=job_id,
                name=f"air slot {slot.name}",
                replace_existing=True,
            )
        for job in self.scheduler.get_jobs(jobstore="default"):
            if (
                job.id.startswith(SLOT_JOB_PREFIX)
                and job.id[len(SLOT_JOB_PREFIX) :] not in self.slots
            ):
                job.remove()
        self.scheduler.add_job(
            heartbeat_job, "interval", seconds=HEARTBEAT_SECONDS, id="heartbeat", jobstore="memory"
        )

    def next_airings(self) -> list[tuple[str, datetime]]:
        """Slot names and their next fire times, soonest first."""
        jobs = [j for j in self.scheduler.get_jobs() if j.id.startswith(SLOT_JOB_PREFIX)]
        return sorted(((j.args[0], j.next_run_time) for j in jobs), key=lambda pair: pair[1])

    def run(self, stop: threading.Event, for_seconds: float | None = None) -> None:
        """Air slots until `stop` is set or `for_seconds` pass."""
        global _running
        self.acquire()
        _running = self
        try:
            with self.sessions() as session:
                closed = close_interrupted(session, self.clock())
            if closed:
                logger.warning(
                    "%d airing(s) were cut off by an earlier stop; marked interrupted", closed
                )
            self.scheduler.start(paused=True)
            self._install_jobs()
            self.scheduler.resume()
            for name, when in self.next_airings():
                logger.info("slot %s next airs at %s", name, when.astimezone(self.settings.tz))
            stop.wait(for_seconds)
        finally:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            _running = None
            self.release()
