"""On-air use cases: air a slot, settle the slots that passed, serve air-now requests, air now.

The daemon calls these from its scheduler jobs; `air-now` and the web page call
`air_now`. One `Airwaves` holds what airing shares across jobs: the output, the lock
that keeps one voice on air, and the cancel an emergency or a stop uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from broadcaster import faultpoints, notes
from broadcaster.enums import Outcome, Priority, SlotKind, Status
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import audit
from broadcaster.notes import Note, NoteCode, note
from broadcaster.onair.airing import AiringResult as AiringResult
from broadcaster.onair.airing import air_entry, record_missed
from broadcaster.onair.airing import air_now as air_script_now
from broadcaster.onair.airwaves import Airwaves as Airwaves
from broadcaster.onair.arbiter import Claim, Kind
from broadcaster.onair.arbiter import SlotGone as SlotGone
from broadcaster.onair.arbiter import Why as Why
from broadcaster.onair.floor import Floor as Floor
from broadcaster.onair.lateness import late_start
from broadcaster.onair.lease import lease_is_alive
from broadcaster.onair.outputs import Output
from broadcaster.programme.exceptions import latest, occurrences
from broadcaster.programme.planning import entries_for, plan_occurrence
from broadcaster.programme.slots import SlotDef, SlotOccurrence
from broadcaster.services import relaying
from broadcaster.services.audio import ensure_audio
from broadcaster.services.clusters import known_zones
from broadcaster.services.context import Context
from broadcaster.services.prepare import prepared_entries
from broadcaster.services.scripts import get_script
from broadcaster.store.db import Airing, AirRequest, ProgrammeEntry
from broadcaster.store.renderings import current_rendering, rendering_intact

logger = logging.getLogger(__name__)

LOOKBACK = timedelta(days=8)
# Why a slot's bulletin the arbiter dropped gets its `missed` row.
PASSED_OVER = {
    Why.STOPPING: NoteCode.MISSED_DAEMON_STOPPED,
    Why.FENCED: NoteCode.MISSED_CUT_OFF,
    Why.TAKEN_BACK: NoteCode.MISSED_TAKEN_BACK,
    Why.SLOT_GONE: NoteCode.MISSED_SLOT_CHANGED,
    Why.DONE: NoteCode.MISSED_CUT_OFF,
    Why.EMERGENCY: NoteCode.MISSED_CUT_OFF,
}


def air_occurrence(ctx: Context, occurrence: SlotOccurrence, air: Airwaves) -> list[AiringResult]:
    """Air what is planned for one occurrence (planning it first if it has not begun); from the
    plan kept in memory when the database does not answer. A relay slot relays its stream."""
    if occurrence.slot.kind == SlotKind.RELAY:
        return relaying.air_relay(ctx, occurrence, air)
    key = (occurrence.slot.name, occurrence.start)
    try:
        if key in air.prepared:  # planned and checked ahead: air it as planned
            entries = prepared_entries(ctx.session, *key)
        else:
            entries = plan_occurrence(ctx.session, occurrence, ctx.settings.tz)
            ctx.session.commit()
    except OperationalError as exc:
        ctx.session.rollback()
        entries = air.kept.get((occurrence.slot.name, occurrence.start), [])
        logger.error(
            "slot %s: the database did not answer (%s); airing the %d bulletin(s) of the plan "
            "kept in memory",
            occurrence.slot.name, exc.orig, len(entries),
        )  # fmt: skip
    if not entries:
        logger.warning(
            "slot %s at %s: no approved, rendered bulletin to air",
            occurrence.slot.name,
            occurrence.start,
        )
    air.current = (occurrence.slot.name, occurrence.start)
    try:
        return _air_entries(ctx, occurrence, entries, air)
    finally:
        air.current = None


def _air_entries(
    ctx: Context, occurrence: SlotOccurrence, entries: list[ProgrammeEntry], air: Airwaves
) -> list[AiringResult]:
    results: list[AiringResult] = []
    ids = [entry.id for entry in entries]  # read now: a rollback mid-slot expires the entries
    for entry_id, planned in zip(ids, entries, strict=True):
        entry = _readable(ctx, planned, entry_id, occurrence, air)
        if entry is None:
            air.passed_over.setdefault(entry_id, Note(NoteCode.MISSED_CUT_OFF))
            continue
        if air.stop.is_set():
            air.passed_over.setdefault(entry.id, Note(NoteCode.MISSED_DAEMON_STOPPED))
            continue
        if ctx.now() >= occurrence.end:
            air.passed_over.setdefault(entry.id, Note(NoteCode.MISSED_SLOT_FULL))
            continue
        if not air.slot_live(occurrence):  # changed, paused, deleted or skipped while it aired
            results.append(_slot_changed(ctx, entry, occurrence))
            continue
        if not _audio_ready(ctx, entry):
            air.passed_over[entry.id] = Note(NoteCode.MISSED_NO_AUDIO)
            continue  # the slot airs what else it holds; the problem is logged and shown
        claim = Claim(
            f"entry:{entry.id}", Kind.SLOT, entry.script_id, entry.script.title,
            slot=occurrence.slot.name, version=entry.script.content_hash,
        )  # fmt: skip
        dropped = air.floor.take(claim, cancel := air.cancel(claim))
        if dropped == Why.SLOT_GONE:
            results.append(_slot_changed(ctx, entry, occurrence))
            continue
        if dropped is not None:
            air.passed_over.setdefault(entry.id, Note(PASSED_OVER[dropped]))
            continue
        result = None
        try:
            air.fence()
            result = air_entry(
                ctx.session, entry, air.output, ctx.settings, ctx.clock,
                deadline=occurrence.end, sleep=air.sleep, cancel=cancel, epoch=air.epoch,
                fence=air.fence, journal=air.journal, late=None if results else _late(ctx, occurrence, air),
            )  # fmt: skip
        finally:
            air.floor.done(claim, failed=result is not None and result.outcome == Outcome.FAILED)
        if result is not None:
            air.passed_over.pop(entry.id, None)
            results.append(result)
            logger.info(
                "slot %s: script %s %s", occurrence.slot.name, result.script_id, result.outcome
            )
        faultpoints.reach("between_bulletins")
    return results


def _slot_changed(ctx: Context, entry: ProgrammeEntry, occurrence: SlotOccurrence) -> AiringResult:
    """The `missed` row of a bulletin whose slot changed while it aired (the bulletin on air
    then finished; the rest of that occurrence does not air, the change applies from the next)."""
    local = occurrence.start.astimezone(ctx.settings.tz).strftime("%H:%M %d/%m/%Y")
    reason = note(NoteCode.MISSED_SLOT_CHANGED, slot=occurrence.slot.name, at=local)
    result = record_missed(ctx.session, entry, reason, ctx.settings, ctx.now())
    ctx.session.commit()
    return result


def _late(ctx: Context, occurrence: SlotOccurrence, air: Airwaves) -> Note | None:
    """Why the slot's first bulletin starts late, if it does (`onair/lateness.py`)."""
    trouble = air.journal.trouble if air.journal is not None else None
    return late_start(
        occurrence.start, ctx.now(), ctx.settings.tz, daemon_since=air.since,
        database_trouble=trouble[1] if trouble else None, jumps=air.jumps,
    )  # fmt: skip


