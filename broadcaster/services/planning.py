"""Planning use cases: the daemon's slots, planning a week, reading it, arranging a slot by hand.

The slot table holds the slots the daemon airs: `init` and `broadcaster run` write it
from `schedules/*.toml`; everything else only reads it, so a page view never changes
the database. `slot_files_changed` tells when the files on disk say something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from broadcaster import faultpoints
from broadcaster.enums import Outcome, Role, SlotKind, Status
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import audit
from broadcaster.intake.parse import clean_week
from broadcaster.programme.exceptions import Calendar, Fate, Planned, day_plan, occurrences
from broadcaster.programme.holidays import Holiday, holidays_between
from broadcaster.programme.planning import (
    GAP_SECONDS,
    Candidate,
    arrange_occurrence,
    candidates,
    entries_between,
    entries_for,
    plan_occurrence,
    routine,
)
from broadcaster.programme.rule_rows import calendar_of
from broadcaster.programme.slot_rows import files_changed, slots_from_rows, sync_slot_rows
from broadcaster.programme.slots import SlotDef as SlotDef
from broadcaster.programme.slots import SlotOccurrence as SlotOccurrence
from broadcaster.programme.slots import (
    iso_week_of,
    week_range,
)
from broadcaster.programme.slots import load_slots as load_slots
from broadcaster.programme.slots import occurrences_between as occurrences_between
from broadcaster.services.context import Context
from broadcaster.services.scripts import get_script
from broadcaster.store.db import Airing, ProgrammeEntry, Rendering, Script, User
from broadcaster.store.renderings import current_rendering


@dataclass(frozen=True)
class WeekPlan:
    """A week's slot occurrences and what is planned in each, in time order."""

    week: str
    occurrences: list[tuple[SlotOccurrence, list[ProgrammeEntry]]]
    skipped: tuple[Planned, ...] = ()  # the week's occurrences a date rule keeps off the air
    replaced: frozenset[tuple[str, datetime]] = frozenset()  # (slot, start) moved by a rule


# An occurrence to arrange lies within this many years of now (a form cannot name year 9999).
MAX_YEARS_AHEAD = 100


def install_slots(session: Session, slots: list[SlotDef]) -> None:
    """Make the slot table hold exactly `slots`, running (tests and benchmarks give a daemon
    its slots this way; a station's slots are changed with `services.slots`)."""
    sync_slot_rows(session, slots)


def station_slots(ctx: Context) -> list[SlotDef]:
    """The slots that air: the slot table's, less the paused ones."""
    return slots_from_rows(ctx.session)


def station_calendar(ctx: Context) -> Calendar:
    """The date rules the slots air by (skips, replacements, swaps, holiday rules)."""
    return calendar_of(ctx.session)


def slot_files_changed(ctx: Context) -> str | None:
    """Why the schedule files differ from the slots of the database (None when they agree or
    there are none; see `slot_rows.files_changed`)."""
    return files_changed(ctx.settings.schedules_path, ctx.session)


def _week(ctx: Context, week: str | None) -> str:
    return clean_week(week) or iso_week_of(ctx.now(), ctx.settings.tz)


def chosen_week(ctx: Context, week: str | None) -> str:
    """The ISO week asked for (this week when None), checked as `week_programme` checks it,
    without reading the week's programme."""
    chosen = _week(ctx, week)
    week_range(chosen, ctx.settings.tz)
    return chosen


def plan_week(ctx: Context, week: str | None = None) -> WeekPlan:
    """Plan every occurrence of the week that has not started yet; list the whole week."""
    chosen = _week(ctx, week)
    start, end = week_range(chosen, ctx.settings.tz)
    pool = candidates(ctx.session)
    now = ctx.now()
    rows = []
    slots, calendar = station_slots(ctx), station_calendar(ctx)
    for occurrence in occurrences(slots, start, end, ctx.settings.tz, calendar):
        if occurrence.start > now:
            entries = plan_occurrence(ctx.session, occurrence, ctx.settings.tz, pool)
        else:
            entries = entries_for(ctx.session, occurrence.slot.name, occurrence.start)
        rows.append((occurrence, entries))
    ctx.session.commit()
    return WeekPlan(chosen, rows)


def week_programme(ctx: Context, week: str | None = None) -> WeekPlan:
    """The week as planned so far; reads only."""
    chosen = _week(ctx, week)
    start, end = week_range(chosen, ctx.settings.tz)
    planned = entries_between(ctx.session, start, end)  # one query for the week, not one a slot
    fates = day_plan(station_slots(ctx), start, end, ctx.settings.tz, station_calendar(ctx))
    return WeekPlan(
        chosen,
        [
            (p.occurrence, planned.get((p.occurrence.slot.name, p.occurrence.start), []))
            for p in fates
            if p.fate != Fate.SKIPPED
        ],
        tuple(p for p in fates if p.fate == Fate.SKIPPED),
        frozenset(
            (p.occurrence.slot.name, p.occurrence.start) for p in fates if p.fate == Fate.REPLACED
        ),
    )


