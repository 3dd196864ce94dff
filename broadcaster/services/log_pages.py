"""The airing log page by page: the rows of one page, found by key, and where every page starts.

"Next" and "previous" carry the id of the row a page ended or began with, so a row sealed
between two clicks neither repeats a row nor skips one; a page asked for by its number alone
(a link someone kept, `page=600`) starts at the key that page starts with, taken from the
view's index (`log_index`), which the caller may keep as long as the chain head stays.
"""

from __future__ import annotations

from dataclasses import dataclass

from broadcaster.enums import Outcome
from broadcaster.programme import periods
from broadcaster.programme.periods import Period
from broadcaster.reports import airing_log, log_pages
from broadcaster.reports.airing_log import AiringRecord
from broadcaster.reports.log_pages import LogKey, Seek
from broadcaster.services.context import Context


@dataclass(frozen=True)
class LogIndex:
    """A view of the log (period, outcome): how many rows, and the key each page starts at."""

    total: int
    starts: tuple[LogKey, ...]

    @property
    def pages(self) -> int:
        """How many pages (at least one, the empty page)."""
        return max(1, len(self.starts))


@dataclass(frozen=True)
class PageAsked:
    """The page a link asks for: its number, and the row it follows or precedes (if any)."""

    number: int = 1
    after: int | None = None  # the id of the last row of the page before
    before: int | None = None  # the id of the first row of the page after


@dataclass(frozen=True)
class LogPage:
    """One page of the log: its rows, its number, and whether there are pages either side;
    `beyond` when the number asked for is past the last page (the rows are then empty)."""

    records: list[AiringRecord]
    number: int
    has_previous: bool
    has_next: bool
    beyond: bool = False


def log_index(ctx: Context, days: Period, outcome: Outcome | None, size: int) -> LogIndex:
    """Count the view's rows and note the key of every `size`-th (two walks of one index)."""
    start, end = periods.utc_bounds(days, ctx.settings.tz)
    total = airing_log.count_between(ctx.session, start, end, outcome)
    starts = log_pages.page_starts(ctx.session, start, end, outcome, size) if total else []
    return LogIndex(total, tuple(starts))


def _seek(ctx: Context, asked: PageAsked, index: LogIndex) -> Seek | None:
    """Where the asked page starts (None: past the last page). A link's row that is gone (or
    never was) falls back to the page's number."""
    for airing_id, backward in ((asked.after, False), (asked.before, True)):
        key = None if airing_id is None else log_pages.key_of(ctx.session, airing_id)
        if key is not None:
            return Seek(key, backward=backward)
    if asked.number == 1:
        return Seek()
    if asked.number > len(index.starts):
        return None
    return Seek(index.starts[asked.number - 1], inclusive=True)


def log_page(
    ctx: Context, days: Period, outcome: Outcome | None, asked: PageAsked, index: LogIndex,
    size: int,
) -> LogPage:  # fmt: skip
    """The page `asked` of `size` rows of the view whose index is `index` (`log_index`): only
    that page's rows are read, however deep it lies."""
    seek = _seek(ctx, asked, index)
    if seek is None:
        return LogPage([], asked.number, index.total > 0, False, beyond=True)
    start, end = periods.utc_bounds(days, ctx.settings.tz)
    found = log_pages.airings_page(
        ctx.session, start, end, ctx.settings.tz, outcome, seek, size + 1
    )
    more = len(found) > size  # a row beyond the page in the direction read
    if seek.backward:
        records = found[1:] if more else found
        return LogPage(records, max(asked.number, 2) if more else 1, more, True)
    records = found[:size]
    if records and index.starts:
        earlier = records[0].id != index.starts[0].id  # the view's first row is not on it
    else:
        earlier = index.total > 0 and asked.number > 1
    return LogPage(records, asked.number if earlier else 1, earlier, more)
