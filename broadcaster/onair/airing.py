"""Air: play a planned bulletin through the output and write the evidence row around it.

The row is committed as `started`, with its `started` event sealed into the ledger's
hash chain, before the first sample plays; afterwards it is closed as `aired`,
`failed`, `interrupted` or `preempted` and that outcome is sealed as a second event,
so a killed daemon leaves visible evidence. When the database does not answer, the
bulletin airs all the same and its evidence waits in the journal (journal.py). A partial unique index on the
airing table lets each programme entry have one airing that is not `failed`:
the database itself refuses a second airing, whoever tries it. After a failure
(nothing reached the speakers) the entry is tried again while the slot has time.
"""

from __future__ import annotations

import logging
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from broadcaster import faultpoints
from broadcaster.clock import Clock
from broadcaster.config import Settings
from broadcaster.enums import Outcome
from broadcaster.evidence import ledger, witness
from broadcaster.evidence.snapshot import snapshot
from broadcaster.notes import Note, NoteCode, note
from broadcaster.onair.journal import Journal, row_fields
from broadcaster.onair.on_air_note import outcome_fields, write_on_air
from broadcaster.onair.outputs import Cancel, Output, OutputError, Preempted, StopReason
from broadcaster.store.db import Airing, ProgrammeEntry, Rendering, Script
from broadcaster.store.renderings import rendering_intact

logger = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 5.0
# Why playback stopped → the outcome and the sentence the evidence row keeps.
STOPPED = {
    StopReason.EMERGENCY: (Outcome.PREEMPTED, Note(NoteCode.PREEMPTED)),
    StopReason.STOPPING: (Outcome.INTERRUPTED, Note(NoteCode.DAEMON_STOPPED)),
    StopReason.FENCED: (Outcome.INTERRUPTED, Note(NoteCode.FENCED)),
    StopReason.TAKEN_BACK: (Outcome.INTERRUPTED, Note(NoteCode.TAKEN_BACK)),
}
MAX_ATTEMPTS = 3
Sleep = Callable[[float], object]
Fence = Callable[[], None]


@dataclass(frozen=True)
class AiringResult:
    """What happened when one bulletin was due."""

    airing_id: int | None  # None while its row waits in the journal
    script_id: int
    title: str
    outcome: Outcome
    error: str | None
    audio_sha256: str | None
    started_at: datetime | None = None


def _label(moment: datetime, settings: Settings, slot: str, script_id: int, attempt: int) -> str:
    local = moment.astimezone(settings.tz).strftime("%Y%m%d-%H%M%S")
    safe_slot = "".join(c if c.isalnum() else "-" for c in slot)
    suffix = f"_try{attempt}" if attempt > 1 else ""
    return f"{local}_{safe_slot}_script{script_id}{suffix}"


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


