"""The daemon: an APScheduler scheduler that airs each slot's programme at the slot time.

Only `broadcaster run` builds one; the web app never does (APScheduler's FAQ: two
schedulers on one job store run jobs twice). Slot jobs live in APScheduler's
SQLAlchemy job store in our database with fixed ids and `replace_existing=True`;
`coalesce=True`, `max_instances=1`, and a misfire grace of `misfire_grace_minutes`
(APScheduler's default is one second). A lease row keeps a second daemon off the
same database. At start, and every minute, slots whose time passed are settled:
a slot cut short by a crash resumes while it lasts, one missed by more than the
grace gets a `missed` row per planned bulletin. A look-ahead job renders and
verifies the next 24 hours' audio, so a dead network at air time changes nothing.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from broadcaster import audio
from broadcaster.airing import AiringResult, air_entry, air_now, close_interrupted, record_missed
from broadcaster.clock import Clock, utc_now
from broadcaster.config import Settings
from broadcaster.db import Airing, AirRequest, DaemonLease, Problem, ProgrammeEntry, Script
from broadcaster.lease import Lease
from broadcaster.outputs import Cancel, Output
from broadcaster.programme import entries_for, plan_occurrence
from broadcaster.render import RenderFailed, current_rendering, make_engines, render_script
from broadcaster.slots import SlotDef, SlotOccurrence, latest_occurrence, occurrences_between

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
SETTLE_SECONDS = 60
RENDER_AHEAD_MINUTES = 10
REQUEST_POLL_SECONDS = 1
SLOT_JOB_PREFIX = "slot:"
LOOKBACK = timedelta(days=8)

# The persistent job store keeps a reference to `air_slot_job` by name, so the job
# functions are module level and find the running daemon here.
_running: "Daemon | None" = None


def air_slot_job(slot_name: str) -> None:
    """APScheduler entry point: air the slot that is due now."""
    if _running is None:
        raise RuntimeError("air_slot_job ran without a running daemon")
    _running.air_slot(slot_name)


def _call(method: str) -> None:
    if _running is not None:
        getattr(_running, method)()


def heartbeat_job() -> None:
    """APScheduler entry point: renew the daemon's lease."""
    if _running is not None:
        _running.lease.heartbeat()


def settle_job() -> None:
    """APScheduler entry point: resume or mark missed the slots whose time has passed."""
    _call("settle")


def render_ahead_job() -> None:
    """APScheduler entry point: render and verify the coming day's audio."""
    _call("render_ahead")