@dataclass(frozen=True)
class WeekDays:
    """A week's seven local days and the weeks either side (the page's arrows)."""

    days: list[date]
    previous: str
    next: str


def holidays_of(days: list[date]) -> dict[date, Holiday]:
    """The public holidays among `days` (the week grid names them)."""
    return {h.day: h for h in holidays_between(min(days), max(days))}


def week_days(ctx: Context, week: str) -> WeekDays:
    """The seven local days of an ISO week, Monday first, and the names of the weeks around it."""
    tz = ctx.settings.tz
    start, end = week_range(week, tz)
    days = [(start.astimezone(tz) + timedelta(days=i)).date() for i in range(7)]
    return WeekDays(
        days, iso_week_of(start - timedelta(days=1), tz), iso_week_of(end + timedelta(hours=1), tz)
    )


@dataclass(frozen=True)
class Arrangeable:
    """An approved bulletin with audio for its current words: one that can be put in a slot.

    An emergency one (not `routine`) goes into a slot only on a leader's word (`arrange`)."""

    script_id: int
    title: str
    duration_s: float
    emergency: bool = False


def arrangeable(ctx: Context) -> list[Arrangeable]:
    """Every bulletin a slot can be arranged with (emergency ones too, marked), by title."""
    # One query, not one per bulletin: the newest rendering of each one's current words
    # (`current_rendering`'s choice), read with it.
    each = aliased(Rendering)
    newest = (
        select(func.max(each.id))
        .where(each.script_id == Script.id, each.content_hash == Script.content_hash)
        .correlate(Script)
        .scalar_subquery()
    )
    rows = ctx.session.execute(
        select(Script.id, Script.title, Script.kind, Script.priority, Rendering.duration_s)
        .join(Rendering, Rendering.id == newest)
        .where(Script.status == Status.APPROVED)
    )
    found = [
        Arrangeable(script_id, title, seconds, not routine(kind, priority))
        for script_id, title, kind, priority, seconds in rows
    ]
    return sorted(found, key=lambda a: (a.title.casefold(), a.script_id))


def slot_seconds(durations: list[float]) -> float:
    """How long bulletins of these lengths take in one slot, with the breath between them."""
    return sum(durations) + GAP_SECONDS * max(0, len(durations) - 1)


def coming_occurrence(ctx: Context, slot_name: str, start: datetime) -> SlotOccurrence:
    """The future occurrence of `slot_name` that starts at `start` (SLOT_NO_OCCURRENCE,
    SLOT_BEGUN)."""
    tz = ctx.settings.tz
    if abs(start.year - ctx.now().year) > MAX_YEARS_AHEAD:  # no slot; and 9999 ± 1 s overflows
        raise BroadcasterError(Code.SLOT_NO_OCCURRENCE, slot=slot_name, when=start.isoformat())
    matches = [
        occurrence
        for occurrence in occurrences(
            station_slots(ctx),
            start - timedelta(seconds=1),
            start + timedelta(seconds=1),
            tz,
            station_calendar(ctx),
        )
        if occurrence.slot.name == slot_name and occurrence.start == start
    ]
    when = f"{start.astimezone(tz):%H:%M %d/%m/%Y}"
    if not matches:
        raise BroadcasterError(Code.SLOT_NO_OCCURRENCE, slot=slot_name, when=when)
    if start <= ctx.now():
        raise BroadcasterError(Code.SLOT_BEGUN, slot=slot_name, when=when)
    return matches[0]


def _airable(ctx: Context, script_ids: list[int]) -> list[tuple[Script, Candidate]]:
    """The approved, rendered scripts `script_ids` (each once), with what the slot airs of them."""
    chosen = []
    for script_id in dict.fromkeys(script_ids):
        script = get_script(ctx, script_id)
        if script.status != Status.APPROVED:
            raise BroadcasterError(
                Code.SCRIPT_NOT_APPROVED, script_id=script_id, status=script.status
            )
        rendering = current_rendering(ctx.session, script)
        if rendering is None:
            raise BroadcasterError(Code.NO_AUDIO, script_id=script_id)
        candidate = Candidate(
            script.id, rendering.id, rendering.duration_s, script.week, script.priority
        )
        chosen.append((script, candidate))
    return chosen


def _emergencies_allowed(
    ctx: Context, slot_name: str, added: list[Script], emergency_by: str | None
) -> None:
    """An emergency bulletin new to the slot needs a leader's word: `emergency_by` names an
    enabled leader or admin account (SLOT_EMERGENCY, SLOT_EMERGENCY_LEADER)."""
    emergencies = [script for script in added if not routine(script.kind, script.priority)]
    if not emergencies:
        return
    if emergency_by is None:
        raise BroadcasterError(Code.SLOT_EMERGENCY, script_id=emergencies[0].id, slot=slot_name)
    account = ctx.session.scalar(select(User).where(User.name == emergency_by))
    if account is None or account.disabled or account.role not in (Role.LEADER, Role.ADMIN):
        raise BroadcasterError(Code.SLOT_EMERGENCY_LEADER, name=emergency_by)


