"""The daemon's jobs: what each scheduled job does, and the jobs installed in the scheduler.

APScheduler calls the module-level entry points below; they find the running daemon here
(`set_running`) and call its job methods (`AirJobs`). `process.Daemon` adds the process around
the jobs: the lease and its heartbeat, the watch, start and stop.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from broadcaster.clock import Clock
from broadcaster.config import Settings
from broadcaster.daemon.housekeeping import install_slot_job
from broadcaster.enums import Outcome
from broadcaster.notes import NoteCode, note
from broadcaster.services import air_requests, continuity, onair, planning, prepare, reports
from broadcaster.services.audio import record_problem
from broadcaster.services.cluster_relay import ClusterRelay
from broadcaster.services.context import Context, VoiceFactory
from broadcaster.services.continuity import LeaseLost
from broadcaster.services.exceptions import (
    changed_slots,
    occurrences,
    relay_withdrawn,
    starting_at,
)
from broadcaster.services.onair import AiringResult
from broadcaster.services.planning import SlotDef, SlotOccurrence, station_calendar

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 60
JOURNAL_SECONDS = 5  # how often airings waiting for the database are tried again
RENDER_AHEAD_MINUTES = 10
EMERGENCY_POLL_SECONDS = 1  # how often new emergencies are sent to the clusters
PROGRAMME_SECONDS = 15  # a changed programme reaches the clusters within this
REPUBLISH_SECONDS = 5  # a relay's mount is up within this of LEAD before its start
SLOTS_SECONDS = 5  # a slot changed on the page or with `broadcaster slots` is taken within this
SLOT_JOB_PREFIX = "slot:"

# The job functions are module level (APScheduler's style) and find the running daemon here.
_running: "AirJobs | None" = None


def set_running(daemon: "AirJobs | None") -> None:
    """The daemon the jobs run for (None once it stopped)."""
    global _running
    _running = daemon


def _daemon() -> "AirJobs":
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


def follow_slots_job() -> None:
    """APScheduler entry point: take the slot table's changes without a restart (a database
    that does not answer leaves the slots as they were until the next look)."""
    daemon = _daemon()
    daemon.fenced(daemon.follow_slots)


def settle_job() -> None:
    """APScheduler entry point: record missed slots, hand open ones to the slot executor."""
    _daemon().settle_and_dispatch()


def journal_job() -> None:
    """APScheduler entry point: write the airings that waited for the database."""
    _daemon().flush_journal()


def prepare_job() -> None:
    """APScheduler entry point: make the slots of the next half minute ready to air."""
    _daemon().prepare()


def render_ahead_job() -> None:
    """APScheduler entry point: plan the coming day and check its audio."""
    _daemon().render_ahead()


def checkpoint_job() -> None:
    """APScheduler entry point, once at the start: the chain's first verified checkpoint when
    it has none, so that no report walks the whole chain."""
    _daemon().make_checkpoint()


def programmes_job() -> None:
    """APScheduler entry point: send each loudspeaker cluster its programme if it changed."""
    relay = _daemon().relay
    if relay is not None:
        relay.send_programmes()


def republish_job() -> None:
    """APScheduler entry point: keep each live relay published to the clusters' Icecast mount."""
    relay = _daemon().relay
    if relay is not None:
        relay.republish()


def emergencies_job() -> None:
    """APScheduler entry point: send a new emergency to every cluster it targets, at once."""
    relay = _daemon().relay
    if relay is not None:
        relay.send_emergencies()


def _install(jobs: "AirJobs", name: str) -> None:
    """The cron job of slot `name` as it is now (none when it is paused or gone)."""
    install_slot_job(
        jobs.scheduler, air_slot_job, SLOT_JOB_PREFIX + name, jobs.slots.get(name),
        jobs.settings.tz, jobs.air.calendar,
    )  # fmt: skip


