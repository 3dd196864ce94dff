"""Reporting periods: the CCHC cut-offs, calendar months, and the local day boundary."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadcaster.errors import BroadcasterError, Code
from broadcaster.programme import periods

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("name", "cutoff", "start", "end"),
    [
        ("2024-Q1", 15, date(2023, 12, 15), date(2024, 3, 14)),
        ("2024-Q2", 15, date(2024, 3, 15), date(2024, 6, 14)),
        ("2024-Q3", 15, date(2024, 6, 15), date(2024, 9, 14)),
        ("2024-Q4", 15, date(2024, 9, 15), date(2024, 12, 14)),
        ("2024-H1", 15, date(2023, 12, 15), date(2024, 6, 14)),
        ("2024-H2", 15, date(2024, 6, 15), date(2024, 12, 14)),
        ("2024", 15, date(2023, 12, 15), date(2024, 12, 14)),
        ("2024-q1", 15, date(2023, 12, 15), date(2024, 3, 14)),
        ("2024-03", 15, date(2024, 3, 1), date(2024, 3, 31)),  # months stay calendar months
        ("2024-02", 15, date(2024, 2, 1), date(2024, 2, 29)),  # a leap year's February
        ("2023-02", 15, date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-12", 20, date(2024, 12, 1), date(2024, 12, 31)),
        ("2024-Q1", 1, date(2024, 1, 1), date(2024, 3, 31)),  # cut-off 1: calendar quarters
        ("2024-Q4", 1, date(2024, 10, 1), date(2024, 12, 31)),
        ("2024", 1, date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-Q1", 20, date(2023, 12, 20), date(2024, 3, 19)),  # a province's own cut-off
        ("2025-Q1", 28, date(2024, 12, 28), date(2025, 3, 27)),
    ],
)
def test_named_periods(name: str, cutoff: int, start: date, end: date) -> None:
    period = periods.named(name, cutoff)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("name", ["2024-Q5", "2024-Q0", "2024-H3", "2024-13", "2024-00", "24-Q1",
                                  "Q1-2024", "2024-W10", "", "quý 1", "2024-Q1x", "99999"])  # fmt: skip
def test_unknown_period_names_are_refused(name: str) -> None:
    with pytest.raises(BroadcasterError) as refused:
        periods.named(name, 15)
    assert refused.value.code == Code.PERIOD_UNKNOWN


def test_the_local_day_ends_at_17_utc() -> None:
    """14 March 23:59:59 in Hà Nội (16:59:59 UTC) is the first quarter; a second later the second."""
    q1 = periods.utc_bounds(periods.named("2024-Q1", 15), TZ)
    q2 = periods.utc_bounds(periods.named("2024-Q2", 15), TZ)
    last_of_q1 = datetime(2024, 3, 14, 16, 59, 59, tzinfo=timezone.utc)
    first_of_q2 = datetime(2024, 3, 14, 17, 0, 0, tzinfo=timezone.utc)
    assert q1[0] <= last_of_q1 < q1[1] and not q2[0] <= last_of_q1 < q2[1]
    assert q2[0] <= first_of_q2 < q2[1] and not q1[0] <= first_of_q2 < q1[1]
    assert q1[0] == datetime(2023, 12, 14, 17, 0, tzinfo=timezone.utc)
    # UTC as its name says (the store's time), not local times that merely compare equal
    assert all(bound.utcoffset() == timedelta(0) for bound in (*q1, *q2))


SERIES = {
    "quarter": lambda year, cutoff: [periods.quarter(year, n, cutoff) for n in range(1, 5)],
    "half": lambda year, cutoff: [periods.half(year, n, cutoff) for n in (1, 2)],
    "year": lambda year, cutoff: [periods.year_period(year, cutoff)],
}


@settings(max_examples=400, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31)),
    cutoff=st.one_of(st.just(15), st.just(1), st.integers(1, 28)),
    series=st.sampled_from(sorted(SERIES)),
)
def test_every_airing_is_in_exactly_one_period_of_each_series(
    moment: datetime, cutoff: int, series: str
) -> None:
    """An instant (UTC) falls in exactly one quarter, one half and one year (by local day)."""
    instant = moment.replace(tzinfo=timezone.utc)
    holding = [
        period
        for year in range(instant.year - 1, instant.year + 3)
        for period in SERIES[series](year, cutoff)
        if (bounds := periods.utc_bounds(period, TZ))[0] <= instant < bounds[1]
    ]
    assert len(holding) == 1, holding
    local_day = instant.astimezone(TZ).date()
    assert holding[0].start <= local_day <= holding[0].end
    assert periods.containing(local_day, series, cutoff) == holding[0]


@pytest.mark.parametrize("cutoff", [1, 2, 15, 28])
def test_the_series_tile_the_calendar_without_gaps(cutoff: int) -> None:
    """Each period starts the day after the one before it ends, across years."""
    for series in SERIES.values():
        chain = [p for year in range(2019, 2030) for p in series(year, cutoff)]
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.start == before.end + timedelta(days=1)
