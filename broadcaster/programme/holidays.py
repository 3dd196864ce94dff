"""Vietnam's public holidays, as the station's week knows them: Tết by the lunar calendar, 30/4
and 1/5, 2/9, the Hùng Kings' day, and the days off a decree swaps for a working day.

From `holidays` (python-holidays, the maintained library of every country's holidays; its
Vietnamese calendar computes the lunar dates offline and carries the government's yearly
day-off swaps), with its Vietnamese names. Pure: a date in, the holiday out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

TET_FIRST_DAYS = 3  # "the first three days of Tết": mùng một, mùng hai, mùng ba
_TET_NAME_EN = "Lunar New Year"  # the library's English name of mùng một


@dataclass(frozen=True)
class Holiday:
    """A day off in Vietnam: its date, its Vietnamese name, and which day of Tết it is
    (1–3 for the first three days, None otherwise)."""

    day: date
    name: str
    tet_day: int | None = None


@lru_cache(maxsize=32)
def _year(year: int) -> dict[date, Holiday]:
    import holidays

    names_vi = holidays.country_holidays("VN", years=year, language="vi")
    names_en = holidays.country_holidays("VN", years=year, language="en_US")
    new_year = next((d for d, n in names_en.items() if n == _TET_NAME_EN), None)
    found: dict[date, Holiday] = {}
    for day, name in sorted(names_vi.items()):
        offset = (day - new_year).days if new_year is not None else -1
        tet_day = offset + 1 if 0 <= offset < TET_FIRST_DAYS else None
        found[day] = Holiday(day, name, tet_day)
    return found


def holiday_on(day: date) -> Holiday | None:
    """The public holiday on `day`, if it is one."""
    return _year(day.year).get(day)


def holidays_between(first: date, last: date) -> list[Holiday]:
    """The public holidays from `first` to `last` (both included), in date order."""
    found: list[Holiday] = []
    for year in range(first.year, last.year + 1):
        found += [h for d, h in _year(year).items() if first <= d <= last]
    return found


def first_days_of_tet(day: date) -> bool:
    """Whether `day` is mùng một, mùng hai or mùng ba of Tết Nguyên Đán."""
    found = holiday_on(day)
    return found is not None and found.tet_day is not None


def tet_of(year: int) -> list[date]:
    """The first three days of the Tết that falls in `year` (mùng một first)."""
    days = [h.day for h in _year(year).values() if h.tet_day == 1]
    return [days[0] + timedelta(days=n) for n in range(TET_FIRST_DAYS)] if days else []
