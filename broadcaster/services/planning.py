"""Planning use cases: the daemon's slots, planning a week, reading it, arranging a slot by hand.

The slot table holds the slots the daemon airs: `init` and `broadcaster run` write it
from `schedules/*.toml`; everything else only reads it, so a page view never changes
the database. `slot_files_changed` tells when the files on disk say something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from broadcaster import faultpoints
from broadcaster.enums import Outcome, Status
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import audit
from broadcaster.intake.parse import clean_week
from broadcaster.programme.planning import (
    GAP_SECONDS,
    Candidate,
    arrange_occurrence,
    candidates,
    entries_for,
    plan_occurrence,
)
from broadcaster.programme.slots import SlotDef as SlotDef
from broadcaster.programme.slots import (
    SlotError,
    iso_week_of,
    slots_from_rows,
    sync_slot_rows,
    week_range,
)
from broadcaster.programme.slots import SlotOccurrence as SlotOccurrence
from broadcaster.programme.slots import load_slots as load_slots
from broadcaster.programme.slots import occurrences_between as occurrences_between
from broadcaster.services.context import Context
from broadcaster.services.scripts import get_script
from broadcaster.store.db import Airing, ProgrammeEntry, Script
from broadcaster.store.renderings import current_rendering


@dataclass(frozen=True)
class WeekPlan:
    """A week's slot occurrences and what is planned in each, in time order."""

    week: str
    occurrences: list[tuple[SlotOccurrence, list[ProgrammeEntry]]]


# An occurrence to arrange lies within this many years of now (a form cannot name year 9999).
MAX_YEARS_AHEAD = 100


def install_slots(session: Session, slots: list[SlotDef]) -> None:
    """Make the slot table hold `slots` (only `init` and the daemon's start call this)."""
    sync_slot_rows(session, slots)


def station_slots(ctx: Context) -> list[SlotDef]:
    """The slots the daemon airs, as it last installed them."""
    return slots_from_rows(ctx.session)


def slot_files_changed(ctx: Context) -> str | None:
    """Why the schedule files differ from the daemon's slots (None when they agree)."""
    try:
        on_disk = load_slots(ctx.settings.schedules_path)
    except SlotError as exc:
        return f"the schedule files have an error: {exc}"
    if set(on_disk) != set(station_slots(ctx)):
        return "the schedule files were changed after the daemon started"
    return None


def _week(ctx: Context, week: str | None) -> str:
    return clean_week(week) or iso_week_of(ctx.now(), ctx.settings.tz)


def plan_week(ctx: Context, week: str | None = None) -> WeekPlan:
    """Plan every occurrence of the week that has not started yet; list the whole week."""
    chosen = _week(ctx, week)
    start, end = week_range(chosen, ctx.settings.tz)
    pool = candidates(ctx.session)
    now = ctx.now()
    rows = []
    for occurrence in occurrences_between(station_slots(ctx), start, end, ctx.settings.tz):
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
    return WeekPlan(
        chosen,
        [
            (occurrence, entries_for(ctx.session, occurrence.slot.name, occurrence.start))
            for occurrence in occurrences_between(station_slots(ctx), start, end, ctx.settings.tz)
        ],
    )


@dataclass(frozen=True)
class WeekDays:
    """A week's seven local days and the weeks either side (the page's arrows)."""

    days: list[date]
    previous: str
    next: str


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
    """An approved bulletin with audio for its current words: one that can be put in a slot."""

    script_id: int
    title: str
    duration_s: float


def arrangeable(ctx: Context) -> list[Arrangeable]:
    """Every bulletin a slot can be arranged with (emergency ones too), by title."""
    found = []
    for script in ctx.session.scalars(select(Script).where(Script.status == Status.APPROVED)):
        rendering = current_rendering(ctx.session, script)
        if rendering is not None:
            found.append(Arrangeable(script.id, script.title, rendering.duration_s))
    return sorted(found, key=lambda a: (a.title.casefold(), a.script_id))


def slot_seconds(durations: list[float]) -> float:
    """How long bulletins of these lengths take in one slot, with the breath between them."""
    return sum(durations) + GAP_SECONDS * max(0, len(durations) - 1)


def arrange(
    ctx: Context, slot_name: str, start: datetime, script_ids: list[int]
) -> list[ProgrammeEntry]:
    """Put exactly these approved, rendered scripts in one future occurrence and pin it.

    A script named twice airs once (where first named). The audit trail records the change:
    before and after are fingerprints of the occurrence's script ids in airing order.
    """
    tz = ctx.settings.tz
    if abs(start.year - ctx.now().year) > MAX_YEARS_AHEAD:  # no slot; and 9999 ± 1 s overflows
        raise BroadcasterError(Code.SLOT_NO_OCCURRENCE, slot=slot_name, when=start.isoformat())
    matches = [
        occurrence
        for occurrence in occurrences_between(
            station_slots(ctx), start - timedelta(seconds=1), start + timedelta(seconds=1), tz
        )
        if occurrence.slot.name == slot_name and occurrence.start == start
    ]
    when = f"{start.astimezone(tz):%H:%M %d/%m/%Y}"
    if not matches:
        raise BroadcasterError(Code.SLOT_NO_OCCURRENCE, slot=slot_name, when=when)
    if start <= ctx.now():
        raise BroadcasterError(Code.SLOT_BEGUN, slot=slot_name, when=when)
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
        chosen.append(
            Candidate(script.id, rendering.id, rendering.duration_s, script.week, script.priority)
        )
    slot = matches[0].slot
    seconds = slot_seconds([c.duration_s for c in chosen])
    if seconds > slot.minutes * 60:
        raise BroadcasterError(
            Code.SLOT_OVERFULL, seconds=round(seconds), minutes=slot.minutes, slot=slot_name
        )
    before = [e.script_id for e in entries_for(ctx.session, slot_name, start)]
    entries = arrange_occurrence(ctx.session, matches[0], chosen)
    after = [e.script_id for e in entries]
    audit.record(
        ctx.session, ctx.now(), ctx.actor, "programme.arrange",
        f"slot:{slot_name}@{start.astimezone(tz):%Y-%m-%d %H:%M}",
        audit.fingerprint(*before), audit.fingerprint(*after),
        "scripts: " + (", ".join(str(i) for i in after) or "none"),
    )  # fmt: skip
    ctx.session.commit()
    return entries


def render_ahead(ctx: Context, slots: list[SlotDef], hours: int) -> int:
    """Plan the coming hours' slots and make sure each planned file is intact; return how many."""
    from broadcaster.services.audio import ensure_audio  # the voices: only when checking audio

    now = ctx.now()
    checked = 0
    for occurrence in occurrences_between(
        slots, now, now + timedelta(hours=hours), ctx.settings.tz
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