def _readable(
    ctx: Context, entry: ProgrammeEntry, entry_id: int, occurrence: SlotOccurrence, air: Airwaves
) -> ProgrammeEntry | None:
    """The entry with its script and rendering: as the session holds it, or, when the database
    stopped answering mid-slot (its rollback expired them), the copy in the plan kept in memory."""
    try:
        entry.script.title, entry.rendering.sha256  # noqa: B018 (loads what a rollback expired)
        return entry
    except OperationalError:
        ctx.session.rollback()
    kept = air.kept.get((occurrence.slot.name, occurrence.start), [])
    return next((copy for copy in kept if copy.id == entry_id), None)


def _audio_ready(ctx: Context, entry: ProgrammeEntry) -> bool:
    """The entry's file is intact, or was made again (not while the database does not answer)."""
    try:
        return ensure_audio(ctx, entry, recent=True)  # hashed while the slot was prepared
    except OperationalError as exc:
        ctx.session.rollback()
        logger.error("could not make the audio of script %s again: %s", entry.script_id, exc.orig)
        return False


def air_slot(ctx: Context, slot: SlotDef, air: Airwaves) -> list[AiringResult]:
    """Air the occurrence of `slot` that is due now (under the date rules `air` keeps); one later
    than the grace is recorded missed."""
    now = ctx.now()
    occurrence = latest(slot, now, ctx.settings.tz, air.calendar)
    if occurrence is None or now >= occurrence.end:
        logger.warning("slot %s fired at %s with no open occurrence; nothing aired", slot.name, now)
        return []
    relay = occurrence.slot.kind == SlotKind.RELAY  # late, it airs what is left of its slot
    if not relay and now - occurrence.start > air.grace and not _progress(ctx, occurrence)[0]:
        return record_missed_occurrence(ctx, occurrence, air)
    return air_occurrence(ctx, occurrence, air)


