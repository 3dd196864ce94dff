"""The report's reads: the airings of a period streamed in batches, never all held at once.

`facts` gives the few columns the summary counts; `records` the full evidence rows (as
`evidence.AiringRecord`, the same shape as the log) for the spreadsheet's rows sheet, with
the newest chain link of each airing. A province's year (250,000 airings) streams through
in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from broadcaster.db import Airing, AiringEvent, Script
from broadcaster.evidence import AiringRecord

BATCH = 2000


@dataclass(frozen=True)
class Fact:
    """What the summary counts of one airing; `planned` is local time."""

    planned: datetime
    topic: str
    slot: str | None
    outcome: str
    duration_s: float
    script_id: int


def _between(query: Select, start: datetime, end: datetime) -> Select:
    return query.where(Airing.planned_start >= start, Airing.planned_start < end)


def facts(session: Session, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[Fact]:
    """The airings planned in [start, end), oldest first, as Facts."""
    query = _between(
        select(
            Airing.planned_start, func.coalesce(Airing.topic, Script.topic), Airing.slot_name,
            Airing.outcome, Airing.duration_s, Airing.script_id,
        ).join(Script, Airing.script_id == Script.id),
        start, end,
    ).order_by(Airing.id)  # fmt: skip
    for planned, topic, slot, outcome, seconds, script_id in session.execute(
        query.execution_options(yield_per=BATCH)
    ):
        yield Fact(planned.astimezone(tz), topic, slot, str(outcome), seconds or 0.0, script_id)


def _local(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat(timespec="seconds")


def records(
    session: Session, start: datetime, end: datetime, tz: ZoneInfo
) -> Iterator[AiringRecord]:
    """The evidence rows planned in [start, end), oldest first, each with its newest link."""
    newest = (
        select(AiringEvent.airing_id, func.max(AiringEvent.seq).label("seq"))
        .group_by(AiringEvent.airing_id)
        .subquery()
    )
    query = _between(
        select(
            Airing.id, Airing.planned_start, Airing.started_at, Airing.ended_at, Airing.slot_name,
            Airing.script_id, func.coalesce(Airing.title, Script.title),
            func.coalesce(Airing.topic, Script.topic), Airing.outcome, Airing.duration_s,
            Airing.audio_sha256, Airing.output, Airing.host, Airing.error, Airing.attempt,
            Airing.voice, Airing.author, Airing.approved_by, Airing.requested_by,
            func.coalesce(AiringEvent.seq, Airing.seq),
            func.coalesce(AiringEvent.prev_hash, Airing.prev_hash),
            func.coalesce(AiringEvent.event_hash, Airing.row_hash),
        )
        .join(Script, Airing.script_id == Script.id)
        .outerjoin(newest, newest.c.airing_id == Airing.id)
        .outerjoin(AiringEvent, AiringEvent.seq == newest.c.seq),
        start, end,
    ).order_by(Airing.id)  # fmt: skip
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield AiringRecord(
            id=row[0], planned_start=_local(row[1], tz) or "", started_at=_local(row[2], tz),
            ended_at=_local(row[3], tz), slot=row[4], script_id=row[5], title=row[6],
            topic=row[7], outcome=str(row[8]), duration_s=row[9], audio_sha256=row[10],
            output=row[11], host=row[12], error=row[13], attempt=row[14], voice=row[15],
            author=row[16], approved_by=row[17], requested_by=row[18], seq=row[19],
            prev_hash=row[20], row_hash=row[21],
        )  # fmt: skip