def requests_job() -> None:
    """APScheduler entry point: air what `air-now` asked for."""
    _call("serve_requests")


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
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self.engine = engine
        self.sessions = session_factory
        self.slots = {slot.name: slot for slot in slots}
        self.output = output
        self.clock = clock
        self.grace = timedelta(minutes=settings.misfire_grace_minutes)
        self.lease = Lease(session_factory, clock, settings.tz)
        self.results: list[AiringResult] = []
        self.stop_event = threading.Event()
        # An emergency sets `preempt` (the playing bulletin stops) and holds `on_air`
        # while it plays; scheduled airing waits on `clear_air`, then resumes.
        self.preempt = Cancel()
        self.clear_air = threading.Event()
        self.clear_air.set()
        self.on_air = threading.Lock()
        self.scheduler = BackgroundScheduler(
            timezone=settings.tz,
            jobstores={
                "default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs"),
                "memory": MemoryJobStore(),
            },
            executors={
                # One worker for slots: two slots never play over each other on one output.
                "default": ThreadPoolExecutor(1),
                "housekeeping": ThreadPoolExecutor(1),
                "requests": ThreadPoolExecutor(1),
            },
            job_defaults={
                "coalesce": True,  # a backlog of one slot's runs airs once
                "max_instances": 1,
                "misfire_grace_time": int(self.grace.total_seconds()),
            },
        )

    # --- problems and audio ----------------------------------------------------

    def problem(self, session: Session, message: str) -> None:
        """Log a problem and keep it for the status page."""
        logger.error("%s", message)
        session.add(Problem(at=self.clock(), message=message))
        session.commit()

    def ensure_audio(self, session: Session, entry: ProgrammeEntry) -> bool:
        """Check the entry's file (exists, sha256 matches); re-render it if not. False if that fails."""
        path = self.settings.var_path / entry.rendering.audio_path
        if path.is_file() and audio.file_sha256(path) == entry.rendering.sha256:
            return True
        script = session.get_one(Script, entry.script_id)
        try:
            result = render_script(
                session,
                script,
                make_engines(self.settings.engine, self.settings),
                self.settings,
                self.clock(),
            )
        except RenderFailed as exc:
            session.rollback()
            self.problem(
                session,
                f"Audio of script {script.id} ({script.title}) is missing and could not be re-rendered: {exc}",
            )
            return False
        entry.rendering_id = result.rendering_id
        session.commit()
        session.refresh(entry)
        logger.warning("re-rendered the missing or damaged audio of script %s", script.id)
        return True

    # --- airing ------------------------------------------------------------

    def _air_occurrence(self, session: Session, occurrence: SlotOccurrence) -> list[AiringResult]:
        entries = plan_occurrence(session, occurrence, self.settings.tz)
        session.commit()
        if not entries:
            logger.warning(
                "slot %s at %s: no approved, rendered bulletin to air",
                occurrence.slot.name,
                occurrence.start,
            )
        results = []
        for entry in entries:
            if self.clock() >= occurrence.end or self.stop_event.is_set():
                break
            if not self.ensure_audio(session, entry):
                continue  # the slot airs what else it holds; the problem is logged and shown
            self.clear_air.wait()
            with self.on_air:
                result = air_entry(
                    session, entry, self.output, self.settings, self.clock,
                    deadline=occurrence.end, sleep=self._sleep or self.stop_event.wait,
                    cancel=self.preempt,
                )  # fmt: skip
            if result is not None:
                results.append(result)
                logger.info(
                    "slot %s: script %s %s", occurrence.slot.name, result.script_id, result.outcome
                )
        self.results.extend(results)
        return results

    def air_slot(self, slot_name: str) -> list[AiringResult]:
        """Air the occurrence of `slot_name` that is due now, unless it is later than the grace."""
        slot = self.slots.get(slot_name)
        now = self.clock()
        occurrence = latest_occurrence(slot, now, self.settings.tz) if slot else None
        if occurrence is None:
            logger.warning("slot %s fired at %s with no occurrence; nothing aired", slot_name, now)
            return []
        with self.sessions() as session:
            if now - occurrence.start > self.grace:
                self._mark_missed(session, occurrence, now)
                return []
            return self._air_occurrence(session, occurrence)

    def _mark_missed(self, session: Session, occurrence: SlotOccurrence, now: datetime) -> None:
        local = occurrence.start.astimezone(self.settings.tz).strftime("%H:%M %d/%m/%Y")
        reason = (
            f"Not aired: the slot {occurrence.slot.name} at {local} passed while the daemon was "
            f"stopped or more than {self.settings.misfire_grace_minutes} minutes late."
        )
        for entry in plan_occurrence(session, occurrence, self.settings.tz):
            if (
                session.scalar(
                    select(Airing.id).where(Airing.programme_entry_id == entry.id).limit(1)
                )
                is None
            ):
                self.results.append(record_missed(session, entry, reason, self.settings, now))
        session.commit()

    def settle(self) -> None:
        """Resume a slot cut short while it lasts; give every passed, unaired entry its `missed` row."""
        now = self.clock()
        with self.sessions() as session:
            lease = session.get(DaemonLease, 1)
            since = max(
                lease.tracked_since if lease and lease.tracked_since else now, now - LOOKBACK
            )
            for occurrence in occurrences_between(
                list(self.slots.values()), since, now, self.settings.tz
            ):
                entries = entries_for(session, occurrence.slot.name, occurrence.start)
                began = any(
                    session.scalar(
                        select(Airing.id).where(Airing.programme_entry_id == e.id).limit(1)
                    )
                    for e in entries
                )
                late = now - occurrence.start > self.grace
                if began and now < occurrence.end:
                    self._air_occurrence(session, occurrence)  # cut short by a crash: go on
                elif late:
                    self._mark_missed(session, occurrence, now)

    def render_ahead(self) -> None:
        """Plan the coming day's slots and make sure every planned file is there and intact."""
        now = self.clock()
        horizon = now + timedelta(hours=self.settings.render_ahead_hours)
        with self.sessions() as session:
            for occurrence in occurrences_between(
                list(self.slots.values()), now, horizon, self.settings.tz
            ):
                entries = plan_occurrence(session, occurrence, self.settings.tz)
                session.commit()
                for entry in entries:
                    self.ensure_audio(session, entry)

    def serve_requests(self) -> None:
        """Air requests from `air-now`: an emergency preempts the bulletin on air."""
        with self.sessions() as session:
            pending = session.scalars(
                select(AirRequest)
                .where(AirRequest.handled_at.is_(None))
                .order_by(AirRequest.emergency.desc(), AirRequest.id)
            ).all()
            for request in pending:
                self._serve(session, request)

    def _serve(self, session: Session, request: AirRequest) -> None:
        script = session.get_one(Script, request.script_id)
        rendering = current_rendering(session, script)
        if request.emergency:
            self.clear_air.clear()
            self.preempt.set()
        try:
            with self.on_air:
                self.preempt.clear()
                if rendering is None or script.status != "approved":
                    request.handled_at = self.clock()
                    session.commit()
                    self.problem(
                        session,
                        f"Air-now request {request.id}: script {script.id} is not approved with audio.",
                    )
                    return
                result = air_now(session, script, rendering, self.output, self.settings, self.clock)
                request.handled_at, request.airing_id = self.clock(), result.airing_id
                session.commit()
                self.results.append(result)
        finally:
            self.clear_air.set()

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
                air_slot_job, trigger, args=[slot.name], id=job_id,
                name=f"air slot {slot.name}", replace_existing=True,
            )  # fmt: skip
        for job in self.scheduler.get_jobs(jobstore="default"):
            if (
                job.id.startswith(SLOT_JOB_PREFIX)
                and job.id[len(SLOT_JOB_PREFIX) :] not in self.slots
            ):
                job.remove()
        for function, seconds, executor in (
            (heartbeat_job, HEARTBEAT_SECONDS, "housekeeping"),
            (settle_job, SETTLE_SECONDS, "housekeeping"),
            (render_ahead_job, RENDER_AHEAD_MINUTES * 60, "housekeeping"),
            (requests_job, REQUEST_POLL_SECONDS, "requests"),
        ):
            self.scheduler.add_job(
                function, "interval", seconds=seconds, id=function.__name__,
                jobstore="memory", executor=executor, misfire_grace_time=None,
            )  # fmt: skip

    def next_airings(self) -> list[tuple[str, datetime]]:
        """Slot names and their next fire times, soonest first."""
        jobs = [j for j in self.scheduler.get_jobs() if j.id.startswith(SLOT_JOB_PREFIX)]
        return sorted(((j.args[0], j.next_run_time) for j in jobs), key=lambda pair: pair[1])

    def run(self, stop: threading.Event, for_seconds: float | None = None) -> None:
        """Air slots until `stop` is set or `for_seconds` pass."""
        global _running
        self.lease.acquire()
        self.stop_event = stop
        _running = self
        try:
            with self.sessions() as session:
                closed = close_interrupted(session, self.settings, self.clock())
            if closed:
                logger.warning(
                    "%d airing(s) were cut off by an earlier stop; marked interrupted", closed
                )
            self.scheduler.start(paused=True)
            self._install_jobs()
            self.scheduler.resume()
            self.scheduler.add_job(
                render_ahead_job, id="render_ahead_now", jobstore="memory", executor="housekeeping"
            )
            self.scheduler.add_job(settle_job, id="settle_now", jobstore="memory")
            for name, when in self.next_airings():
                logger.info("slot %s next airs at %s", name, when.astimezone(self.settings.tz))
            stop.wait(for_seconds)
        finally:
            if self.scheduler.running:
                self.preempt.stopping = True  # a bulletin in progress is logged as interrupted
                self.preempt.set()
                self.scheduler.shutdown(wait=True)
            _running = None
            self.lease.release()