def record_missed_occurrence(
    ctx: Context, occurrence: SlotOccurrence, air: Airwaves
) -> list[AiringResult]:
    """Give each bulletin that was planned for a passed occurrence, and never aired, a `missed` row
    that says why: what this daemon saw, or that no daemon was airing then."""
    tz = ctx.settings.tz
    local = occurrence.start.astimezone(tz).strftime("%H:%M %d/%m/%Y")
    if air.since is not None and occurrence.start < air.since:
        default = note(
            NoteCode.MISSED_NO_DAEMON, since=f"{air.since.astimezone(tz):%H:%M %d/%m/%Y}"
        )
    elif _progress(ctx, occurrence)[0]:
        default = Note(NoteCode.MISSED_CUT_OFF)
    elif jumped := [j for j in air.jumps if j[0] <= occurrence.start < j[1]]:
        (before, after), *_ = jumped
        default = note(
            NoteCode.MISSED_CLOCK_JUMPED, seconds=f"{(after - before).total_seconds():.0f}",
            jumped_at=f"{after.astimezone(tz):%H:%M:%S %d/%m/%Y}",
        )  # fmt: skip
    else:
        default = note(NoteCode.MISSED_LATE, minutes=int(air.grace.total_seconds() // 60))
    results = []
    for entry in entries_for(ctx.session, occurrence.slot.name, occurrence.start):
        if _has_airing(ctx, entry) or (air.journal is not None and air.journal.holds(entry.id)):
            continue
        why = air.passed_over.pop(entry.id, default)
        reason = Note(why.code, {**why.data, "slot": occurrence.slot.name, "at": local})
        results.append(record_missed(ctx.session, entry, reason, ctx.settings, ctx.now()))
    ctx.session.commit()
    return results


def settle(
    ctx: Context, slots: list[SlotDef], tracked_since: datetime | None, air: Airwaves
) -> list[SlotOccurrence]:
    """Record passed occurrences as missed; return the open ones that still need airing.

    An occurrence is due while it lasts if it began airing (a crash cut it short) or
    began less than the grace ago (the daemon started late, even for the first time).
    One whose grace passed without airing gets a `missed` row per planned bulletin,
    unless it was before `tracked_since` (the first start on this database: never ours). An
    occurrence a date rule (`air.calendar`) skips does not happen: nothing to air, nothing missed.
    """
    now = ctx.now()
    since = tracked_since or now
    due = []
    for occurrence in occurrences(slots, now - LOOKBACK, now, ctx.settings.tz, air.calendar):
        began, unaired = _progress(ctx, occurrence)
        # a relay is due for what is left of its slot, however late (a restart mid-slot)
        late = now - occurrence.start > air.grace and occurrence.slot.kind != SlotKind.RELAY
        if now < occurrence.end and (began or not late):
            if not began or unaired:
                due.append(occurrence)
        elif late and occurrence.start >= since:
            record_missed_occurrence(ctx, occurrence, air)
    return due


@dataclass(frozen=True)
class Queued:
    """An air-now request handed to the running daemon."""

    request_id: int
    emergency: bool
    seconds: float


def air_now(
    ctx: Context,
    script_id: int,
    local_output: Callable[[], Output] | None,
    output_named: bool = False,
    requested_by: str | None = None,
    zones: tuple[str, ...] = (),
) -> Queued | AiringResult:
    """Air an approved bulletin at once: through the running daemon, else through `local_output`.

    The web page gives no local output (only the daemon owns the speakers); the CLI gives
    the configured one, and `output_named` when the user chose it (refused while a daemon runs).
    `requested_by` (a web account, or "cli:<system user>") goes into the evidence. `zones`
    limits it to those zones' loudspeaker clusters (none: every zone).
    """
    zones = known_zones(ctx.session, zones)
    script = get_script(ctx, script_id)
    if script.status != Status.APPROVED:
        raise BroadcasterError(Code.SCRIPT_NOT_APPROVED, script_id=script_id, status=script.status)
    rendering = current_rendering(ctx.session, script)
    if rendering is None or not rendering_intact(ctx.settings, rendering):
        raise BroadcasterError(Code.NO_AUDIO, script_id=script_id)
    if lease_is_alive(ctx.session, ctx.now(), ctx.settings.lease_seconds):
        if output_named:
            raise BroadcasterError(Code.DAEMON_OWNS_OUTPUT)
        emergency = script.priority == Priority.EMERGENCY
        request = AirRequest(
            script_id=script.id, emergency=emergency, requested_at=ctx.now(),
            requested_by=requested_by or ctx.actor, zones=",".join(zones),
        )  # fmt: skip
        ctx.session.add(request)
        audit.record(
            ctx.session, ctx.now(), ctx.actor, "air.emergency" if emergency else "air.now",
            f"script:{script.id}",
        )  # fmt: skip
        ctx.session.commit()
        return Queued(request.id, emergency, rendering.duration_s)
    if local_output is None:
        raise BroadcasterError(Code.DAEMON_NOT_RUNNING)
    audit.record(ctx.session, ctx.now(), ctx.actor, "air.now", f"script:{script.id}")
    result = air_script_now(
        ctx.session, script, rendering, local_output(), ctx.settings, ctx.clock,
        requested_by=requested_by or ctx.actor,
    )  # fmt: skip
    if result.outcome != Outcome.AIRED:
        raise BroadcasterError(
            Code.AIRING_FAILED, airing_id=result.airing_id, outcome=result.outcome,
            detail=notes.english(result.error), note=result.error or "",
        )  # fmt: skip
    return result


def on_air(ctx: Context) -> Airing | None:
    """The airing playing now (its row is `started`), for a confirmation that says what stops."""
    return ctx.session.scalars(
        select(Airing).where(Airing.outcome == Outcome.STARTED).order_by(Airing.id.desc())
    ).first()


def request_result(ctx: Context, request_id: int) -> AiringResult | None:
    """The airing a queued request led to; None while it waits; AIR_REQUEST_FAILED if refused."""
    ctx.session.expire_all()
    request = ctx.session.get_one(AirRequest, request_id)
    if request.handled_at is None:
        return None
    airing = ctx.session.get(Airing, request.airing_id) if request.airing_id else None
    if airing is None:
        raise BroadcasterError(
            Code.AIR_REQUEST_FAILED, detail="see 'broadcaster status' for the reason."
        )
    result = AiringResult(
        airing.id, airing.script_id, airing.script.title, airing.outcome, airing.error,
        airing.audio_sha256,
    )  # fmt: skip
    if result.outcome != Outcome.AIRED:
        raise BroadcasterError(
            Code.AIRING_FAILED, airing_id=airing.id, outcome=airing.outcome,
            detail=notes.english(airing.error), note=airing.error or "",
        )  # fmt: skip
    return result


def _has_airing(ctx: Context, entry: ProgrammeEntry) -> bool:
    query = select(Airing.id).where(Airing.programme_entry_id == entry.id).limit(1)
    return ctx.session.scalar(query) is not None


def _progress(ctx: Context, occurrence: SlotOccurrence) -> tuple[bool, bool]:
    """(began, unaired): whether airing began (a `missed` row is not a beginning), and whether
    a planned entry still has no airing other than failed attempts. Two queries in all."""
    ids = [e.id for e in entries_for(ctx.session, occurrence.slot.name, occurrence.start)]
    rows = ctx.session.execute(
        select(Airing.programme_entry_id, Airing.outcome).where(Airing.programme_entry_id.in_(ids))
    ).all()
    began = any(outcome != Outcome.MISSED for _, outcome in rows)
    done = {entry_id for entry_id, outcome in rows if outcome != Outcome.FAILED}
    return began, any(entry_id not in done for entry_id in ids)
