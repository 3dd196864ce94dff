"""Vietnam's public holidays as the week grid shows them (python-holidays' Vietnamese calendar):
Tết by the lunar calendar, the fixed days, a decree's day-off swap, and the rule's 'first
three days of Tết'."""

from __future__ import annotations

from datetime import date

import pytest

from broadcaster.programme.holidays import first_days_of_tet, holiday_on, holidays_between, tet_of


@pytest.mark.parametrize(
    ("year", "mung_mot"),
    [(2024, date(2024, 2, 10)), (2025, date(2025, 1, 29)), (2026, date(2026, 2, 17)),
     (2027, date(2027, 2, 6))],
)  # fmt: skip
def test_tet_falls_on_the_lunar_new_year(year: int, mung_mot: date) -> None:
    assert tet_of(year)[0] == mung_mot
    assert [
        first_days_of_tet(mung_mot.replace(day=mung_mot.day) + (d - mung_mot)) for d in tet_of(year)
    ] == [True] * 3


def test_the_first_three_days_of_tet_and_not_the_fourth_or_new_years_eve() -> None:
    assert [first_days_of_tet(date(2026, 2, d)) for d in (16, 17, 18, 19, 20)] == [
        False, True, True, True, False,
    ]  # fmt: skip
    assert holiday_on(date(2026, 2, 16)) is not None  # giao thừa is a day off, not mùng một
    tet = holiday_on(date(2026, 2, 17))
    assert tet is not None and tet.tet_day == 1 and "Tết Nguyên Đán" in tet.name


def test_the_fixed_days_have_their_vietnamese_names() -> None:
    names = {h.day: h.name for h in holidays_between(date(2026, 4, 1), date(2026, 9, 30))}
    assert "Chiến thắng" in names[date(2026, 4, 30)]
    assert "Lao động" in names[date(2026, 5, 1)]
    assert "Quốc khánh" in names[date(2026, 9, 2)]
    assert "Hùng Vương" in names[date(2026, 4, 26)]
    assert date(2026, 5, 4) not in names  # an ordinary Monday


def test_a_decrees_day_off_swap_is_a_holiday() -> None:
    """2025: Friday 2 May off, worked on Saturday 26 April instead."""
    swapped = holiday_on(date(2025, 5, 2))
    assert swapped is not None and "26/04/2025" in swapped.name


def test_holidays_between_spans_a_new_year() -> None:
    days = [h.day for h in holidays_between(date(2025, 12, 28), date(2026, 1, 3))]
    assert days == [date(2026, 1, 1)]
