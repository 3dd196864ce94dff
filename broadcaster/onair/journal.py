"""The journal: evidence the database could not take yet, kept until it answers.

When the database is locked or the disk is full, the daemon does not hold a bulletin
back for its bookkeeping: it airs from its plan and keeps each airing here (in
memory, and as JSON lines in var/journal.jsonl when the disk takes them). When the
database answers again, `flush` writes the rows and seals their events in the chain
with the times they happened. No other daemon can take the air meanwhile: taking
the lease over needs a write to the same database.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from broadcaster.enums import Outcome
from broadcaster.notes import Note, NoteCode
from broadcaster.store.db import Airing, AiringEvent

logger = logging.getLogger(__name__)

# Columns an airing row is rebuilt from (the chain columns are the ledger's to fill).
_CHAIN_COLUMNS = {"id", "seq", "prev_hash", "row_hash", "seal_format"}
_TIMES = {"planned_start", "started_at", "ended_at", "approved_at"}

Seal = Callable[[Session, Airing, Outcome, datetime], None]


def row_fields(airing: Airing) -> dict[str, object]:
    """An airing row's columns as JSON values (times as ISO text)."""
    fields: dict[str, object] = {}
    for column in inspect(Airing).columns:
        if column.key in _CHAIN_COLUMNS:
            continue
        value = getattr(airing, column.key)
        fields[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return fields


def _rebuild(fields: dict[str, object]) -> dict[str, object]:
    return {
        key: datetime.fromisoformat(value) if key in _TIMES and isinstance(value, str) else value
        for key, value in fields.items()
    }


@dataclass
class Entry:
    """One airing the database has not fully taken: its row and the events still to seal."""

    key: str
    airing_id: int | None  # the row is in the database already (only its outcome waits)
    row: dict[str, object]
    events: list[tuple[str, str]] = field(default_factory=list)  # (kind, ISO time)

    @property
    def outcome(self) -> str:
        return self.events[-1][0] if self.events else str(self.row.get("outcome"))


def _line(entry: Entry) -> str:
    """One entry's state as a JSON line of the journal file."""
    state = {
        "key": entry.key,
        "airing_id": entry.airing_id,
        "row": entry.row,
        "events": entry.events,
    }
    return json.dumps(state, ensure_ascii=False)


class Journal:
    """Airings waiting for the database, oldest first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {}
        # Why the database did not answer, first seen when (for the problem shown afterwards).
        self.trouble: tuple[str, datetime] | None = None
        # The on-air thread adds while the housekeeping thread flushes.
        self.lock = threading.RLock()
        self._load()

    def _load(self) -> None:
        if not self.path.is_file():
            return
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(line)
                entry = Entry(
                    data["key"], data["airing_id"], data["row"], [tuple(e) for e in data["events"]]
                )
            except (ValueError, KeyError, TypeError):
                logger.error("skipped a damaged line in %s", self.path)  # a torn last write
                continue
            self.entries[entry.key] = entry
        if self.entries:
            logger.warning("%d airing(s) wait in the journal for the database", len(self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def _save(self, entry: Entry) -> None:
        """Append the entry's state; the newest line of a key wins. A full disk keeps it in memory."""
        line = _line(entry)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            logger.error(
                "the journal file %s could not be written (%s); kept in memory", self.path, exc
            )

    def _rewrite(self) -> None:
        """Keep only the entries still waiting (after a flush)."""
        try:
            if not self.entries:
                self.path.unlink(missing_ok=True)
                return
            part = self.path.with_suffix(".part")
            part.write_text(
                "".join(_line(e) + "\n" for e in self.entries.values()),
                encoding="utf-8",
            )
            part.replace(self.path)
        except OSError as exc:
            logger.error("the journal file %s could not be rewritten: %s", self.path, exc)

    def waiting(self) -> bool:
        """Whether airings wait: new evidence then goes behind them, in the order it happened."""
        return bool(self.entries)

    def opened(self, airing: Airing, at: datetime) -> str:
        """Keep an airing whose `started` row the database refused; returns its key."""
        with self.lock:
            return self._opened(airing, at)

    def _opened(self, airing: Airing, at: datetime) -> str:
        entry = Entry(
            uuid.uuid4().hex, None, row_fields(airing), [(Outcome.STARTED.value, at.isoformat())]
        )
        self.entries[entry.key] = entry
        self._save(entry)
        return entry.key

    def closed(
        self, key: str | None, airing_id: int | None, fields: dict[str, object], at: datetime
    ) -> None:
        """Keep the outcome of an airing: one journaled at its start (`key`), or one the
        database holds as started (`airing_id`). `fields` are its row's (`row_fields`)."""
        with self.lock:
            self._closed(key, airing_id, fields, at)

    def _closed(
        self, key: str | None, airing_id: int | None, fields: dict[str, object], at: datetime
    ) -> None:
        entry = self.entries.get(key) if key else None
        if entry is None:
            entry = Entry(uuid.uuid4().hex, airing_id, {}, [])
            self.entries[entry.key] = entry
        entry.row = fields
        entry.events.append((str(fields["outcome"]), at.isoformat()))
        self._save(entry)

    def holds(self, programme_entry_id: int) -> bool:
        """Whether an airing of this programme entry waits here (other than a failed one)."""
        return any(
            e.row.get("programme_entry_id") == programme_entry_id and e.outcome != Outcome.FAILED
            for e in self.entries.values()
        )

    def attempts(self, programme_entry_id: int) -> int:
        """The highest attempt number of this programme entry waiting here (0 if none)."""
        return max(
            (
                int(str(e.row.get("attempt") or 0))
                for e in self.entries.values()
                if e.row.get("programme_entry_id") == programme_entry_id
            ),
            default=0,
        )

    def flush(self, session: Session, seal: Seal) -> list[Airing]:
        """Write what waits, oldest first, each airing in its own transaction.

        `seal(session, airing, kind, at)` adds one event and commits (with the anchor and
        the witness). Stops at the first database error (it is still not answering) and
        returns the rows written.
        """
        with self.lock:
            return self._flush(session, seal)

    def _flush(self, session: Session, seal: Seal) -> list[Airing]:
        written = []
        for key, entry in list(self.entries.items()):
            try:
                airing = self._write(session, entry, seal)
            except OperationalError as exc:
                session.rollback()
                logger.warning("the database still does not answer (%s); the journal waits", exc)
                break
            del self.entries[key]
            if airing is not None:
                written.append(airing)
        if written or not self.entries:
            self._rewrite()
        return written

    def _write(self, session: Session, entry: Entry, seal: Seal) -> Airing | None:
        """Seal the entry's events one by one; what is sealed leaves the entry at once.

        Idempotent: an airing written before a crash (its row, or some of its events) is
        found again and only what is missing is sealed.
        """
        fields = _rebuild(entry.row)
        airing = _find(session, entry.airing_id, fields)
        if airing is None:
            airing = Airing(**fields)
            airing.outcome = Outcome.STARTED
            if _aired_elsewhere(session, airing):
                airing.programme_entry_id = None  # keep the evidence; the entry has its airing
                airing.error = Note(NoteCode.AIRED_AGAIN).stored()
            session.add(airing)
            sealed: set[str] = set()
        else:
            sealed = set(
                session.scalars(select(AiringEvent.kind).where(AiringEvent.airing_id == airing.id))
            )
        while entry.events:
            kind, at = entry.events[0]
            if kind not in sealed:
                if airing.outcome != Outcome.STARTED:
                    logger.error(
                        "airing %s is %s in the database; its journaled %s is dropped",
                        airing.id, airing.outcome, kind,
                    )  # fmt: skip
                    return None
                if kind != Outcome.STARTED:
                    airing.ended_at = fields.get("ended_at")  # type: ignore[assignment]
                    airing.duration_s = fields.get("duration_s")  # type: ignore[assignment]
                    airing.error = fields.get("error") or airing.error  # type: ignore[assignment]
                airing.outcome = Outcome(kind)
                seal(session, airing, Outcome(kind), datetime.fromisoformat(at))
            entry.airing_id = airing.id
            entry.events.pop(0)
        logger.warning("airing %s written from the journal", airing.id)
        return airing


def _find(session: Session, airing_id: int | None, fields: dict[str, object]) -> Airing | None:
    """The airing row of a journal entry: by id, or by when and where it started."""
    if airing_id is not None:
        return session.get(Airing, airing_id)
    return session.scalars(
        select(Airing).where(
            Airing.script_id == fields.get("script_id"),
            Airing.started_at == fields.get("started_at"),
            Airing.host == fields.get("host"),
            Airing.attempt == fields.get("attempt"),
        )
    ).first()


def _aired_elsewhere(session: Session, airing: Airing) -> bool:
    """Whether the programme entry of `airing` has an airing in the database (not failed)."""
    if airing.programme_entry_id is None:
        return False
    return (
        session.scalar(
            select(Airing.id)
            .where(
                Airing.programme_entry_id == airing.programme_entry_id,
                Airing.outcome != Outcome.FAILED,
            )
            .limit(1)
        )
        is not None
    )
