"""The daemon: a thin APScheduler adapter that runs the on-air services at their times.

Only `broadcaster run` builds one; the web app never does. Every job lives in APScheduler's
memory job store, made again from the slots at each start, so no job waits on the database:
the slots fire, and air from the plan kept in memory, while the database does not answer.
Slot jobs have fixed ids, `coalesce=True`, `max_instances=1`, and a misfire grace of
`misfire_grace_minutes` (APScheduler's default is one second). A lease row keeps a second daemon off the
same database. At start, and every minute, slots whose time passed are settled
(`services.onair.settle`): missed ones get their rows, and open ones that still need
airing are handed to the slot executor, never aired inside a housekeeping job (what each
job does is in `jobs`). The heartbeat runs on a thread of its own, so nothing that waits for
the air can starve it; so does the watch (`watch`), which hands air-now and emergency
requests and taken-back bulletins to the arbiter of the air at once.

One voice on air: the lease carries an epoch (a fencing token). The daemon checks it
before each bulletin, and the heartbeat thread renews it every few seconds; the moment
either finds another daemon's epoch, the player on air is killed and this daemon stops
(`LeaseLost`). Players run under a guard that owns their process group and kills it, children
too, when the daemon dies (`onair/guard.py`).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from broadcaster import faultpoints
from broadcaster.clock import Clock, StepWatch, utc_now
from broadcaster.config import Settings
from broadcaster.daemon import jobs
from broadcaster.daemon.housekeeping import (
    clock_the_scheduler,
    re_arm,
    remove_stale_temporaries,
    wait_for_stop,
)
from broadcaster.daemon.jobs import AirJobs
from broadcaster.daemon.watch import Watch
from broadcaster.enums import Outcome
from broadcaster.notes import NoteCode, note
from broadcaster.services import continuity, onair
from broadcaster.services.audio import record_problem
from broadcaster.services.cluster_relay import ClusterRelay
from broadcaster.services.context import VoiceFactory, make_engines
from broadcaster.services.continuity import Journal, Lease, LeaseLost
from broadcaster.services.exceptions import still_happens
from broadcaster.services.onair import Floor, Why
from broadcaster.services.outputs import Output
from broadcaster.services.planning import (
    SlotDef,
    install_slots,
    station_calendar,
    station_slots,
)

logger = logging.getLogger(__name__)


class Daemon(AirJobs):
    """Airs the slots of one database through one output."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        slots: list[SlotDef] | None,
        output: Output,
        clock: Clock = utc_now,
        sleep: Callable[[float], object] | None = None,
        voices: VoiceFactory = make_engines,
    ) -> None:
        self.settings = settings
        self.sessions = session_factory
        # None: the slots of the database (`broadcaster run`); a list is installed first (tests).
        self.given_slots = slots
        self.slots = {slot.name: slot for slot in slots or []}
        self.clock = clock
        self.voices = voices
        self.lease = Lease(session_factory, clock, settings.tz, settings.lease_seconds)
        grace = timedelta(minutes=settings.misfire_grace_minutes)
        self.air = onair.Airwaves(output, grace, sleep or self._pause, Floor(clock))
        self.air.slot_live = lambda o: still_happens(o, self.slots, self.air.calendar, settings.tz)
        # Requests and taken-back bulletins reach the arbiter through the watch, never a job.
        self.watch = Watch(session_factory, self._context, self.air, self._count, self._lose)
        self.air.journal = Journal(settings.var_path / "journal.jsonl")
        # Outcome → how many; bounded, so nothing grows for the life of the process.
        self.counts: Counter[Outcome] = Counter()
        self.lost: LeaseLost | None = None
        self.steps = StepWatch()  # steps of the wall clock, seen by the heartbeat
        self._clock_lock = threading.Lock()
        self._stop = threading.Event()
        # The loudspeaker clusters, when a broker is configured (docs/installation.md: Loudspeaker clusters).
        self.relay = (
            ClusterRelay(settings, session_factory, clock) if settings.clusters_on else None
        )
        clock_the_scheduler()
        self.scheduler = BackgroundScheduler(
            timezone=settings.tz,
            jobstores={"memory": MemoryJobStore()},  # nothing waits on the database
            executors={
                # One worker for slots: two slots never play over each other on one output.
                "default": ThreadPoolExecutor(1),
                "housekeeping": ThreadPoolExecutor(1),
                "journal": ThreadPoolExecutor(1),  # never queued behind a long render
                "prepare": ThreadPoolExecutor(1),  # a slot made ready while a render runs
                "clusters": ThreadPoolExecutor(1),
                "emergencies": ThreadPoolExecutor(1),  # never behind a programme
                "republish": ThreadPoolExecutor(1),  # relays' mounts, never behind a programme
                "evidence": ThreadPoolExecutor(1),  # the chain's first checkpoint, walked once
                "slots": ThreadPoolExecutor(1),  # the slot table's changes, never behind a render
            },
            job_defaults={
                "coalesce": True,  # a backlog of one slot's runs airs once
                "max_instances": 1,
                "misfire_grace_time": int(grace.total_seconds()),
            },
        )

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
            self.check_clock()
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

    def check_clock(self) -> None:
        """Look for a step of the wall clock (the heartbeat does, and settling before it
        judges what was missed); one look at a time."""
        with self._clock_lock:
            if jump := self.steps.step():
                self._clock_stepped(jump)

    def _clock_stepped(self, jump: float) -> None:
        """The wall clock stepped: say so, and re-arm the jobs, which APScheduler would otherwise
        sleep through (after a step back, until the old time comes round again)."""
        logger.warning("the clock stepped by %+.0f s; re-arming the jobs", jump)
        now = self.clock()
        if jump > 0:  # the slots in the stretch jumped over are sealed missed, naming the clock
            self.air.jumped(now - timedelta(seconds=jump), now)
        re_arm(self.scheduler, now.astimezone(self.settings.tz))
        at = now.astimezone(self.settings.tz).strftime("%H:%M:%S %d/%m/%Y")
        try:
            with self.sessions() as session:
                record_problem(
                    self._context(session),
                    note(NoteCode.CLOCK_STEPPED, seconds=f"{jump:+.0f}", at=at),
                )
        except OperationalError as exc:
            logger.warning("could not record the clock step: %s", exc)

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

    def _recover(self) -> None:
        """What an earlier stop left: a player, half-written files, journaled airings, rows."""
        continuity.silence_left_behind(self.settings.var_path)
        folders = [self.settings.audio_dir, getattr(self.air.output, "folder", None)]
        remove_stale_temporaries([f for f in folders if isinstance(f, Path)])
        self.air.since = self.clock()
        self.flush_journal()  # before the rows a killed daemon left `started` are closed
        with self.sessions() as session:
            if self.given_slots is not None:
                install_slots(session, self.given_slots)
                session.commit()
            self.slots = {slot.name: slot for slot in station_slots(self._context(session))}
            self.air.calendar = station_calendar(self._context(session))
            closed = continuity.close_cut_off(self._context(session), self.lease.last_seen)
        continuity.keep_own_epoch(self.settings, self.air.epoch)
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
        jobs.set_running(self)
        try:
            self._recover()
            if self.relay is not None:
                self.relay.start()
            self.scheduler.start(paused=True)
            self.install_jobs()
            self.install_first_jobs()
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
            jobs.set_running(None)
            try:
                self.lease.release()
            except OperationalError as exc:  # a full disk or a locked database at the end
                logger.error("could not release the lease (it lapses by itself): %s", exc)
        if self.lost is not None:
            raise self.lost
