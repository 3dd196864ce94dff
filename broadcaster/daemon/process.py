"""The daemon: a thin APScheduler adapter that runs the on-air services at their times.

Only `broadcaster run` builds one; the web app never does (APScheduler's FAQ: two
schedulers on one job store run jobs twice). Slot jobs live in APScheduler's
SQLAlchemy job store in our database with fixed ids and `replace_existing=True`;
`coalesce=True`, `max_instances=1`, and a misfire grace of `misfire_grace_minutes`
(APScheduler's default is one second). A lease row keeps a second daemon off the
same database. At start, and every minute, slots whose time passed are settled
(`services.onair.settle`): missed ones get their rows, and open ones that still need
airing are handed to the slot executor, never aired inside a housekeeping job. The
heartbeat runs on a thread of its own, so nothing that waits for the air can starve it.

One voice on air: the lease carries an epoch (a fencing token). The daemon checks it
before each bulletin, and the heartbeat thread renews it every few seconds; the moment
either finds another daemon's epoch, the player on air is killed and this daemon stops
(`LeaseLost`). Players run in their own process group and die with the daemon.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from broadcaster import faultpoints
from broadcaster.clock import Clock, utc_now
from broadcaster.config import Settings
from broadcaster.daemon.housekeeping import SteadyJobStore, remove_stale_temporaries, wait_for_stop
from broadcaster.daemon.watch import Watch
from broadcaster.enums import Outcome
from broadcaster.notes import NoteCode, note
from broadcaster.services import air_requests, continuity, onair, planning
from broadcaster.services.audio import record_problem
from broadcaster.services.clusters import ClusterRelay
from broadcaster.services.context import Context, VoiceFactory, make_engines
from broadcaster.services.continuity import Journal, Lease, LeaseLost
from broadcaster.services.onair import AiringResult, Floor, Why
from broadcaster.services.outputs import Output
from broadcaster.services.planning import (
    SlotDef,
    SlotOccurrence,
    install_slots,
    occurrences_between,
)

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 60
JOURNAL_SECONDS = 5  # how often airings waiting for the database are tried again
RENDER_AHEAD_MINUTES = 10
EMERGENCY_POLL_SECONDS = 1  # how often new emergencies are sent to the clusters
PROGRAMME_SECONDS = 15  # a changed programme reaches the clusters within this
SLOT_JOB_PREFIX = "slot:"

# The persistent job store keeps a reference to `air_slot_job` by name, so the job
# functions are module level and find the running daemon here.
_running: "Daemon | None" = None


def _daemon() -> "Daemon":
    if _running is None:
        raise RuntimeError("a daemon job ran without a running daemon")
    return _running


def air_slot_job(slot_name: str) -> None:
    """APScheduler entry point: air the slot that is due now."""
    daemon = _daemon()
    daemon.fenced(daemon.air_slot, slot_name)


def air_occurrence_job(slot_name: str, start: datetime) -> None:
    """APScheduler entry point: air (or resume) one open occurrence found by settling."""
    daemon = _daemon()
    daemon.fenced(daemon.air_occurrence, slot_name, start)


def settle_job() -> None:
    """APScheduler entry point: record missed slots, hand open ones to the slot executor."""
    _daemon().settle_and_dispatch()


def journal_job() -> None:
    """APScheduler entry point: write the airings that waited for the database."""
    _daemon().flush_journal()


def render_ahead_job() -> None:
    """APScheduler entry point: plan the coming day and check its audio."""
    _daemon().render_ahead()


def programmes_job() -> None:
    """APScheduler entry point: send each loudspeaker cluster its programme if it changed."""
    relay = _daemon().relay
    if relay is not None:
        relay.send_programmes()


def emergencies_job() -> None:
    """APScheduler entry point: send a new emergency to every cluster it targets, at once."""
    relay = _daemon().relay
    if relay is not None:
        relay.send_emergencies()


class Daemon:
    """Airs the slots of one database through one output."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        session_factory: sessionmaker[Session],
        slots: list[SlotDef],
        output: Output,
        clock: Clock = utc_now,
        sleep: Callable[[float], object] | None = None,
        voices: VoiceFactory = make_engines,
    ) -> None:
        self.settings = settings
        self.sessions = session_factory
        self.slots = {slot.name: slot for slot in slots}
        self.clock = clock
        self.voices = voices
        self.lease = Lease(session_factory, clock, settings.tz, settings.lease_seconds)
        grace = timedelta(minutes=settings.misfire_grace_minutes)
        self.air = onair.Airwaves(output, grace, sleep or self._pause, Floor(clock))
        # Requests and taken-back bulletins reach the arbiter through the watch, never a job.
        self.watch = Watch(session_factory, self._context, self.air, self._count, self._lose)
        self.air.journal = Journal(settings.var_path / "journal.jsonl")
        # Outcome → how many; bounded, so nothing grows for the life of the process.
        self.counts: Counter[Outcome] = Counter()
        self.lost: LeaseLost | None = None
        self._stop = threading.Event()
        # The loudspeaker clusters, when a broker is configured (docs/installation.md: Loudspeaker clusters).
        self.relay = (
            ClusterRelay(settings, session_factory, clock) if settings.clusters_on else None
        )
        self.scheduler = BackgroundScheduler(
            timezone=settings.tz,
            jobstores={
                "default": SteadyJobStore(engine=engine, tablename="apscheduler_jobs"),
                "memory": MemoryJobStore(),
            },
            executors={
                # One worker for slots: two slots never play over each other on one output.
                "default": ThreadPoolExecutor(1),
                "housekeeping": ThreadPoolExecutor(1),
                "journal": ThreadPoolExecutor(1),  # never queued behind a long render
                "clusters": ThreadPoolExecutor(1),
                "emergencies": ThreadPoolExecutor(1),  # never behind a programme
            },
            job_defaults={
                "coalesce": True,  # a backlog of one slot's runs airs once
                "max_instances": 1,
                "misfire_grace_time": int(grace.total_seconds()),
            },
        )

    def fenced(self, job: Callable[..., object], *args: object) -> None:
        """Run a job that airs; a lost lease stops this daemon instead of failing the job."""
        try:
            job(*args)
        except LeaseLost as exc:
            self._lose(exc)

    def _lose(self, lost: LeaseLost) -> None:
        """Another daemon holds the air now: kill the player at once and stop."""
        if self.lost is None:
            logger.error("%s", lost)
            self.lost = lost
        self.air.shut_down(Why.FENCED)
        self._stop.set()

    def _beat(self, halt: threading.Event) -> None:
        """The heartbeat thread: renew the lease six times a lease until halted or lost."""
        while not halt.wait(self.lease.heartbeat_seconds):
            try:
                ours = self.lease.heartbeat()
            except OperationalError as exc:
                # Locked or busy: nobody can take the lease over through the same outage.
                logger.warning("could not renew the lease (the database did not answer): %s", exc)
                continue
            if not ours:
                try:
                    self.lease.check()
                except LeaseLost as exc:
                    self._lose(exc)
                return

    def _record_player(self, pgid: int | None) -> None:
        """Keep the player's process group on disk and with the lease, before it sounds, so the
        next daemon here can silence it (from the disk while the database does not answer)."""
        try:
            continuity.record_player_on_disk(self.settings.var_path, pgid)
        except OSError as exc:
            logger.warning("could not record the player on disk: %s", exc)
        try:
            self.lease.record_player(pgid)
        except OperationalError as exc:
            logger.warning("could not record the player with the lease: %s", exc)

    def _pause(self, seconds: float) -> None:
        """Wait between retries; a stop cuts the wait short."""
        self.air.stop.wait(seconds)

    def _context(self, session: Session) -> Context:
        return Context(self.settings, session, self.clock, self.voices)

    def _count(self, results: list[AiringResult]) -> list[AiringResult]:
        self.counts.update(result.outcome for result in results)
        return results

    # --- jobs ----------------------------------------------------------------------------

    def air_slot(self, slot_name: str) -> list[AiringResult]:
        """Air the occurrence of `slot_name` that is due now."""
        slot = self.slots.get(slot_name)
        if slot is None:
            logger.warning("slot %s is no longer configured; nothing aired", slot_name)
            return []
        with self.sessions() as session:
            return self._count(onair.air_slot(self._context(session), slot, self.air))

    def air_occurrence(self, slot_name: str, start: datetime) -> list[AiringResult]:
        """Air (or resume) the occurrence of `slot_name` that starts at `start`."""
        slot = self.slots.get(slot_name)
        if slot is None:
            return []
        occurrence = SlotOccurrence(slot, start, start + timedelta(minutes=slot.minutes))
        with self.sessions() as session:
            return self._count(onair.air_occurrence(self._context(session), occurrence, self.air))

    def flush_journal(self) -> None:
        """Write the airings that waited for the database, if it answers now."""
        journal = self.air.journal
        if journal is None or not journal.entries:
            return
        with self.sessions() as session:
            written = continuity.write_journal(self._context(session), journal)
        if written:
            logger.warning("%d airing(s) written from the journal", len(written))
        if journal.trouble is not None and not journal.entries:
            why, since = journal.trouble
            journal.trouble = None
            local = since.astimezone(self.settings.tz).strftime("%H:%M:%S %d/%m/%Y")
            with self.sessions() as session:
                record_problem(
                    self._context(session),
                    note(NoteCode.JOURNAL_WRITTEN, since=local, detail=str(why)),
                )

    def settle(self) -> list[SlotOccurrence]:
        """Record missed slots since this database was first aired; return the open ones due."""
        self.flush_journal()
        with self.sessions() as session:
            ctx = self._context(session)
            since = continuity.tracked_since(ctx)
            return onair.settle(ctx, list(self.slots.values()), since, self.air)

    def settle_and_dispatch(self) -> None:
        """Settle, then give each open occurrence to the slot executor (one voice on air)."""
        for occurrence in self.settle():
            if self.air.current == (occurrence.slot.name, occurrence.start):
                continue  # on air now: the running job goes on with it
            self.scheduler.add_job(
                air_occurrence_job, args=[occurrence.slot.name, occurrence.start],
                id=f"occurrence:{occurrence.slot.name}", jobstore="memory",
                executor="default", replace_existing=True, misfire_grace_time=None,
            )  # fmt: skip

    def render_ahead(self) -> None:
        """Plan the coming day's slots and make sure every planned file is there and intact."""
        with self.sessions() as session:
            planning.render_ahead(
                self._context(session),
                list(self.slots.values()),
                self.settings.render_ahead_hours,
            )
        if self.relay is not None:  # a new plan reaches the clusters at once
            self.relay.send_programmes()

    def serve_requests(self) -> None:
        """Air requests from `air-now` and the web page."""
        with self.sessions() as session:
            self._count(air_requests.serve_requests(self._context(session), self.air))

    # --- lifecycle -------------------------------------------------------------------------

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
            name = job.id.removeprefix(SLOT_JOB_PREFIX)
            if job.id.startswith(SLOT_JOB_PREFIX) and name not in self.slots:
                job.remove()
        for function, seconds, executor in (
            (settle_job, SETTLE_SECONDS, "housekeeping"),
            (render_ahead_job, RENDER_AHEAD_MINUTES * 60, "housekeeping"),
            (journal_job, JOURNAL_SECONDS, "journal"),
        ):
            self.scheduler.add_job(
                function, "interval", seconds=seconds, id=function.__name__,
                jobstore="memory", executor=executor, misfire_grace_time=None,
            )  # fmt: skip
        if self.relay is None:
            return
        for function, seconds, executor in (
            (programmes_job, PROGRAMME_SECONDS, "clusters"),
            (emergencies_job, EMERGENCY_POLL_SECONDS, "emergencies"),
        ):
            self.scheduler.add_job(
                function, "interval", seconds=seconds, id=function.__name__,
                jobstore="memory", executor=executor, misfire_grace_time=None,
            )  # fmt: skip

    def next_airings(self) -> list[tuple[str, datetime]]:
        """Slot names and their next fire times, soonest first."""
        now = self.clock()
        found = occurrences_between(
            list(self.slots.values()), now, now + timedelta(days=8), self.settings.tz
        )
        firsts: dict[str, datetime] = {}
        for occurrence in found:
            firsts.setdefault(occurrence.slot.name, occurrence.start)
        return sorted(firsts.items(), key=lambda pair: pair[1])

    def _recover(self) -> None:
        """What an earlier stop left: a player, half-written files, journaled airings, rows."""
        continuity.silence_left_behind(self.settings.var_path)
        folders = [self.settings.audio_dir, getattr(self.air.output, "folder", None)]
        remove_stale_temporaries([f for f in folders if isinstance(f, Path)])
        self.air.since = self.clock()
        self.flush_journal()  # before the rows a killed daemon left `started` are closed
        with self.sessions() as session:
            install_slots(session, list(self.slots.values()))
            session.commit()
            closed = continuity.close_cut_off(self._context(session))
        if closed:
            logger.warning(
                "%d airing(s) were cut off by an earlier stop; marked interrupted", closed
            )

    def run(
        self,
        stop: threading.Event,
        for_seconds: float | None = None,
        on_ready: Callable[[], object] | None = None,
    ) -> None:
        """Air slots until `stop` is set or `for_seconds` pass; `on_ready` once jobs are in.

        Raises LeaseLost, after stopping everything, when another daemon took the air.
        """
        global _running
        self.air.epoch = self.lease.acquire()
        self.air.fence = self.lease.check
        self.air.on_player = self._record_player
        self._stop = stop
        halt = threading.Event()
        threads = [
            threading.Thread(target=self._beat, args=(halt,), name="lease heartbeat"),
            threading.Thread(target=self.watch.run, args=(halt,), name="air watch"),
        ]
        threads[0].start()
        _running = self
        try:
            self._recover()
            if self.relay is not None:
                self.relay.start()
            self.scheduler.start(paused=True)
            self._install_jobs()
            for first in (settle_job, render_ahead_job):  # before any slot job may fire
                self.scheduler.add_job(
                    first, id=f"{first.__name__}_now", jobstore="memory", executor="housekeeping"
                )
            self.scheduler.resume()
            threads[1].start()
            for name, when in self.next_airings():
                logger.info("slot %s next airs at %s", name, when.astimezone(self.settings.tz))
            if on_ready is not None:
                on_ready()
            wait_for_stop(stop, for_seconds)
        finally:
            self.air.shut_down()  # a bulletin in progress is logged as interrupted
            faultpoints.reach("shutdown")
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            if self.relay is not None:
                self.relay.stop()
            halt.set()
            for thread in threads:
                if thread.is_alive():
                    thread.join()
            self.watch.join()
            _running = None
            try:
                self.lease.release()
            except OperationalError as exc:  # a full disk or a locked database at the end
                logger.error("could not release the lease (it lapses by itself): %s", exc)
        if self.lost is not None:
            raise self.lost
