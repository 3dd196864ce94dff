"""The airing log: read the evidence rows for a period and export them (JSON, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select

from broadcaster import notes
from broadcaster.enums import Kind, Priority
from broadcaster.reports.cells import neutralise_row
from broadcaster.reports.streams import JsonList
from broadcaster.store import tables as t
from broadcaster.store.engine import Reader


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
    # The bulletin's kind (cchc, emergency, notice, other): read for the Office's report
    # only; the log's own exports leave it out (see `_readable`).
    kind: str | None = None

    def fields(self) -> dict[str, object]:
        """The fields by name, in order: what `dataclasses.asdict` gives, without its deep copy
        of each value (every field is a plain value), which was most of writing a year's JSON."""
        return dict(vars(self))


def _local(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat(timespec="seconds")


EVENT_BATCH = 2000  # airings whose newest chain links are looked up in one query


def within(
    start: datetime | None, end: datetime | None, outcome: str | None
) -> list[ColumnElement[bool]]:
    """The conditions of a period (either end open) and an outcome."""
    conditions = []
    if start is not None:
        conditions.append(t.airing.c.planned_start >= start)
    if end is not None:
        conditions.append(t.airing.c.planned_start < end)
    if outcome is not None:
        conditions.append(t.airing.c.outcome == outcome)
    return conditions


def count_between(
    session: Reader, start: datetime | None, end: datetime | None, outcome: str | None = None
) -> int:
    """How many evidence rows are planned in [start, end) (with that outcome)."""
    query = select(func.count(t.airing.c.id)).where(*within(start, end, outcome))
    return session.scalar(query) or 0


# What an AiringRecord is read from, in its order: the airing's columns, its snapshot (or, for
# rows of the first release that have none, the script's), then its own chain columns.
# The kind an airing is reported under: the one its row keeps (sealed since revision 0013);
# for a row opened before, its script's priority: an emergency is an emergency, the rest CCHC.
KIND = func.coalesce(
    t.airing.c.kind,
    case(
        (t.script.c.priority == Priority.EMERGENCY.value, Kind.EMERGENCY.value),
        else_=Kind.CCHC.value,
    ),
)
RECORD_COLUMNS = (
    t.airing.c.id, t.airing.c.planned_start, t.airing.c.started_at, t.airing.c.ended_at, t.airing.c.slot_name,
    t.airing.c.script_id, func.coalesce(t.airing.c.title, t.script.c.title),
    func.coalesce(t.airing.c.topic, t.script.c.topic), t.airing.c.outcome, t.airing.c.duration_s,
    t.airing.c.audio_sha256, t.airing.c.output, t.airing.c.host, t.airing.c.error, t.airing.c.attempt, t.airing.c.voice,
    t.airing.c.author, t.airing.c.approved_by, t.airing.c.requested_by, t.airing.c.seq, t.airing.c.prev_hash,
    t.airing.c.row_hash, KIND,
)  # fmt: skip


def record_from(
    row: Sequence[Any], tz: ZoneInfo, link: Sequence[Any] | None = None
) -> AiringRecord:
    """The record of a row of RECORD_COLUMNS; `link` is its newest event's (seq, prev_hash,
    event_hash) when it has events (format 3), else the row's own chain columns count."""
    seq, prev_hash, row_hash = link if link is not None else row[19:22]
    return AiringRecord(
        id=row[0], planned_start=_local(row[1], tz) or "", started_at=_local(row[2], tz),
        ended_at=_local(row[3], tz), slot=row[4], script_id=row[5], title=row[6], topic=row[7],
        outcome=str(row[8]), duration_s=row[9], audio_sha256=row[10], output=row[11],
        host=row[12], error=row[13], attempt=row[14], voice=row[15], author=row[16],
        approved_by=row[17], requested_by=row[18], seq=seq, prev_hash=prev_hash,
        row_hash=row_hash, kind=row[22],
    )  # fmt: skip


def airings_between(
    session: Reader,
    start: datetime | None,
    end: datetime | None,
    tz: ZoneInfo,
    *,
    outcome: str | None = None,
) -> list[AiringRecord]:
    """Evidence rows planned in [start, end) (with that outcome), by planned time (a page of
    them: `log_pages`). Each row's newest chain link is read for the rows returned only."""
    order = (t.airing.c.planned_start, t.airing.c.id)  # the planned_start index's own order
    query = (
        select(*RECORD_COLUMNS)
        .outerjoin(t.script, t.airing.c.script_id == t.script.c.id)  # a relay's rows have none
        .order_by(*order)
    )
    rows = list(session.execute(query.where(*within(start, end, outcome))))
    newest = newest_links(session, [row[0] for row in rows])
    return [record_from(row, tz, newest.get(row[0])) for row in rows]


def newest_links(session: Reader, airing_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """The newest chain link (seq, prev_hash, event_hash) of each of these airings that has
    events (format 3), by airing id."""
    newest: dict[int, tuple[Any, ...]] = {}
    for first in range(0, len(airing_ids), EVENT_BATCH):
        links = select(
            t.airing_event.c.airing_id,
            t.airing_event.c.seq,
            t.airing_event.c.prev_hash,
            t.airing_event.c.event_hash,
        ).where(t.airing_event.c.airing_id.in_(airing_ids[first : first + EVENT_BATCH]))
        for airing_id, *link in session.execute(links.order_by(t.airing_event.c.seq)):
            newest[airing_id] = tuple(link)
    return newest


def _readable(record: AiringRecord) -> dict[str, object]:
    """A row for the CLI's own output: the note in English, its code beside it for machines."""
    fields = record.fields()
    del fields["kind"]
    return fields | {
        "error": notes.english(record.error) or None,
        "error_code": notes.code_of(record.error) or None,
    }


class LogCsv:
    """The rows as CSV with one header line of field names, written as they are given; no
    cell can start a formula."""

    def __init__(self, out: IO[str]) -> None:
        self.count = 0
        self._writer = csv.writer(out, lineterminator="\n")
        names = (n for n in AiringRecord.__dataclass_fields__ if n != "kind")
        self._writer.writerow([*names, "error_code"])

    def add(self, record: AiringRecord) -> None:
        """Write one row."""
        self._writer.writerow(neutralise_row(_readable(record).values()))
        self.count += 1

    def close(self) -> int:
        """The number of rows written."""
        return self.count


class LogJson:
    """The rows as a JSON array, written as they are given."""

    def __init__(self, out: IO[str]) -> None:
        self._list = JsonList(out, 2, ensure_ascii=False)

    def add(self, record: AiringRecord) -> None:
        """Write one row."""
        self._list.add(_readable(record))

    def close(self) -> int:
        """Close the array; the number of rows."""
        return self._list.close()


def _written(writer: type[LogCsv] | type[LogJson], records: Iterable[AiringRecord]) -> str:
    buffer = io.StringIO()
    made = writer(buffer)
    for record in records:
        made.add(record)
    made.close()
    return buffer.getvalue()


def to_json(records: Iterable[AiringRecord]) -> str:
    """The rows as a JSON array."""
    return _written(LogJson, records)


def to_csv(records: Iterable[AiringRecord]) -> str:
    """The rows as CSV with one header line of field names; no cell can start a formula."""
    return _written(LogCsv, records)
