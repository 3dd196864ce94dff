"""Slots made ready before their time: the occurrence planned, its entries loaded and every file
hashed, so that at the slot's time the daemon only opens the evidence row and hands the audio
to the output (issue 25: work done in the slot job before `started_at` made starts late, more
so the more slots a station has).

A slot is prepared once, PREPARE_SECONDS to PREPARE_SECONDS - PREPARE_EVERY seconds ahead (the
prepare job runs every PREPARE_EVERY seconds). A bulletin approved after that airs from the
next slot on; one taken back or edited meanwhile leaves its slot as before (its entry is gone,
or its words no longer match, and the air checks both).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload

from broadcaster.onair.airwaves import Airwaves
from broadcaster.onair.outputs import OutputError, warm_up
from broadcaster.programme.exceptions import occurrences
from broadcaster.programme.planning import plan_occurrence
from broadcaster.programme.slots import SlotDef
from broadcaster.services.audio import ensure_audio
from broadcaster.services.context import Context
from broadcaster.store.db import ProgrammeEntry

logger = logging.getLogger(__name__)

PREPARE_SECONDS = 30  # how far ahead of its time a slot is prepared
PREPARE_EVERY = 10  # how often the prepare job looks for slots to prepare


def prepare_due(ctx: Context, slots: list[SlotDef], air: Airwaves) -> list[tuple[str, datetime]]:
    """Prepare every occurrence that starts within PREPARE_SECONDS and is not prepared yet;
    return those prepared now. A database that does not answer leaves the slot to plan at its
    time (from the plan kept in memory if need be). The player is warmed each time (a sound
    card loads its library and finds its device, so the slot's first sample waits for neither)."""
    now = ctx.now()
    horizon = now + timedelta(seconds=PREPARE_SECONDS)
    for key in [key for key in air.prepared if key[1] < now - timedelta(hours=1)]:
        del air.prepared[key]
    done = []
    for occurrence in occurrences(slots, now, horizon, ctx.settings.tz, air.calendar):
        key = (occurrence.slot.name, occurrence.start)
        if key in air.prepared or air.current == key:
            continue
        try:
            entries = plan_occurrence(ctx.session, occurrence, ctx.settings.tz)
            ctx.session.commit()
            ready = [entry.id for entry in entries if ensure_audio(ctx, entry)]
        except (OperationalError, IntegrityError) as exc:  # no answer, or planned meanwhile
            ctx.session.rollback()
            logger.warning("slot %s not prepared; it is planned at its time (%s)", key[0], exc)
            continue
        air.prepared[key] = now
        done.append(key)
        logger.info("slot %s at %s prepared: %d bulletin(s) ready", key[0], key[1], len(ready))
    try:
        warm_up(air.output)
    except OutputError as exc:  # the slot's own play raises it again, as its outcome
        logger.warning("the output is not ready: %s", exc)
    return done


def prepared_entries(session: Session, slot_name: str, starts_at: datetime) -> list[ProgrammeEntry]:
    """A prepared occurrence's entries in airing order, with their scripts and renderings
    (one query each, not one per entry)."""
    return list(
        session.scalars(
            select(ProgrammeEntry)
            .where(ProgrammeEntry.slot_name == slot_name, ProgrammeEntry.starts_at == starts_at)
            .options(selectinload(ProgrammeEntry.script), selectinload(ProgrammeEntry.rendering))
            .order_by(ProgrammeEntry.position)
        )
    )