def arrange(
    ctx: Context,
    slot_name: str,
    start: datetime,
    script_ids: list[int],
    emergency_by: str | None = None,
) -> list[ProgrammeEntry]:
    """Put exactly these approved, rendered scripts in one future occurrence and pin it.

    A script named twice airs once (where first named). An emergency bulletin that is not in
    the occurrence yet goes in only with `emergency_by`, the leader who confirmed it. The
    audit trail records the change: before and after are fingerprints of the occurrence's
    script ids in airing order; a leader's emergency also gets its own `programme.emergency`.
    """
    tz = ctx.settings.tz
    occurrence = coming_occurrence(ctx, slot_name, start)
    if occurrence.slot.kind == SlotKind.RELAY:  # it airs a stream: bulletins there never would
        raise BroadcasterError(Code.SLOT_IS_RELAY, slot=slot_name)
    chosen = _airable(ctx, script_ids)
    before = [e.script_id for e in entries_for(ctx.session, slot_name, start)]
    added = [script for script, _ in chosen if script.id not in before]
    _emergencies_allowed(ctx, slot_name, added, emergency_by)
    seconds = slot_seconds([c.duration_s for _, c in chosen])
    if seconds > occurrence.slot.minutes * 60:
        raise BroadcasterError(
            Code.SLOT_OVERFULL, seconds=round(seconds), minutes=occurrence.slot.minutes,
            slot=slot_name,
        )  # fmt: skip
    entries = arrange_occurrence(ctx.session, occurrence, [c for _, c in chosen])
    after = [e.script_id for e in entries]
    where = f"slot:{slot_name}@{start.astimezone(tz):%Y-%m-%d %H:%M}"
    audit.record(
        ctx.session, ctx.now(), ctx.actor, "programme.arrange", where,
        audit.fingerprint(*before), audit.fingerprint(*after),
        "scripts: " + (", ".join(str(i) for i in after) or "none"),
    )  # fmt: skip
    for script in added:
        if not routine(script.kind, script.priority):
            audit.record(
                ctx.session, ctx.now(), ctx.actor, "programme.emergency", f"script:{script.id}",
                None, audit.fingerprint(*after), f"{where}, confirmed by {emergency_by}",
            )  # fmt: skip
    ctx.session.commit()
    return entries


def slot_entries(ctx: Context, slot_name: str, start: datetime) -> list[ProgrammeEntry]:
    """What one occurrence holds so far, in airing order (reads only)."""
    return entries_for(ctx.session, slot_name, start)


def add_emergency(
    ctx: Context, slot_name: str, start: datetime, script_id: int, leader: str
) -> list[ProgrammeEntry]:
    """Put an emergency bulletin first in one coming occurrence, before what it holds, on the
    word of `leader` (an enabled leader or admin account); the occurrence is then pinned."""
    held = [e.script_id for e in entries_for(ctx.session, slot_name, start)]
    return arrange(ctx, slot_name, start, [script_id, *held], emergency_by=leader)


def render_ahead(ctx: Context, slots: list[SlotDef], hours: int) -> int:
    """Plan the coming hours' slots (under the date rules) and make sure each planned file is
    intact; return how many."""
    from broadcaster.services.audio import ensure_audio  # the voices: only when checking audio

    now = ctx.now()
    checked = 0
    for occurrence in occurrences(
        slots, now, now + timedelta(hours=hours), ctx.settings.tz, station_calendar(ctx)
    ):
        entries = plan_occurrence(ctx.session, occurrence, ctx.settings.tz)
        ctx.session.commit()
        faultpoints.reach("render_ahead")
        for entry in entries:
            ensure_audio(ctx, entry)
            checked += 1
    return checked


def keep_plan(ctx: Context, hours: int) -> dict[tuple[str, datetime], list[ProgrammeEntry]]:
    """The planned entries from a day ago to `hours` ahead that have no airing yet, loaded with
    their scripts and renderings, grouped by occurrence in airing order. Detached once the
    caller's session closes, they are what the slots air while the database does not answer."""
    now = ctx.now()
    aired = select(Airing.id).where(
        Airing.programme_entry_id == ProgrammeEntry.id, Airing.outcome != Outcome.FAILED
    )
    entries = ctx.session.scalars(
        select(ProgrammeEntry)
        .where(
            ProgrammeEntry.starts_at >= now - timedelta(days=1),
            ProgrammeEntry.starts_at <= now + timedelta(hours=hours),
            ~aired.exists(),
        )
        .options(selectinload(ProgrammeEntry.script), selectinload(ProgrammeEntry.rendering))
        .order_by(ProgrammeEntry.starts_at, ProgrammeEntry.position)
    )
    kept: dict[tuple[str, datetime], list[ProgrammeEntry]] = {}
    for entry in entries:
        kept.setdefault((entry.slot_name, entry.starts_at), []).append(entry)
    return kept
