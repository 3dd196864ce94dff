"""Relays on air (tiếp sóng): a relay slot's occurrence airs the upper station's stream until
the slot's end, under the arbiter of the air.

The relay claims the air with the lowest priority until its slot ends (`Kind.RELAY`,
`Claim.until`). An emergency or an air-now bulletin cuts it; the arbiter queues the relay again
(`Claim.resumed()`) and starts it once that has ended, for what is left of the slot. A stream
that stalls or drops is connected again (`streams.Receiver`: three attempts in a row without
audio, 2 s apart); when it is lost the slot's fallback file fills the rest of the slot and a
problem is raised once per occurrence. A relay without a fallback ends there; settling (every
minute) finds its occurrence open and tries the stream again. After a restart or a step of the
clock the relay airs what is left of its slot, never beyond its end (`SlotEnding`).
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from broadcaster.notes import NoteCode, note
from broadcaster.onair.airing import AiringResult
from broadcaster.onair.airwaves import Airwaves
from broadcaster.onair.arbiter import Claim, Kind
from broadcaster.onair.outputs import SlotEnding, StopReason
from broadcaster.onair.relay_air import (
    FALLBACK,
    Part,
    Where,
    air_part,
    fallback_receiver,
)
from broadcaster.onair.streams import Receiver
from broadcaster.programme.slots import SlotOccurrence, fallback_path
from broadcaster.services.audio import record_problem
from broadcaster.services.context import Context
from broadcaster.sound.audio import ffmpeg_exe
from broadcaster.store.db import Airing

logger = logging.getLogger(__name__)


def air_relay(ctx: Context, occurrence: SlotOccurrence, air: Airwaves) -> list[AiringResult]:
    """Relay the slot's stream for what is left of `occurrence`; one result per part aired."""
    slot = occurrence.slot
    if not slot.url or ctx.now() >= occurrence.end:
        return []
    # One key per turn of the occurrence (from its next part): a turn never starts twice, and
    # settling's next turn after a lost stream is a new claim, whether or not it had resumed.
    key = f"relay:{slot.name}@{occurrence.start:%Y%m%dT%H%M%SZ}/{_next_part(ctx, occurrence)}"
    claim = Claim(key, Kind.RELAY, 0, slot.name, slot=slot.name, until=occurrence.end)
    air.current = (slot.name, occurrence.start)
    try:
        return _relay(ctx, occurrence, claim, air)
    finally:
        air.current = None


def _next_part(ctx: Context, occurrence: SlotOccurrence) -> int:
    """The number of the next part: after those aired already (a restart mid-slot numbers on)."""
    count = ctx.session.scalar(
        select(func.count(Airing.id)).where(
            Airing.slot_name == occurrence.slot.name,
            Airing.planned_start == occurrence.start,
            Airing.script_id.is_(None),
        )
    )
    return (count or 0) + 1


def _relay(
    ctx: Context, occurrence: SlotOccurrence, claim: Claim, air: Airwaves
) -> list[AiringResult]:
    results: list[AiringResult] = []
    cancel = SlotEnding(air.cancel(claim), ctx.clock, occurrence.end)
    dropped = air.floor.take(claim, cancel)
    while dropped is None:
        done: Part | None = None
        try:  # whatever happens, the claim is given back: a failure never holds the air
            done = _on_air(ctx, occurrence, claim, air, cancel, results)
        finally:
            # a stream lost with nothing to fill the slot failed through no cut: the arbiter
            # forgets the claim, so settling may claim the occurrence again and retry it
            air.floor.done(claim, failed=done is None or done.lost is not None)
        if done is None or done.stopped != StopReason.EMERGENCY or air.stop.is_set():
            break  # the slot's end, a stop, a fence, a failed output, or a lost stream
        claim = claim.resumed()  # cut by an emergency or an air-now bulletin: it comes back
        cancel = SlotEnding(air.cancel(claim), ctx.clock, occurrence.end)
        dropped = air.floor.resume(claim, cancel)
    if dropped is not None:
        logger.warning("relay %s: not (re)started (%s)", occurrence.slot.name, dropped)
    return results


def _on_air(
    ctx: Context, occurrence: SlotOccurrence, claim: Claim, air: Airwaves, cancel: SlotEnding,
    results: list[AiringResult],
) -> Part | None:  # fmt: skip
    """The relay's turn on air: the stream, then the fallback if it is lost; what ended the
    turn (None: the slot's time was over before it began)."""
    slot = occurrence.slot
    left = (occurrence.end - ctx.now()).total_seconds()
    if left <= 0:
        return None
    air.fence()
    where = Where(air.output, ctx.settings, ctx.clock, air.epoch, air.journal)
    assert slot.url is not None
    receiver = Receiver(slot.url, ctx.settings.sample_rate, ffmpeg_exe())
    air.floor.started(claim)
    done = air_part(
        ctx.session, where, receiver, slot.name, occurrence.start, left,
        _next_part(ctx, occurrence), cancel,
    )  # fmt: skip
    results.append(_result(done, slot.name))
    filled = _lost(ctx, occurrence, air, where, done, cancel) if done.lost else None
    if filled is None:
        return done
    results.append(_result(filled, slot.name))  # the fallback played the rest (or was cut)
    return filled


def _lost(
    ctx: Context, occurrence: SlotOccurrence, air: Airwaves, where: Where, lost: Part,
    cancel: SlotEnding,
) -> Part | None:  # fmt: skip
    """The stream was lost: raise the problem (once per occurrence) and play the fallback for
    the rest of the slot, still under the relay's claim; None when there is nothing to play."""
    slot = occurrence.slot
    assert lost.lost is not None
    if (slot.name, occurrence.start) not in air.relays_lost:
        air.relays_lost.add((slot.name, occurrence.start))
        at = occurrence.start.astimezone(ctx.settings.tz).strftime("%H:%M %d/%m/%Y")
        code = NoteCode.RELAY_LOST if slot.fallback else NoteCode.RELAY_LOST_SILENT
        fallback = slot.fallback.rsplit("/", 1)[-1] if slot.fallback else ""
        problem = note(code, slot=slot.name, at=at, url=lost.receipt.url, fallback=fallback)
        record_problem(ctx, problem)
    left = (occurrence.end - ctx.now()).total_seconds()
    if not slot.fallback or left <= 0 or cancel.is_set():
        return None
    path = fallback_path(ctx.settings.base_dir, slot.fallback)
    receiver = fallback_receiver(path, ctx.settings.sample_rate, ffmpeg_exe())
    return air_part(
        ctx.session, where, receiver, slot.name, occurrence.start, left,
        _next_part(ctx, occurrence), cancel, FALLBACK,
    )  # fmt: skip


def _result(part: Part, slot: str) -> AiringResult:
    return AiringResult(part.airing_id, None, slot, part.outcome, None, None)
