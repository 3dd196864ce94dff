"""Air: play a planned bulletin through the output, with its evidence row around it.

The row (`airing_row.py`) is sealed `started` before the first sample plays and closed as
`aired`, `failed`, `interrupted` or `preempted` after, so a killed daemon leaves visible
evidence; when the database does not answer, the bulletin airs all the same and its evidence
waits in the journal (journal.py). A partial unique index on the
airing table lets each programme entry have one airing that is not `failed`:
the database itself refuses a second airing, whoever tries it. After a failure
(nothing reached the speakers) the entry is tried again while the slot has time.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from broadcaster import faultpoints
from broadcaster.clock import Clock
from broadcaster.config import Settings
from broadcaster.enums import Outcome
from broadcaster.evidence.snapshot import snapshot
from broadcaster.notes import Note, NoteCode, note
from broadcaster.onair.airing_row import new_row, seal_close, seal_event, seal_open
from broadcaster.onair.journal import Journal
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
    StopReason.SLOT_GONE: (Outcome.INTERRUPTED, Note(NoteCode.SLOT_WITHDRAWN)),
}
MAX_ATTEMPTS = 3
Sleep = Callable[[float], object]
Fence = Callable[[], None]


@dataclass(frozen=True)
class AiringResult:
    """What happened when one bulletin was due."""

    airing_id: int | None  # None while its row waits in the journal
    script_id: int | None  # None for a relay (a stream, not a script)
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


def _hold(session: Session, entry: ProgrammeEntry) -> None:
    """Take the entry, its script and its rendering out of the session, loaded: a rollback when
    the database stops answering mid-bulletin would expire them, and they could not be read
    again until it answers (the bulletin would end its slot)."""
    for held in (entry, entry.script, entry.rendering):
        if held in session:
            session.expunge(held)


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
        # hashed by the slot's check a moment ago: unchanged since, it is not read again
        if not rendering_intact(settings, rendering, recent=True):
            raise OutputError(note(NoteCode.AUDIO_CHANGED, file=path.name))
        label = _label(
            airing.planned_start,
            settings,
            airing.slot_name or "now",
            airing.script_id or 0,
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
        airing.error = warning.stored() if warning is not None else airing.error
        if warning is not None:
            logger.warning("airing %s aired with a warning: %s", airing.id, warning.english())
    if fence is not None:
        fence()
    airing.ended_at = clock()
    write_on_air(settings, {"airing_id": airing.id, "uid": airing.uid, **outcome_fields(airing)})
    seal_close(session, airing, settings, journal, key)


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
    late: Note | None = None,
) -> AiringResult | None:
    """Air one programme entry once; retry a failure while `deadline` allows. `late` says why
    it starts late (the row keeps it unless playing has more to say).

    Returns None when the entry already has an airing that is not `failed` (in the database or
    the journal), has used up its MAX_ATTEMPTS attempts in all, or its slot is over.
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
        airing = new_row(entry.script, rendering, entry.starts_at, clock(), output, epoch)
        airing.programme_entry_id, airing.slot_name = entry.id, entry.slot_name
        airing.attempt = attempt
        airing.error = late.stored() if late is not None and attempt == 1 else None
        try:
            key = seal_open(session, airing, settings, journal)
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
        airing.id, entry.script_id, airing.title or entry.script.title, airing.outcome,
        airing.error, airing.audio_sha256,
    )  # fmt: skip


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
    airing = new_row(script, rendering, now, now, output, epoch, requested_by)
    key = seal_open(session, airing, settings, journal)
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
