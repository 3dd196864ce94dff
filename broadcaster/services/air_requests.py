"""The daemon's side of what people ask of the air: air-now and emergency requests put before
the arbiter and served, and bulletins taken back (returned, retired, edited) taken off it.

The daemon's watch calls `ask_requests` and `watch_scripts` several times a second and serves
each asked request on a thread of its own (`serve_asked`); the web page and `air-now` make
the requests (`services.onair.air_now`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Collection

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from broadcaster.enums import Outcome, Status
from broadcaster.notes import NoteCode, note
from broadcaster.onair.airing import AiringResult
from broadcaster.onair.airing import air_now as air_script_now
from broadcaster.onair.arbiter import Approved, Claim, Kind, TakenBack, Why
from broadcaster.onair.outputs import Cancel
from broadcaster.services.audio import record_problem
from broadcaster.services.context import Context
from broadcaster.services.onair import Airwaves
from broadcaster.store.db import Airing, AirRequest, Script
from broadcaster.store.renderings import current_rendering, rendering_intact

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    """An air-now or emergency request put before the arbiter: its claim and its cancel."""

    request_id: int
    claim: Claim
    cancel: Cancel


def ask_requests(ctx: Context, air: Airwaves, skip: Collection[int] = ()) -> list[Asked]:
    """Put every new air-now and emergency request before the arbiter, in order (emergencies
    first, then as they came): an emergency cuts what sounds at once. Requests in `skip` are
    being served. Each one returned must then be served with `serve_asked`."""
    pending = ctx.session.scalars(
        select(AirRequest)
        .where(AirRequest.handled_at.is_(None), AirRequest.id.not_in(skip))
        .order_by(AirRequest.emergency.desc(), AirRequest.id)
    ).all()
    claims = []
    for request in pending:
        if request.id in air.served:  # aired while the database did not answer: never again
            _close_served(ctx, request, air)
            continue
        script = ctx.session.get_one(Script, request.script_id)
        claim = Claim(
            f"request:{request.id}", Kind.EMERGENCY if request.emergency else Kind.AIR_NOW,
            script.id, script.title, by=request.requested_by, version=script.content_hash,
        )  # fmt: skip
        claims.append((request.id, claim))
    asked = []  # no database from here on: every claim asked is returned to be served
    for request_id, claim in claims:
        air.floor.ask(claim, cancel := air.cancel(claim))
        asked.append(Asked(request_id, claim, cancel))
    return asked


def serve_requests(ctx: Context, air: Airwaves) -> list[AiringResult]:
    """Air what `air-now` and the web page asked for, one after the other, in this thread."""
    results = []
    for asked in ask_requests(ctx, air):
        result = serve_asked(ctx, asked, air)
        if result is not None:
            results.append(result)
    return results


def _mark_handled(ctx: Context, request: AirRequest, airing_id: int | None) -> None:
    """Close the request; while the database does not answer, `air.served` remembers it."""
    request.handled_at, request.airing_id = ctx.now(), airing_id
    try:
        ctx.session.commit()
    except OperationalError as exc:
        ctx.session.rollback()
        logger.warning("air-now request %s aired; it is closed when the database answers (%s)",
                       request.id, exc)  # fmt: skip


def _close_served(ctx: Context, request: AirRequest, air: Airwaves) -> None:
    """Close a request aired while the database did not answer, once its airing is written."""
    if air.journal is not None and air.journal.waiting():
        return
    airing_id, started = air.served[request.id]
    if airing_id is None and started is not None:  # its row came from the journal
        airing_id = ctx.session.scalar(
            select(Airing.id).where(
                Airing.script_id == request.script_id, Airing.started_at == started
            )
        )
    _mark_handled(ctx, request, airing_id)


def serve_asked(ctx: Context, asked: Asked, air: Airwaves) -> AiringResult | None:
    """Wait for the arbiter to start the request, then air it and close it."""
    dropped = air.floor.wait(asked.claim, asked.cancel)
    failed = False
    try:
        if dropped in (Why.STOPPING, Why.FENCED):
            return None  # stays queued for the next daemon
        request = ctx.session.get_one(AirRequest, asked.request_id)
        script = ctx.session.get_one(Script, request.script_id)
        ctx.session.refresh(script)  # as it is now, after the wait for the air
        rendering = current_rendering(ctx.session, script)
        if (
            dropped is not None
            or script.status != Status.APPROVED
            or rendering is None
            or not rendering_intact(ctx.settings, rendering)
        ):
            request.handled_at = ctx.now()
            ctx.session.commit()
            record_problem(
                ctx, note(NoteCode.AIR_NOW_NOT_READY, request_id=request.id, script_id=script.id)
            )
            return None
        air.fence()
        air.served[request.id] = (None, None)
        result = air_script_now(
            ctx.session, script, rendering, air.output, ctx.settings, ctx.clock, asked.cancel,
            air.epoch, air.fence, request.requested_by, air.journal,
        )  # fmt: skip
        failed = result.outcome == Outcome.FAILED
        air.served[request.id] = (result.airing_id, result.started_at)
        if result.airing_id is None:  # journaled: closed when its row is written
            return result
        _mark_handled(ctx, request, result.airing_id)
        return result
    finally:
        if dropped is None:
            air.floor.done(asked.claim, failed)


def watch_scripts(ctx: Context, air: Airwaves) -> None:
    """Tell the arbiter which bulletins it holds were taken back (returned, retired, edited:
    not approved with the text it was given) and which taken back are approved again."""
    floor = air.floor
    claims = {c.script_id: c for c in floor.claimed()}
    ids = set(claims) | floor.arbiter.taken_back
    if not ids:
        return
    now = ctx.now()
    rows = ctx.session.execute(
        select(Script.id, Script.status, Script.content_hash).where(Script.id.in_(ids))
    ).all()
    for script_id, status, content_hash in rows:
        claim = claims.get(script_id)
        approved = status == Status.APPROVED
        if claim is not None and (not approved or content_hash != claim.version):
            floor.report(TakenBack(script_id, now))
        elif approved and script_id in floor.arbiter.taken_back:
            floor.report(Approved(script_id, now))
