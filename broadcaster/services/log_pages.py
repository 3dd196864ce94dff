"""The airing log page by page: the rows of one page, found by key.

"Next" and "previous" carry the id of the row a page ended or began with, so a row sealed
between two clicks neither repeats a row nor skips one. A page asked for by its number alone
(a link someone kept, `page=600`) starts at the key its first row has: found by walking the
index (`page_start`), and worth keeping while the chain head stays (`log_page`'s `start_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from broadcaster.enums import Outcome
from broadcaster.programme import periods
from broadcaster.programme.periods import Period
from broadcaster.reports import airing_log, log_pages
from broadcaster.reports.airing_log import AiringRecord
from broadcaster.reports.log_pages import LogKey as LogKey
from broadcaster.reports.log_pages import Seek
from broadcaster.services.context import Context


@dataclass(frozen=True)
class PageAsked:
    """The page a link asks for: its number, and the row it follows or precedes (if any)."""

    number: int = 1
    after: int | None = None  # the id of the last row of the page before
    before: int | None = None  # the id of the first row of the page after


@dataclass(frozen=True)
class LogPage:
    """One page of the log: its rows, its number, the number of pages, and whether there are
    pages either side; `beyond` when the number asked for is past the last page (no rows)."""

    records: list[AiringRecord]
    number: int
    pages: int
    has_previous: bool
    has_next: bool
    beyond: bool = False


def airing_count(ctx: Context, days: Period, outcome: Outcome | None) -> int:
    """How many evidence rows are planned in `days` (with that outcome)."""
    start, end = periods.utc_bounds(days, ctx.settings.tz)
    return airing_log.count_between(ctx.session, start, end, outcome)


def page_start(
    ctx: Context, days: Period, outcome: Outcome | None, number: int, size: int
) -> LogKey | None:
    """The key of the first row of page `number` of `size` rows (None: no such page)."""
    start, end = periods.utc_bounds(days, ctx.settings.tz)
    return log_pages.page_start(ctx.session, start, end, outcome, (number - 1) * size)


def _seek(
    ctx: Context, asked: PageAsked, pages: int, start_of: Callable[[int], LogKey | None]
) -> Seek | None:
    """Where the asked page starts (None: past the last page). A link's row that is gone (or
    never was) falls back to the page's number."""
    for airing_id, backward in ((asked.after, False), (asked.before, True)):
        key = None if airing_id is None else log_pages.key_of(ctx.session, airing_id)
        if key is not None:
            return Seek(key, backward=backward)
    if asked.number == 1:
        return Seek()
    key = start_of(asked.number) if asked.number <= pages else None
    return None if key is None else Seek(key, inclusive=True)


def log_page(
    ctx: Context, days: Period, outcome: Outcome | None, asked: PageAsked, size: int,
    total: int, start_of: Callable[[int], LogKey | None] | None = None,
) -> LogPage:  # fmt: skip
    """The page `asked` of `size` rows of the log of `days` (with that outcome), which has
    `total` rows (`airing_count`); only that page's rows are read. `start_of(number)` gives
    the first key of a page asked for by number (default: `page_start`, walked each time)."""
    pages = max(1, -(-total // size))

    def walked(number: int) -> LogKey | None:
        return page_start(ctx, days, outcome, number, size)

    seek = _seek(ctx, asked, pages, start_of or walked)
    if seek is None:
        return LogPage([], asked.number, pages, total > 0, False, beyond=True)
    start, end = periods.utc_bounds(days, ctx.settings.tz)
    found = log_pages.airings_page(
        ctx.session, start, end, ctx.settings.tz, outcome, seek, size + 1
    )
    more = len(found) > size  # a row beyond the page in the direction read
    if seek.backward:
        records = found[1:] if more else found
        return LogPage(records, max(asked.number, 2) if more else 1, pages, more, True)
    earlier = seek.key is not None and total > 0  # the rows up to the key come before
    return LogPage(found[:size], asked.number if earlier else 1, pages, earlier, more)