def _open_row(
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


def _open(
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


def _close(
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
            _keep_readable(session, airing, values)
            if journal is None:
                raise
            logger.error("the database did not answer (%s); the outcome is journaled", exc)
            journal.trouble = journal.trouble or (str(exc.orig), at)
    if journal is not None:
        journal.closed(key, airing.id, fields, at)


def _hold(session: Session, entry: ProgrammeEntry) -> None:
    """Take the entry, its script and its rendering out of the session, loaded: a rollback when
    the database stops answering mid-bulletin would expire them, and they could not be read
    again until it answers (the bulletin would end its slot)."""
    for held in (entry, entry.script, entry.rendering):
        if held in session:
            session.expunge(held)


def _keep_readable(session: Session, airing: Airing, values: dict[str, object]) -> None:
    """A rollback expired the committed row, and the database does not answer to load it
    again: keep the object, detached, with the values it had, for what the slot still does."""
    session.expunge(airing)
    for key, value in values.items():
        set_committed_value(airing, key, value)


def _play(
    session: Session,
    airing: Airing,
    rendering: Rendering,
    output: Output,
    settings: Settings,
    clock: Clock,
    cancel: Cancel | None,
    fence: Fence | None = None,
    journal: Journal | None = None,
    key: str | None = None,
) -> None:
    """Verify the file, play it, and close and seal the evidence row.

    `fence` runs before the row is closed: a daemon that lost the air raises there and
    leaves the row to the daemon that holds the database now.
    """
    path = settings.var_path / rendering.audio_path
    try:
        if not rendering_intact(settings, rendering):
            raise OutputError(note(NoteCode.AUDIO_CHANGED, file=path.name))
        label = _label(
            airing.planned_start,
            settings,
            airing.slot_name or "now",
            airing.script_id,
            airing.attempt,
        )
        # From here on, sound may go out: the note names the row by id and by uid (a journaled
        # row has no id yet).
        write_on_air(settings, {"airing_id": airing.id, "uid": airing.uid})
        warning = output.play(path, label, rendering.duration_s, cancel)
    except Preempted:
        reason = cancel.reason if cancel is not None and cancel.reason else StopReason.EMERGENCY
        airing.outcome, stopped = STOPPED[reason]
        airing.error = stopped.stored()
        logger.warning("airing %s %s", airing.id, airing.outcome)
    except OutputError as exc:
        airing.outcome, airing.error = Outcome.FAILED, exc.note.stored()
        airing.duration_s = None  # nothing reached the speakers
        logger.error("airing %s failed: %s", airing.id, exc)
    else:
        airing.outcome = Outcome.AIRED
        airing.error = warning.stored() if warning is not None else None
        if warning is not None:
            logger.warning("airing %s aired with a warning: %s", airing.id, warning.english())
    if fence is not None:
        fence()
    airing.ended_at = clock()
    write_on_air(settings, {"airing_id": airing.id, "uid": airing.uid, **outcome_fields(airing)})
    _close(session, airing, settings, journal, key)


def _worth_retrying(
    airing: Airing, rendering: Rendering, clock: Clock, deadline: datetime | None
) -> bool:
    """A failed attempt is tried again after a pause when attempts are left and it still fits."""
    if airing.outcome != Outcome.FAILED or airing.attempt >= MAX_ATTEMPTS or deadline is None:
        return False
    retry_at = clock() + timedelta(seconds=RETRY_PAUSE_SECONDS)
    return retry_at + timedelta(seconds=rendering.duration_s) <= deadline


def _next_attempt(session: Session, entry: ProgrammeEntry, journal: Journal | None) -> int:
    """The number of the entry's next attempt, counting those that wait in the journal (only
    those while the database does not answer)."""
    try:
        previous = session.scalar(
            select(Airing.attempt)
            .where(Airing.programme_entry_id == entry.id)
            .order_by(Airing.attempt.desc())
            .limit(1)
        )
    except OperationalError:
        session.rollback()
        previous = None
    return max(previous or 0, journal.attempts(entry.id) if journal else 0) + 1


def air_entry(
    session: Session,
    entry: ProgrammeEntry,
    output: Output,
    settings: Settings,
    clock: Clock,
    *,
    deadline: datetime | None = None,
    sleep: Sleep | None = None,
    cancel: Cancel | None = None,
    epoch: int | None = None,
    fence: Fence | None = None,
    journal: Journal | None = None,
) -> AiringResult | None:
    """Air one programme entry once; retry a failure while `deadline` allows.

    Returns None when the entry already has an airing that is not `failed` (in the
    database or waiting in the journal), has used up its MAX_ATTEMPTS attempts in all
    (however many times it was started), or when its slot is over: no attempt starts
    after `deadline`.
    """
    if deadline is not None and clock() >= deadline:
        return None
    if journal is not None and journal.holds(entry.id):
        return None
    attempt = _next_attempt(session, entry, journal)
    if attempt > MAX_ATTEMPTS:
        return None
    _hold(session, entry)
    while True:
        rendering = entry.rendering
        airing = _open_row(entry.script, rendering, entry.starts_at, clock(), output, epoch)
        airing.programme_entry_id = entry.id
        airing.slot_name = entry.slot_name
        airing.attempt = attempt
        try:
            key = _open(session, airing, settings, journal)
        except IntegrityError:  # aired already, or taken back (its entry deleted) just now
            session.rollback()
            logger.info("entry %s has an airing or was taken back; not airing it", entry.id)
            return None
        faultpoints.reach("started_row")
        _play(session, airing, rendering, output, settings, clock, cancel, fence, journal, key)
        if not _worth_retrying(airing, rendering, clock, deadline) or sleep is None:
            break
        logger.warning(
            "retrying entry %s (attempt %d) in %.0f s", entry.id, attempt + 1, RETRY_PAUSE_SECONDS
        )
        faultpoints.reach("retry")
        sleep(RETRY_PAUSE_SECONDS)
        if cancel is not None and cancel.is_set():
            break
        attempt += 1
    return AiringResult(
        airing.id,
        entry.script_id,
        airing.title or entry.script.title,
        airing.outcome,
        airing.error,
        airing.audio_sha256,
    )


def air_now(
    session: Session,
    script: Script,
    rendering: Rendering,
    output: Output,
    settings: Settings,
    clock: Clock,
    cancel: Cancel | None = None,
    epoch: int | None = None,
    fence: Fence | None = None,
    requested_by: str | None = None,
    journal: Journal | None = None,
) -> AiringResult:
    """Air an approved script at once, outside the programme, and log it."""
    now = clock()
    airing = _open_row(script, rendering, now, now, output, epoch, requested_by)
    key = _open(session, airing, settings, journal)
    _play(session, airing, rendering, output, settings, clock, cancel, fence, journal, key)
    return AiringResult(
        airing.id, script.id, airing.title or script.title, airing.outcome, airing.error,
        airing.audio_sha256, airing.started_at,
    )  # fmt: skip


def record_missed(
    session: Session, entry: ProgrammeEntry, reason: Note, settings: Settings, now: datetime
) -> AiringResult:
    """Write the `missed` row of an entry whose slot passed without it (one sealed event)."""
    airing = Airing(
        programme_entry_id=entry.id,
        **snapshot(entry.script, entry.rendering),
        slot_name=entry.slot_name,
        planned_start=entry.starts_at,
        outcome=Outcome.MISSED,
        error=reason.stored(),
        host=socket.gethostname(),
    )
    session.add(airing)
    seal_event(session, airing, Outcome.MISSED, now, settings)
    return AiringResult(
        airing.id, entry.script_id, airing.title or entry.script.title, Outcome.MISSED,
        airing.error, None,
    )  # fmt: skip
