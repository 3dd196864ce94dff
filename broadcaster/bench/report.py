"""A province's year of airings for `broadcaster bench report` (`report_speed`), the demo and the tests.

`seed_airings` writes airings as the daemon would have sealed them (a `started` event and an
outcome event, or a single `missed` one, chained with the ledger's own hashing), in bulk: the
demo samples, the report tests and the benchmark use it. It is not a way to enter evidence.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from broadcaster.enums import Outcome, Topic
from broadcaster.evidence import ledger
from broadcaster.notes import Note, NoteCode, note
from broadcaster.store.db import Airing, AiringEvent, Script

# What becomes of the airings, in thousandths (the rest air).
FAILED, MISSED, INTERRUPTED = 15, 20, 10
# The notes the daemon keeps for those outcomes (a missed row's slot and time are filled in).
ERRORS = {
    Outcome.FAILED: note(NoteCode.PLAYER_EXIT, exit_code=1, detail=""),
    Outcome.MISSED: note(NoteCode.MISSED_LATE, minutes=15),
    Outcome.INTERRUPTED: note(NoteCode.PREEMPTED),
}
BATCH = 5000


@dataclass(frozen=True)
class Slot:
    """A daily slot the generator fills: its name and local start."""

    name: str
    start: time


DAILY = (Slot("Sáng", time(6)), Slot("Chiều", time(17)))


def _columns(airing: Airing) -> dict[str, object]:
    return {c.key: getattr(airing, c.key) for c in Airing.__table__.columns}


def seed_airings(
    session: Session, first_day: date, days: int, per_day: int, tz: ZoneInfo,
    anchor_dir: Path | None = None, slots: Sequence[Slot] = DAILY, seed: int = 1,
) -> int:  # fmt: skip
    """Add `per_day` sealed airings on each of `days` local days from `first_day`, spread
    over `slots` (a bulletin every 5 minutes within a slot), of the station's scripts; the
    head of each day goes to the anchor files when `anchor_dir` is given. Commits in batches."""
    rng = random.Random(seed)
    scripts = session.execute(select(Script.id, Script.title, Script.topic)).all()
    if not scripts:
        raise ValueError("add scripts before seeding airings")
    chain = _Chain(ledger.head(session) or (0, ledger.GENESIS))
    next_id = (session.scalar(select(func.max(Airing.id))) or 0) + 1
    airings: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for n in range(per_day):
            slot = slots[n % len(slots)]
            planned = datetime.combine(day, slot.start, tzinfo=tz) + timedelta(
                minutes=5 * (n // len(slots))
            )
            script_id, title, topic = scripts[rng.randrange(len(scripts))]
            script = (script_id, title, topic)
            airing = _airing(next_id, slot.name, planned.astimezone(timezone.utc), script, rng)
            events += chain.seal(airing)
            airings.append(_columns(airing))
            next_id += 1
            if len(airings) >= BATCH:
                _flush(session, airings, events)
        _flush(session, airings, events)
        if anchor_dir is not None and per_day:
            ledger.anchor(anchor_dir, chain.head, datetime.combine(day, time(23, 0), tzinfo=tz))
    _move_sequences(session)
    return days * per_day


def _outcome(rng: random.Random) -> Outcome:
    """What became of one airing, drawn with the shares FAILED, MISSED and INTERRUPTED."""
    roll = rng.randrange(1000)
    return (
        Outcome.FAILED if roll < FAILED
        else Outcome.MISSED if roll < FAILED + MISSED
        else Outcome.INTERRUPTED if roll < FAILED + MISSED + INTERRUPTED
        else Outcome.AIRED
    )  # fmt: skip


def _error(outcome: Outcome, slot_name: str, planned: datetime) -> str | None:
    """The stored note of a drawn outcome (None for one that aired)."""
    why = ERRORS.get(outcome)
    if why is None:
        return None
    at = planned.strftime("%H:%M %d/%m/%Y")  # planned in the station's own time zone
    data = {**why.data, "slot": slot_name, "at": at} if outcome == Outcome.MISSED else why.data
    return Note(why.code, data).stored()


def _airing(
    airing_id: int, slot_name: str, planned: datetime, script: tuple[int, str, Topic | None],
    rng: random.Random,
) -> Airing:  # fmt: skip
    """One airing row of `script` as the daemon would have left it, its outcome drawn."""
    script_id, title, topic = script
    outcome = _outcome(rng)
    seconds = round(rng.uniform(90, 300), 3)
    started = None if outcome == Outcome.MISSED else planned + timedelta(seconds=1)
    ended = None
    if outcome in (Outcome.AIRED, Outcome.INTERRUPTED) and started is not None:
        ended = started + timedelta(seconds=seconds if outcome == Outcome.AIRED else 30)
    elif started is not None:
        ended = started + timedelta(seconds=2)
    return Airing(
        id=airing_id, programme_entry_id=None, attempt=1, script_id=script_id,
        rendering_id=None, slot_name=slot_name,
        audio_sha256=hashlib.sha256(f"audio-{script_id}".encode()).hexdigest(),
        duration_s=seconds if outcome == Outcome.AIRED else None,
        planned_start=planned, started_at=started, ended_at=ended, outcome=outcome,
        error=_error(outcome, slot_name, planned), output="null", host="bench", seq=None,
        prev_hash=None, row_hash=None, seal_format=ledger.SEAL_FORMAT, epoch=1,
        title=title, topic=topic,
        text_sha256=hashlib.sha256(f"text-{script_id}".encode()).hexdigest(),
        approved_by="Chủ tịch", author="Cán bộ VH-XH", approved_at=planned,
        voice="espeak:vi", requested_by=None,
    )  # fmt: skip


class _Chain:
    """The events sealed so far, chained with the ledger's own hashing."""

    def __init__(self, head: ledger.Head) -> None:
        self.seq, self.previous = head

    @property
    def head(self) -> ledger.Head:
        """The newest link: its sequence number and hash."""
        return (self.seq, self.previous)

    def seal(self, airing: Airing) -> list[dict[str, object]]:
        """The event rows of `airing`: `started` and its outcome, or a single `missed`."""
        outcome = airing.outcome
        kinds = [outcome] if outcome == Outcome.MISSED else [Outcome.STARTED, outcome]
        rows: list[dict[str, object]] = []
        for kind in kinds:
            self.seq += 1
            event = AiringEvent(
                seq=self.seq, prev_hash=self.previous, seal_format=ledger.SEAL_FORMAT, kind=kind,
                at=airing.started_at if kind == Outcome.STARTED
                else (airing.ended_at or airing.planned_start),
                airing_id=airing.id,
            )  # fmt: skip
            self.previous = ledger.event_hash(event, airing)
            rows.append(
                {"seq": self.seq, "prev_hash": event.prev_hash, "event_hash": self.previous,
                 "seal_format": event.seal_format, "kind": kind, "at": event.at,
                 "airing_id": airing.id}
            )  # fmt: skip
        return rows


def _move_sequences(session: Session) -> None:
    """On PostgreSQL the ids were given, not drawn: move the sequences past them for later
    inserts."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("airing", "airing_event"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                 f"(SELECT max(id) FROM {table}))")
        )  # fmt: skip
    session.commit()


def _flush(
    session: Session, airings: list[dict[str, object]], events: list[dict[str, object]]
) -> None:
    if airings:
        session.execute(insert(Airing), airings)
    if events:
        session.execute(insert(AiringEvent), events)
    session.commit()
    airings.clear()
    events.clear()