class AirJobs:
    """What the daemon's jobs do, each in a session of its own."""

    settings: Settings
    sessions: sessionmaker[Session]
    slots: dict[str, SlotDef]
    clock: Clock
    voices: VoiceFactory
    air: onair.Airwaves
    counts: Counter[Outcome]
    relay: ClusterRelay | None
    scheduler: BackgroundScheduler

    def fenced(self, job: Callable[..., object], *args: object) -> None:
        """Run a job that airs; a lost lease stops this daemon instead of failing the job, and a
        database that stopped answering ends only this run (settling takes the slot up again)."""
        try:
            job(*args)
        except LeaseLost as exc:
            self._lose(exc)
        except OperationalError as exc:
            logger.error("%s%s stopped: the database did not answer (%s)", job.__name__, args, exc)

    def _lose(self, lost: LeaseLost) -> None:
        raise NotImplementedError  # the process stops (process.Daemon)

    def check_clock(self) -> None:
        raise NotImplementedError  # the process watches the clock (process.Daemon)

    def _context(self, session: Session) -> Context:
        return Context(self.settings, session, self.clock, self.voices)

    def _count(self, results: list[AiringResult]) -> list[AiringResult]:
        self.counts.update(result.outcome for result in results)
        return results

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
        occurrence = starting_at(slot, start, self.settings.tz, self.air.calendar) if slot else None
        if occurrence is None:  # gone, paused, skipped or moved meanwhile
            return []
        with self.sessions() as session:
            return self._count(onair.air_occurrence(self._context(session), occurrence, self.air))

    def follow_slots(self) -> None:
        """Take each slot added, changed, paused, deleted or moved by a date rule: `SlotGone` to
        the arbiter (the bulletin on air finishes, no more of that occurrence), then its job anew."""
        with self.sessions() as session:
            found = {slot.name: slot for slot in planning.station_slots(self._context(session))}
            rules = station_calendar(self._context(session))
        air, now, tz = self.air, self.clock(), self.settings.tz
        changed = changed_slots(self.slots, found, air.calendar, rules, now, tz)
        before, was, on_air = self.slots, air.calendar, air.current
        self.slots, air.calendar = found, rules
        for name in changed:
            self.air.prepared = {k: v for k, v in self.air.prepared.items() if k[0] != name}
            gone = relay_withdrawn(on_air, name, before.get(name), found.get(name), was, rules, tz)
            self.air.floor.report(onair.SlotGone(name, self.clock(), gone))
            _install(self, name)
        if changed:
            logger.warning("slots changed: %s; from their next occurrence on", ", ".join(changed))

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
        self.check_clock()  # a step not yet seen would be taken for slots missed late
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
        """Plan the coming hours' slots, make sure every planned file is there and intact, and
        keep that plan in memory for the slots to air from while the database does not answer."""
        hours = self.settings.render_ahead_hours
        with self.sessions() as session:
            planning.render_ahead(self._context(session), list(self.slots.values()), hours)
        with self.sessions() as session:  # closed: the entries stay, loaded and detached
            self.air.kept = planning.keep_plan(self._context(session), hours)
        if self.relay is not None:  # a new plan reaches the clusters at once
            self.relay.send_programmes()

    def prepare(self) -> None:
        """Plan the slots about to start, hash their files, warm the player (services/prepare)."""
        with self.sessions() as session:
            prepare.prepare_due(self._context(session), list(self.slots.values()), self.air)

    def make_checkpoint(self) -> None:
        """Walk the whole chain once and keep its head as the verified checkpoint, when there
        is none (after an upgrade, a restore or a lost var/): the reports then walk only what
        is new. It runs in an executor of its own, so no housekeeping waits behind it."""
        with self.sessions() as session:
            made = reports.make_checkpoint(self._context(session))
        if made is None:
            return
        if made.ok:
            logger.info("first verified checkpoint made: %s", made.sentence())
        else:
            logger.error("the chain did not verify at the start: %s", made.sentence())

    def serve_requests(self) -> None:
        """Air requests from `air-now` and the web page."""
        with self.sessions() as session:
            self._count(air_requests.serve_requests(self._context(session), self.air))

    # --- lifecycle -------------------------------------------------------------------------

    def install_jobs(self) -> None:
        """Add one cron job per slot, and the housekeeping jobs, to the memory job store.

        Runs while the scheduler is paused. Every job lives in memory, made again from the
        slots at each start, so no job waits on the database: the slots of the next
        `render_ahead_hours` fire from memory, and air from the plan kept in memory, while
        the database does not answer. A slot missed while the daemon was down airs late
        within the grace time through settling, which runs first.
        """
        for name in self.slots:
            _install(self, name)
        every = [
            (follow_slots_job, SLOTS_SECONDS, "slots"),
            (settle_job, SETTLE_SECONDS, "housekeeping"),
            (render_ahead_job, RENDER_AHEAD_MINUTES * 60, "housekeeping"),
            (journal_job, JOURNAL_SECONDS, "journal"),
            (prepare_job, prepare.PREPARE_EVERY, "prepare"),
        ]
        if self.relay is not None:  # the loudspeaker clusters
            every += [
                (programmes_job, PROGRAMME_SECONDS, "clusters"),
                (emergencies_job, EMERGENCY_POLL_SECONDS, "emergencies"),
                (republish_job, REPUBLISH_SECONDS, "republish"),
            ]
        for function, seconds, executor in every:
            self.scheduler.add_job(
                function, "interval", seconds=seconds, id=function.__name__,
                jobstore="memory", executor=executor, misfire_grace_time=None,
            )  # fmt: skip

    def install_first_jobs(self) -> None:
        """The jobs that run once at the start: settling and planning, before any slot job may
        fire; beside them, on an executor of its own, the chain's first checkpoint when it has
        none (walked once, here, not by the reports)."""
        for first, executor in (
            (settle_job, "housekeeping"), (render_ahead_job, "housekeeping"),
            (checkpoint_job, "evidence"),
        ):  # fmt: skip
            self.scheduler.add_job(
                first, id=f"{first.__name__}_now", jobstore="memory", executor=executor,
                misfire_grace_time=None,  # even past a clock step
            )  # fmt: skip

    def next_airings(self) -> list[tuple[str, datetime]]:
        """Slot names and their next fire times, soonest first."""
        now = self.clock()
        week, slots = now + timedelta(days=8), list(self.slots.values())
        found = occurrences(slots, now, week, self.settings.tz, self.air.calendar)
        firsts: dict[str, datetime] = {}
        for occurrence in found:
            firsts.setdefault(occurrence.slot.name, occurrence.start)
        return sorted(firsts.items(), key=lambda pair: pair[1])
