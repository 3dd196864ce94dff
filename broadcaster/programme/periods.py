"""Reporting periods by name: the CCHC quarters, halves and years with their cut-off day.

The Ministry of Home Affairs' periodic CCHC reports count data from a cut-off day, not from
the first of a month: with the usual cut-off (15) the first quarter runs from 15 December of
the previous year to 14 March, the year from 15 December to 14 December. A cut-off of 1 gives
calendar periods (1 January to 31 March). Calendar months are always calendar months.

Periods are local days (the radio's time zone); `utc_bounds` turns them into the UTC instants
the database stores. Pure functions: nothing here reads the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from broadcaster.errors import BroadcasterError, Code

# A series of periods: the months (of the report year) each period ends in.
QUARTERS = {1: 3, 2: 6, 3: 9, 4: 12}
HALVES = {1: 6, 2: 12}
SERIES = ("quarter", "half", "year")
_NAME = re.compile(r"(\d{4})(?:-(Q[1-4]|H[12]|\d{2}))?", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included; `name` as asked (e.g. 2024-Q1), or ''."""

    start: date
    end: date
    name: str = ""

    @property
    def days(self) -> int:
        """How many days the period holds."""
        return (self.end - self.start).days + 1


def _month_start(year: int, month: int, cutoff_day: int) -> date:
    """The first day of the reporting month that ends in calendar month `month` of `year`.

    With cut-off 1 it is the calendar month; otherwise it starts on the cut-off day of the
    month before (15 Feb – 14 Mar is March's)."""
    if cutoff_day == 1:
        return date(year, month, 1)
    year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return date(year, month, cutoff_day)


def _span(year: int, first_month: int, last_month: int, cutoff_day: int, name: str) -> Period:
    """Reporting months `first_month` to `last_month` of `year` (the next period's eve ends it)."""
    start = _month_start(year, first_month, cutoff_day)
    after = (
        _month_start(year + 1, 1, cutoff_day)
        if last_month == 12
        else _month_start(year, last_month + 1, cutoff_day)
    )
    return Period(start, after - timedelta(days=1), name)


def quarter(year: int, number: int, cutoff_day: int) -> Period:
    """Quarter `number` (1–4) of `year`."""
    last = QUARTERS[number]
    return _span(year, last - 2, last, cutoff_day, f"{year}-Q{number}")


def half(year: int, number: int, cutoff_day: int) -> Period:
    """Half `number` (1–2) of `year`."""
    last = HALVES[number]
    return _span(year, last - 5, last, cutoff_day, f"{year}-H{number}")


def year_period(year: int, cutoff_day: int) -> Period:
    """The reporting year `year`."""
    return _span(year, 1, 12, cutoff_day, str(year))


def month(year: int, number: int) -> Period:
    """A calendar month (always the 1st to the last day, whatever the cut-off)."""
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return Period(date(year, number, 1), following - timedelta(days=1), f"{year}-{number:02d}")


def named(name: str, cutoff_day: int) -> Period:
    """The period called `name`: 2024-Q1…Q4, 2024-H1/H2, 2024 or 2024-03; else PERIOD_UNKNOWN."""
    found = _NAME.fullmatch(name.strip())
    if found is None:
        raise BroadcasterError(Code.PERIOD_UNKNOWN, value=name)
    year, part = int(found[1]), (found[2] or "").upper()
    if not 1900 < year < 2200:
        raise BroadcasterError(Code.PERIOD_UNKNOWN, value=name)
    if not part:
        return year_period(year, cutoff_day)
    if part[0] == "Q":
        return quarter(year, int(part[1]), cutoff_day)
    if part[0] == "H":
        return half(year, int(part[1]), cutoff_day)
    if not 1 <= int(part) <= 12:
        raise BroadcasterError(Code.PERIOD_UNKNOWN, value=name)
    return month(year, int(part))


def containing(day: date, series: str, cutoff_day: int) -> Period:
    """The quarter, half or year (`series`) that holds local day `day`."""
    for year in (day.year, day.year + 1):
        if series == "quarter":
            candidates = [quarter(year, n, cutoff_day) for n in QUARTERS]
        elif series == "half":
            candidates = [half(year, n, cutoff_day) for n in HALVES]
        else:
            candidates = [year_period(year, cutoff_day)]
        for period in candidates:
            if period.start <= day <= period.end:
                return period
    raise ValueError(f"no {series} holds {day}")  # the periods tile the calendar


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def name_vi(name: str) -> str:
    """A period's name in words: 2026-Q4 → Quý IV/2026, 2026-H1 → 6 tháng đầu năm 2026,
    2026-H2 → 6 tháng cuối năm 2026, 2026 → Năm 2026, 2026-03 → Tháng 03/2026."""
    found = _NAME.fullmatch(name.strip())
    if found is None:
        return name
    year, part = found[1], (found[2] or "").upper()
    if not part:
        return f"Năm {year}"
    if part[0] == "Q":
        return f"Quý {ROMAN[int(part[1])]}/{year}"
    if part[0] == "H":
        return f"6 tháng {'đầu' if part[1] == '1' else 'cuối'} năm {year}"
    return f"Tháng {part}/{year}"


def choices(year: int) -> list[str]:
    """The period names offered for `year` (the web page's list), newest kind first."""
    return [
        *(f"{year}-Q{n}" for n in QUARTERS), *(f"{year}-H{n}" for n in HALVES), str(year),
        *(f"{year}-{m:02d}" for m in range(1, 13)),
    ]  # fmt: skip


def utc_bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants [first local midnight, the midnight after the last day) of `period`, in UTC.

    The one period function: the log, the report, the pack and the clusters' unconfirmed
    entries all take their bounds from here."""
    return (
        datetime.combine(period.start, time(0), tzinfo=tz).astimezone(timezone.utc),
        datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=tz).astimezone(
            timezone.utc
        ),
    )
