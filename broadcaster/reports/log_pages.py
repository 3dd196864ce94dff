"""The airing log a page at a time, by key: each page is read from where the one before ended.

A row's place in the log is its key (planned time, id): the id breaks ties between rows
planned for the same moment. A page is read by seeking the index to a key and taking the
next rows, so a page reached by "next" costs what page 1 does. Only a page asked for by its
number alone walks the index to its first key (`page_start`), which the caller may keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from broadcaster.reports.airing_log import (
    RECORD_COLUMNS,
    AiringRecord,
    newest_links,
    record_from,
    within,
)
from broadcaster.store.db import Airing, Script


@dataclass(frozen=True, order=True)
class LogKey:
    """A row's place in the log's order: its planned time, then its id."""

    planned_start: datetime
    id: int


@dataclass(frozen=True)
class Seek:
    """Where a page starts: after (or, `backward`, before) `key`, or at it when `inclusive`;
    from the first row when `key` is None."""

    key: LogKey | None = None
    backward: bool = False
    inclusive: bool = False


def key_of(session: Session, airing_id: int) -> LogKey | None:
    """The key of the row `airing_id` (None: no such row)."""
    found = session.execute(
        select(Airing.planned_start, Airing.id).where(Airing.id == airing_id)
    ).first()
    return None if found is None else LogKey(found[0], found[1])


def page_start(
    session: Session, start: datetime, end: datetime, outcome: str | None, offset: int
) -> LogKey | None:
    """The key of the row `offset` rows into [start, end) (with that outcome), in the log's
    order (None: there are not that many): a walk of the index alone, not of the rows."""
    keys = select(Airing.planned_start, Airing.id).where(*within(start, end, outcome))
    order = (Airing.planned_start, Airing.id)
    found = session.execute(keys.order_by(*order).limit(1).offset(offset)).first()
    return None if found is None else LogKey(found[0], found[1])


def _narrowed(start: datetime, end: datetime, seek: Seek) -> tuple[datetime, datetime]:
    """The period cut at the seek's key, as one range of the index (given two lower bounds, a
    database may seek by one and filter by the other: page 600 read the 599 pages before)."""
    if seek.key is None:
        return start, end
    at = seek.key.planned_start
    if seek.backward:
        return start, min(end, at + timedelta(microseconds=1))
    return max(start, at), end


def _ties(seek: Seek) -> list[ColumnElement[bool]]:
    """Among the rows planned at the key's moment, those on the seek's side of its id."""
    if seek.key is None:
        return []
    at, id_ = seek.key.planned_start, seek.key.id
    if seek.backward:
        return [
            or_(Airing.planned_start < at, Airing.id <= id_ if seek.inclusive else Airing.id < id_)
        ]
    return [or_(Airing.planned_start > at, Airing.id >= id_ if seek.inclusive else Airing.id > id_)]


def airings_page(
    session: Session,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    outcome: str | None,
    seek: Seek,
    limit: int,
) -> list[AiringRecord]:
    """At most `limit` rows of [start, end) (with that outcome) from `seek`, in the log's order
    (a backward seek reads the rows before its key, and gives them in the log's order too)."""
    direction = (Airing.planned_start.desc(), Airing.id.desc()) if seek.backward else (
        Airing.planned_start, Airing.id
    )  # fmt: skip
    # One query: the index gives the order and the first `limit` rows; each joins its script.
    query = (
        select(*RECORD_COLUMNS)
        .outerjoin(Script, Airing.script_id == Script.id)  # a relay's rows have no script
        .where(*within(*_narrowed(start, end, seek), outcome), *_ties(seek))
    )
    rows = list(session.execute(query.order_by(*direction).limit(limit)))
    if seek.backward:
        rows.reverse()
    newest = newest_links(session, [row[0] for row in rows])
    return [record_from(row, tz, newest.get(row[0])) for row in rows]
