"""An airing's row: made before any sound, its `started` event sealed, its outcome sealed after.

The row is committed as `started`, with its `started` event sealed into the ledger's hash
chain, before the first sample plays; afterwards the outcome is sealed as a second event. When
the database does not answer, the row and its events wait in the journal (journal.py) and the
bulletin airs all the same.
"""

from __future__ import annotations

import logging
import socket
import uuid
from datetime import datetime

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from broadcaster import faultpoints
from broadcaster.config import Settings
from broadcaster.enums import Outcome
from broadcaster.evidence import ledger, witness
from broadcaster.evidence.snapshot import snapshot
from broadcaster.onair.journal import Journal, row_fields
from broadcaster.onair.on_air_note import write_on_air
from broadcaster.onair.outputs import Output
from broadcaster.store.db import Airing, Rendering, Script

logger = logging.getLogger(__name__)


def seal_event(
    session: Session, airing: Airing, kind: Outcome, at: datetime, settings: Settings
) -> None:
    """Seal the event `kind` of `airing` at `at`, commit, then write the anchor and tell the witness.

    Another process sealing at the same moment takes the same place: roll back and take
    the next one. Other refusals (IntegrityError of the row itself) reach the caller.
    """
    changes = {key: getattr(airing, key) for key in _CLOSING}
    for _ in range(5):
        for key, value in changes.items():
            setattr(airing, key, value)  # a rollback expired them
        head = ledger.seal(session, airing, kind, at)
        if kind != Outcome.STARTED:
            faultpoints.reach("seal")  # the outcome is flushed, not yet committed
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            if "seq" not in str(exc.orig).lower():
                raise
            session.add(airing)
            continue
        try:
            ledger.anchor(settings.var_path / "ledger", head, at)
        except OSError as exc:  # a full disk: the chain holds; `log verify` names the gap
            logger.error("could not write the chain head to var/ledger: %s", exc)
        if settings.witness:
            _witness(session, settings, head, at)
        return
    raise RuntimeError(f"could not seal airing {airing.id} into the ledger")


# What closing an airing changes on its row (kept across a rollback of a collided seal).
_CLOSING = ("outcome", "ended_at", "error", "duration_s")


def _witness(session: Session, settings: Settings, head: ledger.Head, now: datetime) -> None:
    """Hand the new head to the witness's worker; never waits for the command (a failure
    becomes a problem to show, recorded by the worker, never a stop or a delay)."""
    engine = session.get_bind()
    keeper = witness.witness_for(
        settings.witness, settings.var_path, engine if isinstance(engine, Engine) else None
    )
    keeper.send(ledger.head_line(head, now))


def new_row(
    script: Script,
    rendering: Rendering,
    planned: datetime,
    started: datetime,
    output: Output,
    epoch: int | None,
    requested_by: str | None = None,
) -> Airing:
    """A new evidence row in state `started`, before any sound."""
    return Airing(
        epoch=epoch,
        **snapshot(script, rendering),
        requested_by=requested_by,
        attempt=1,  # set here: a row kept in the journal never gets the column's default
        planned_start=planned,
        started_at=started,
        outcome=Outcome.STARTED,
        output=output.description,
        host=socket.gethostname(),
        uid=uuid.uuid4().hex,
    )


def seal_open(
    session: Session, airing: Airing, settings: Settings, journal: Journal | None
) -> str | None:
    """Commit the row and seal its `started` event before any sound.

    Returns None when the database took it, or the journal key when it did not answer
    and a journal keeps the airing instead (the bulletin airs all the same). Raises
    IntegrityError when the entry has an airing already.
    """
    at = airing.started_at or airing.planned_start
    if journal is not None and journal.waiting():
        return journal.opened(airing, at)  # behind what already waits, in order
    session.add(airing)
    try:
        seal_event(session, airing, Outcome.STARTED, at, settings)
    except OperationalError as exc:
        session.rollback()
        if journal is None:
            raise
        logger.error("the database did not answer (%s); airing from the plan, journaled", exc)
        journal.trouble = journal.trouble or (str(exc.orig), at)
        return journal.opened(airing, at)
    return None


def seal_close(
    session: Session,
    airing: Airing,
    settings: Settings,
    journal: Journal | None,
    key: str | None,
) -> None:
    """Seal the outcome the row now holds; into the journal when the database does not answer."""
    at = airing.ended_at or airing.planned_start
    fields = row_fields(airing)  # a rollback would forget them
    values = {column.key: getattr(airing, column.key) for column in inspect(Airing).columns}
    if key is None and (journal is None or not journal.waiting()):
        try:
            seal_event(session, airing, airing.outcome, at, settings)
            write_on_air(settings, None)
            return
        except OperationalError as exc:
            session.rollback()
            keep_readable(session, airing, values)
            if journal is None:
                raise
            logger.error("the database did not answer (%s); the outcome is journaled", exc)
            journal.trouble = journal.trouble or (str(exc.orig), at)
    if journal is not None:
        journal.closed(key, airing.id, fields, at)


def keep_readable(session: Session, airing: Airing, values: dict[str, object]) -> None:
    """A rollback expired the committed row, and the database does not answer to load it
    again: keep the object, detached, with the values it had, for what the slot still does."""
    session.expunge(airing)
    for key, value in values.items():
        set_committed_value(airing, key, value)
