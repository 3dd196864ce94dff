"""Where an approved bulletin will air, as the planner really places it: what the approval says.

The planner (`broadcaster.programme.planning`) fills every coming slot occurrence that is not
arranged by hand and has not begun: the daemon plans the next `render_ahead_hours` every few
minutes and each occurrence once more half a minute before it starts (services/prepare.py).
It takes approved routine bulletins that have audio for their current words, of the
occurrence's week or of no week, priority ones first, then the least planned this week, as
many as the slot holds. An emergency (by kind or priority) is never among them: it airs with
air-now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from broadcaster.enums import Priority
from broadcaster.programme.exceptions import occurrences
from broadcaster.programme.planning import entries_for, routine
from broadcaster.programme.rule_rows import calendar_of
from broadcaster.programme.slot_rows import slots_from_rows
from broadcaster.programme.slots import (
    SlotDef,
    SlotOccurrence,
    week_range,
)
from broadcaster.services.context import Context
from broadcaster.services.prepare import PREPARE_SECONDS
from broadcaster.store.db import Script
from broadcaster.store.renderings import current_rendering

# Without a week of its own, a bulletin's first slot is looked for this far ahead.
LOOK_AHEAD = timedelta(days=8)


@dataclass(frozen=True)
class Placement:
    """What the planner will do with one approved bulletin."""

    routine: bool  # False: an emergency, kept out of the routine slots
    interrupts: bool  # an emergency by priority: air-now stops what is on air for it
    leads: bool  # a priority bulletin goes first in each slot
    has_audio: bool  # the planner takes only a bulletin with audio for its current words
    week: str | None  # only this ISO week; None: every week
    week_over: bool  # its week has passed: no slot will take it
    slots: tuple[SlotDef, ...]  # the slots the daemon airs
    first: SlotOccurrence | None  # the next occurrence the planner may still fill with it


def placement(ctx: Context, script: Script) -> Placement:
    """Where the planner will put `script` (read only)."""
    slots = tuple(slots_from_rows(ctx.session))
    now = ctx.now()
    until = now + LOOK_AHEAD
    week_over = False
    if script.week is not None:
        start, until = week_range(script.week, ctx.settings.tz)
        now, week_over = max(now, start), until <= now
    is_routine = routine(script.kind, script.priority)
    return Placement(
        routine=is_routine,
        interrupts=script.priority == Priority.EMERGENCY,
        leads=script.priority == Priority.PRIORITY,
        has_audio=current_rendering(ctx.session, script) is not None,
        week=script.week,
        week_over=week_over,
        slots=slots,
        first=_first_open(ctx, list(slots), now, until) if is_routine else None,
    )


def _first_open(
    ctx: Context, slots: list[SlotDef], after: datetime, until: datetime
) -> SlotOccurrence | None:
    """The first occurrence from `after` to `until`, not yet made ready to air (it begins more
    than PREPARE_SECONDS from now), that nobody arranged by hand."""
    ready = ctx.now() + timedelta(seconds=PREPARE_SECONDS)  # a slot this close is made ready
    rules = calendar_of(ctx.session)
    for occurrence in occurrences(slots, after, until, ctx.settings.tz, rules):
        if occurrence.start <= ready:
            continue
        entries = entries_for(ctx.session, occurrence.slot.name, occurrence.start)
        if not any(entry.pinned for entry in entries):
            return occurrence
    return None
