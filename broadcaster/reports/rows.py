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

from sqlalchemy import ColumnElement, Select, case, func, literal, select

from broadcaster.enums import Kind
from broadcaster.reports.airing_log import KIND, RECORD_COLUMNS, AiringRecord, record_from
from broadcaster.store import tables as t
from broadcaster.store.authors import DEMO_AUTHOR
from broadcaster.store.engine import Reader

BATCH = 2000


@dataclass(frozen=True)
class Fact:
    """`count` airings alike in what the summary counts: local month 'YYYY-MM', topic, slot,
    outcome and script (None: a relay's part); `seconds` is their summed duration (a relay's:
    the seconds received)."""

    month: str
    topic: str
    slot: str | None
    outcome: str
    script_id: int | None
    count: int
    seconds: float
    cluster: str | None = None  # a loudspeaker cluster's confirmed row; None: the station's
    kind: str = Kind.CCHC.value


def _between(query: Select, start: datetime, end: datetime, samples: bool = False) -> Select:
    """Rows planned in [start, end); the demo's sample bulletins only when `samples`."""
    conditions: list[ColumnElement[bool]] = [
        t.airing.c.planned_start >= start,
        t.airing.c.planned_start < end,
    ]
    if not samples:
        conditions.append(func.coalesce(t.airing.c.author, t.script.c.author, "") != DEMO_AUTHOR)
    return query.where(*conditions)


def _month_starts(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, str]]:
    """The local months in [start, end): (the instant each begins, or `start`; 'YYYY-MM')."""
    local = start.astimezone(tz)
    year, month = local.year, local.month
    found = [(start, f"{year:04d}-{month:02d}")]
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        begins = datetime(year, month, 1, tzinfo=tz)
        if begins >= end:
            return found
        found.append((begins, f"{year:04d}-{month:02d}"))


def facts(
    session: Reader, start: datetime, end: datetime, tz: ZoneInfo, samples: bool = False
) -> Iterator[Fact]:
    """The airings planned in [start, end), counted by the database per local month, topic,
    kind, slot, outcome and script (the month from the instants local months begin at, so it
    needs no time zone support from the database); the demo's samples only with `samples`."""
    months = _month_starts(start, end, tz)
    whens = [(t.airing.c.planned_start < begins, n) for n, (begins, _) in enumerate(months[1:])]
    month = (case(*whens, else_=len(months) - 1) if whens else literal(0)).label("month")
    topic = func.coalesce(t.airing.c.topic, t.script.c.topic).label("topic")
    kind = KIND.label("kind")
    query = _between(
        select(
            month, topic, t.airing.c.slot_name, t.airing.c.outcome, t.airing.c.script_id, func.count(),
            func.sum(t.airing.c.duration_s), t.airing.c.cluster, kind,
        ).outerjoin(t.script, t.airing.c.script_id == t.script.c.id),  # a relay's rows have none
        start, end, samples,
    ).group_by(
        month, topic, t.airing.c.slot_name, t.airing.c.outcome, t.airing.c.script_id, t.airing.c.cluster, kind
    )  # fmt: skip
    for index, topic_, slot, outcome, script_id, count, seconds, cluster, kind_ in session.execute(
        query
    ):
        yield Fact(
            months[index][1], topic_, slot, str(outcome), script_id, count, seconds or 0.0,
            cluster, kind_,
        )  # fmt: skip


def records(
    session: Reader, start: datetime, end: datetime, tz: ZoneInfo, samples: bool = False
) -> Iterator[AiringRecord]:
    """The evidence rows planned in [start, end), by planned time, each with its newest link
    and its kind (the demo's samples only with `samples`)."""
    newest = (
        select(t.airing_event.c.airing_id, func.max(t.airing_event.c.seq).label("seq"))
        .group_by(t.airing_event.c.airing_id)
        .subquery()
    )
    query = _between(
        select(
            *RECORD_COLUMNS[:19],
            func.coalesce(t.airing_event.c.seq, t.airing.c.seq),
            func.coalesce(t.airing_event.c.prev_hash, t.airing.c.prev_hash),
            func.coalesce(t.airing_event.c.event_hash, t.airing.c.row_hash),
            KIND,
        )
        .outerjoin(t.script, t.airing.c.script_id == t.script.c.id)  # a relay's rows have none
        .outerjoin(newest, newest.c.airing_id == t.airing.c.id)
        .outerjoin(t.airing_event, t.airing_event.c.seq == newest.c.seq),
        start, end, samples,
    ).order_by(t.airing.c.planned_start, t.airing.c.id)  # fmt: skip
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield record_from(row, tz)
