"""The airing log: read the evidence rows for a period and export them (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from broadcaster import notes
from broadcaster.cells import neutralise_row
from broadcaster.db import Airing, AiringEvent, Script


@dataclass(frozen=True)
class AiringRecord:
    """One evidence row as people read it (times in local time)."""

    id: int
    planned_start: str
    started_at: str | None
    ended_at: str | None
    slot: str | None
    script_id: int
    title: str
    topic: str
    outcome: str
    duration_s: float | None
    audio_sha256: str | None
    output: str | None
    host: str | None
    error: str | None
    attempt: int
    voice: str | None
    author: str | None
    approved_by: str | None
    requested_by: str | None
    # The row's newest link in the chain: its last event (format 3) or the row itself.
    seq: int | None
    prev_hash: str | None
    row_hash: str | None


def local_day_range(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC bounds covering local days `start` to `end`, both included."""
    return (
        datetime.combine(start, time(0), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz),
    )


def _local(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat(timespec="seconds")


EVENT_BATCH = 2000  # airings whose newest chain links are looked up in one query


def _within(
    start: datetime | None, end: datetime | None, outcome: str | None
) -> list[ColumnElement[bool]]:
    """The conditions of a period (either end open) and an outcome."""
    conditions = []
    if start is not None:
        conditions.append(Airing.planned_start >= start)
    if end is not None:
        conditions.append(Airing.planned_start < end)
    if outcome is not None:
        conditions.append(Airing.outcome == outcome)
    return conditions


def count_between(
    session: Session, start: datetime | None, end: datetime | None, outcome: str | None = None
) -> int:
    """How many evidence rows are planned in [start, end) (with that outcome)."""
    query = select(func.count(Airing.id)).where(*_within(start, end, outcome))
    return session.scalar(query) or 0


def airings_between(
    session: Session,
    start: datetime | None,
    end: datetime | None,
    tz: ZoneInfo,
    *,
    outcome: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[AiringRecord]:
    """Evidence rows planned in [start, end) (with that outcome), oldest first; `limit` rows
    from `offset` for a page. Each row's newest chain link is read for the rows returned only."""
    query = (
        select(Airing, Script)
        .join(Script, Airing.script_id == Script.id)
        .where(*_within(start, end, outcome))
        .order_by(Airing.id)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = [(airing, script) for airing, script in session.execute(query)]
    newest: dict[int, AiringEvent] = {}
    for first in range(0, len(rows), EVENT_BATCH):
        ids = [airing.id for airing, _ in rows[first : first + EVENT_BATCH]]
        links = select(AiringEvent).where(AiringEvent.airing_id.in_(ids))
        for link in session.scalars(links.order_by(AiringEvent.seq)):
            newest[link.airing_id] = link
    records = []
    for airing, script in rows:
        event = newest.get(airing.id)
        records.append(
            AiringRecord(
                id=airing.id,
                planned_start=_local(airing.planned_start, tz) or "",
                started_at=_local(airing.started_at, tz),
                ended_at=_local(airing.ended_at, tz),
                slot=airing.slot_name,
                script_id=script.id,
                # The snapshot taken when the row opened; rows of the first release have none.
                title=airing.title or script.title,
                topic=airing.topic or script.topic,
                outcome=airing.outcome,
                duration_s=airing.duration_s,
                audio_sha256=airing.audio_sha256,
                output=airing.output,
                host=airing.host,
                error=airing.error,
                attempt=airing.attempt,
                voice=airing.voice,
                author=airing.author,
                approved_by=airing.approved_by,
                requested_by=airing.requested_by,
                seq=event.seq if event else airing.seq,
                prev_hash=event.prev_hash if event else airing.prev_hash,
                row_hash=event.event_hash if event else airing.row_hash,
            )
        )
    return records


def _readable(record: AiringRecord) -> dict[str, object]:
    """A row for the CLI's own output: the note in English, its code beside it for machines."""
    return asdict(record) | {
        "error": notes.english(record.error) or None,
        "error_code": notes.code_of(record.error) or None,
    }


def to_json(records: list[AiringRecord]) -> str:
    """The rows as a JSON array."""
    return json.dumps([_readable(r) for r in records], ensure_ascii=False, indent=2)


def to_csv(records: list[AiringRecord]) -> str:
    """The rows as CSV with one header line of field names; no cell can start a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*AiringRecord.__dataclass_fields__, "error_code"])
    for record in records:
        writer.writerow(neutralise_row(_readable(record).values()))
    return buffer.getvalue()
