"""Programme: fill each slot occurrence with approved, rendered bulletins that fit its length.

Priority and emergency bulletins go first. Rotation is fair: within a week and a
level, the bulletin planned least often so far goes
first (oldest first on a tie), so when a slot cannot hold them all, the ones
left out lead the next slot. An entry is identified by (occurrence, script): planning
again updates entries in place, so their ids stay put. An occurrence that has begun
airing, or that someone arranged by hand (pinned), is never re-planned.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, exists, select
from sqlalchemy.orm import Session, selectinload

from broadcaster.enums import Kind, Priority, SlotKind, Status
from broadcaster.programme.entry_rows import IN_ORDER, of_occurrence
from broadcaster.programme.slots import (
    SlotOccurrence,
    iso_week_of,
    week_range,
)
from broadcaster.store.db import Airing, ProgrammeEntry, Script
from broadcaster.store.renderings import current_rendering

# No slot lasts longer: an entry that began less than this ago may belong to the slot on air.
RUNNING_AT_MOST = timedelta(hours=12)

GAP_SECONDS = 2.0  # breath between two bulletins in one slot


PRIORITY_ORDER = {Priority.EMERGENCY: 0, Priority.PRIORITY: 1, Priority.NORMAL: 2}


@dataclass(frozen=True)
class Candidate:
    """An approved bulletin with audio ready for its current words."""

    script_id: int
    rendering_id: int
    duration_s: float
    week: str | None
    priority: Priority = Priority.NORMAL


def routine(kind: Kind, priority: Priority) -> bool:
    """Whether a bulletin of this kind and priority belongs in the routine slots: an emergency
    (by its kind or its priority) does not."""
    return kind != Kind.EMERGENCY and priority != Priority.EMERGENCY


def candidates(session: Session) -> list[Candidate]:
    """Approved routine scripts (see `routine`) that have a rendering of their current text.

    Emergency bulletins are not among them: one airs at once through `air-now` and never
    joins the normal rotation afterwards ("stay indoors after 18:00 today" would be wrong
    tomorrow); to air it in a slot, a leader puts it there by hand and confirms it
    (`services.planning.arrange` with `emergency_by`).
    """
    found = []
    for script in session.scalars(
        select(Script)
        .where(
            Script.status == Status.APPROVED,
            Script.priority != Priority.EMERGENCY,
            Script.kind != Kind.EMERGENCY,
        )
        .order_by(Script.id)
    ):
        rendering = current_rendering(session, script)
        if rendering is not None:
            found.append(
                Candidate(
                    script.id, rendering.id, rendering.duration_s, script.week, script.priority
                )
            )
    return found


def entries_for(session: Session, slot_name: str, starts_at: datetime) -> list[ProgrammeEntry]:
    """The planned entries of one occurrence, in airing order."""
    return list(
        session.scalars(
            select(ProgrammeEntry).where(*of_occurrence(slot_name, starts_at)).order_by(IN_ORDER)
        )
    )


def entries_between(
    session: Session, start: datetime, end: datetime
) -> dict[tuple[str, datetime], list[ProgrammeEntry]]:
    """The planned entries of every occurrence that starts in [start, end), by (slot name,
    start), each in airing order, with their scripts and renderings read alongside."""
    query = (
        select(ProgrammeEntry)
        .where(ProgrammeEntry.starts_at >= start, ProgrammeEntry.starts_at < end)
        .order_by(ProgrammeEntry.starts_at, ProgrammeEntry.slot_name, ProgrammeEntry.position)
        .options(selectinload(ProgrammeEntry.script), selectinload(ProgrammeEntry.rendering))
    )
    found: dict[tuple[str, datetime], list[ProgrammeEntry]] = defaultdict(list)
    for entry in session.scalars(query):
        found[(entry.slot_name, entry.starts_at)].append(entry)
    return dict(found)


def _has_airings(session: Session, slot_name: str, starts_at: datetime) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Airing.programme_entry_id == ProgrammeEntry.id,
                    ProgrammeEntry.slot_name == slot_name,
                    ProgrammeEntry.starts_at == starts_at,
                )
            )
        )
    )


def _counts_before(
    session: Session, week_start: datetime, occurrence: SlotOccurrence
) -> Counter[int]:
    """How often each script is planned in the week before `occurrence` (so far, in air order).

    Only earlier occurrences count, so planning the week again gives the same answer.
    """
    rows = session.scalars(
        select(ProgrammeEntry.script_id).where(
            ProgrammeEntry.starts_at >= week_start, ProgrammeEntry.starts_at < occurrence.start
        )
    )
    return Counter(rows)


def plan_occurrence(
    session: Session, occurrence: SlotOccurrence, tz: ZoneInfo, pool: list[Candidate] | None = None
) -> list[ProgrammeEntry]:
    """Plan one occurrence in place unless it began airing or is pinned; return its entries."""
    slot_name, starts_at = occurrence.slot.name, occurrence.start
    existing = entries_for(session, slot_name, starts_at)
    if occurrence.slot.kind == SlotKind.RELAY:  # a relay airs a stream, never a bulletin
        return existing
    if any(e.pinned for e in existing) or _has_airings(session, slot_name, starts_at):
        return existing
    week = iso_week_of(starts_at, tz)
    counts = _counts_before(session, week_range(week, tz)[0], occurrence)
    pool = candidates(session) if pool is None else pool
    # Priority bulletins lead the slot; within a level, the least aired this week first.
    eligible = sorted(
        (c for c in pool if c.week in (None, week)),
        key=lambda c: (PRIORITY_ORDER.get(c.priority, 2), counts[c.script_id], c.script_id),
    )
    capacity = occurrence.slot.minutes * 60.0
    used = 0.0
    chosen: list[Candidate] = []
    for item in eligible:
        needed = item.duration_s + (GAP_SECONDS if chosen else 0.0)
        if used + needed <= capacity:
            used += needed
            chosen.append(item)
    return _place(session, occurrence, existing, chosen)


def _place(
    session: Session,
    occurrence: SlotOccurrence,
    existing: list[ProgrammeEntry],
    chosen: list[Candidate],
    pinned: bool = False,
) -> list[ProgrammeEntry]:
    """Make the occurrence hold `chosen` in order, keeping the rows of scripts already there."""
    by_script = {entry.script_id: entry for entry in existing}
    entries = []
    for position, item in enumerate(chosen):
        entry = by_script.pop(item.script_id, None) or ProgrammeEntry(
            slot_name=occurrence.slot.name, starts_at=occurrence.start, script_id=item.script_id
        )
        entry.position = position
        entry.rendering_id = item.rendering_id
        entry.pinned = pinned
        session.add(entry)
        entries.append(entry)
    for dropped in by_script.values():
        session.delete(dropped)
    session.flush()
    return entries


def arrange_occurrence(
    session: Session, occurrence: SlotOccurrence, chosen: list[Candidate]
) -> list[ProgrammeEntry]:
    """Put exactly `chosen` in the occurrence, in order, and pin it so the planner leaves it be."""
    existing = entries_for(session, occurrence.slot.name, occurrence.start)
    return _place(session, occurrence, existing, chosen, pinned=True)


def withdraw_script(session: Session, script_id: int, now: datetime) -> int:
    """Take a script out of every slot it has not aired in yet, the one airing now too; return
    how many entries went.

    A compare-and-set against the daemon: an entry goes only while it has no airing row (the
    condition is in the DELETE), and the daemon's `started` row needs the entry (a foreign
    key), so exactly one of the two wins. Passed entries keep their `missed` rows.
    """
    aired = exists().where(Airing.programme_entry_id == ProgrammeEntry.id)
    result = session.execute(
        delete(ProgrammeEntry).where(
            ProgrammeEntry.script_id == script_id,
            ProgrammeEntry.starts_at > now - RUNNING_AT_MOST,
            ~aired,
        )
    )
    session.flush()
    return cast(CursorResult[Any], result).rowcount


def withdraw_slot(session: Session, slot_name: str, now: datetime) -> int:
    """Take the coming occurrences' bulletins out of a slot that was moved, paused or deleted
    (its occurrence on air now keeps its own); return how many entries went. The same
    compare-and-set against the daemon as `withdraw_script`: only entries with no airing row."""
    aired = exists().where(Airing.programme_entry_id == ProgrammeEntry.id)
    result = session.execute(
        delete(ProgrammeEntry).where(
            ProgrammeEntry.slot_name == slot_name, ProgrammeEntry.starts_at > now, ~aired
        )
    )
    session.flush()
    return cast(CursorResult[Any], result).rowcount
