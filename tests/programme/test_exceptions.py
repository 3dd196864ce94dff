"""The calendar's one truth (`programme/exceptions.day_plan`): which occurrences happen, on real
dates: Tết 2027 (mùng một on Saturday 6 February), 30/4–1/5 and its day off in lieu, 2/9 and
its adjacent day, and a real working-day swap of 2025.

The swap: for 30/4–1/5/2025 the government swapped the working Friday 2 May 2025 for Saturday
26 April 2025 (Thông báo 6150/TB-BLĐTBXH, after Công văn 8726/VPCP-KGVX of the Prime
Minister's office), as published at
https://vietnamnews.vn/society/1693234/five-day-break-announced-for-reunification-and-labour-day-holiday.html
and https://en.baochinhphu.vn/three-days-off-in-celebration-for-hung-kings-commemoration-day-111250304153250976.htm
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadcaster.enums import HolidayScope, RuleKind, SlotKind
from broadcaster.programme.exceptions import (
    PLAIN,
    Calendar,
    DateRuleDef,
    Fate,
    day_plan,
    emptied_weeks,
    latest,
    next_start,
    occurrences,
    relay_withdrawn,
)
from broadcaster.programme.holidays import holiday_on
from broadcaster.programme.slots import DAYS, SlotDef, occurrences_between

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
MORNING = SlotDef("Sáng", WEEKDAYS, time(6), 30)
EVENING = SlotDef("Chiều", DAYS, time(17), 30)
WEEKEND = SlotDef("Cuối tuần", ("sat", "sun"), time(8), 20)
SLOTS = (MORNING, EVENING, WEEKEND)
TET = DateRuleDef(RuleKind.HOLIDAY, holidays=HolidayScope.TET)
PUBLIC = DateRuleDef(RuleKind.HOLIDAY, holidays=HolidayScope.PUBLIC)
# Thông báo 6150/TB-BLĐTBXH: Saturday 26/4/2025 is worked as the Friday 2/5/2025 taken off.
SWAP_2025 = (
    DateRuleDef(RuleKind.SWAP, day=date(2025, 4, 26), as_day="fri"),
    DateRuleDef(RuleKind.SWAP, day=date(2025, 5, 2), as_day="sun"),
)


def aired(calendar: Calendar, first: date, last: date) -> dict[date, list[str]]:
    """The slots that air each local day from `first` to `last`, by their local start."""
    start = datetime.combine(first, time(0), tzinfo=TZ)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=TZ)
    found: dict[date, list[str]] = {
        first + timedelta(days=n): [] for n in range((last - first).days + 1)
    }
    for occurrence in occurrences(SLOTS, start, end, TZ, calendar):
        found[occurrence.start.astimezone(TZ).date()].append(occurrence.slot.name)
    return found


def with_holidays(*rules: DateRuleDef) -> Calendar:
    return Calendar(rules, holiday_on)


@pytest.mark.parametrize(
    ("calendar", "day", "airing"),
    [
        # Tết 2027: 29 Tết (Thu 4/2) to mùng năm (Wed 10/2) are days off; mùng một is Sat 6/2
        (PLAIN, date(2027, 2, 6), ["Cuối tuần", "Chiều"]),
        (with_holidays(TET), date(2027, 2, 5), ["Sáng", "Chiều"]),  # giao thừa: not mùng 1–3
        (with_holidays(TET), date(2027, 2, 6), []),  # mùng một
        (with_holidays(TET), date(2027, 2, 7), []),  # mùng hai
        (with_holidays(TET), date(2027, 2, 8), []),  # mùng ba (a Monday)
        (with_holidays(TET), date(2027, 2, 9), ["Sáng", "Chiều"]),  # mùng bốn
        (with_holidays(PUBLIC), date(2027, 2, 5), []),  # giao thừa is a public day off
        (with_holidays(PUBLIC), date(2027, 2, 10), []),  # mùng năm too
        (with_holidays(PUBLIC), date(2027, 2, 11), ["Sáng", "Chiều"]),  # back to work
        # 30/4 (Fri) and 1/5 (Sat) 2027; 1/5 on a Saturday gives Monday 3/5 off in lieu
        (with_holidays(PUBLIC), date(2027, 4, 29), ["Sáng", "Chiều"]),
        (with_holidays(PUBLIC), date(2027, 4, 30), []),
        (with_holidays(PUBLIC), date(2027, 5, 1), []),
        (with_holidays(PUBLIC), date(2027, 5, 2), ["Cuối tuần", "Chiều"]),  # Sunday, no holiday
        (with_holidays(PUBLIC), date(2027, 5, 3), []),  # nghỉ bù
        (with_holidays(TET), date(2027, 4, 30), ["Sáng", "Chiều"]),  # a Tết rule leaves 30/4
        # 2/9 (Thu) 2027 and its adjacent day, Fri 3/9
        (with_holidays(PUBLIC), date(2027, 9, 2), []),
        (with_holidays(PUBLIC), date(2027, 9, 3), []),
        (with_holidays(PUBLIC), date(2027, 9, 1), ["Sáng", "Chiều"]),
        # The 2025 swap: Sat 26/4 airs Friday's slots; Fri 2/5 airs as a Sunday
        (PLAIN, date(2025, 4, 26), ["Cuối tuần", "Chiều"]),
        (Calendar(SWAP_2025), date(2025, 4, 26), ["Sáng", "Chiều"]),
        (Calendar(SWAP_2025), date(2025, 5, 2), ["Cuối tuần", "Chiều"]),
        (Calendar(SWAP_2025), date(2025, 4, 25), ["Sáng", "Chiều"]),  # the Friday before
        (with_holidays(PUBLIC, *SWAP_2025), date(2025, 5, 2), []),  # a day off the library knows
    ],
)
def test_which_slots_air_on_real_dates(calendar: Calendar, day: date, airing: list[str]) -> None:
    assert aired(calendar, day, day)[day] == airing


def test_a_rule_for_one_slot_leaves_the_others() -> None:
    only_morning = DateRuleDef(RuleKind.HOLIDAY, slot="Chiều", holidays=HolidayScope.PUBLIC)
    assert aired(with_holidays(only_morning), date(2027, 9, 2), date(2027, 9, 2)) == {
        date(2027, 9, 2): ["Sáng"]
    }


def test_skip_and_replace_on_a_date_win_over_a_holiday_rule() -> None:
    tet_evening = DateRuleDef(
        RuleKind.REPLACE, slot="Chiều", day=date(2027, 2, 6), start=time(19, 30), minutes=45
    )
    skip = DateRuleDef(RuleKind.SKIP, slot="Chiều", day=date(2027, 2, 9))
    calendar = with_holidays(TET, tet_evening, skip)
    start = datetime(2027, 2, 5, tzinfo=TZ)
    plan = day_plan(SLOTS, start, start + timedelta(days=5), TZ, calendar)
    fates = {(p.occurrence.slot.name, p.occurrence.start.astimezone(TZ)): p.fate for p in plan}
    assert fates[("Chiều", datetime(2027, 2, 6, 19, 30, tzinfo=TZ))] == Fate.REPLACED
    assert fates[("Cuối tuần", datetime(2027, 2, 6, 8, tzinfo=TZ))] == Fate.SKIPPED
    assert fates[("Chiều", datetime(2027, 2, 9, 17, tzinfo=TZ))] == Fate.SKIPPED
    assert fates[("Sáng", datetime(2027, 2, 9, 6, tzinfo=TZ))] == Fate.AIRS
    replaced = next(p for p in plan if p.fate == Fate.REPLACED)
    assert replaced.occurrence.end - replaced.occurrence.start == timedelta(minutes=45)
    assert replaced.holiday is not None and replaced.holiday.tet_day == 1


def test_a_relay_or_other_kind_is_not_a_routine_bulletin() -> None:
    other = SlotDef("Khác", DAYS, time(12), 30, kind=SlotKind.BULLETINS)
    relay_like = SlotDef("Khác", DAYS, time(12), 30, kind="relay")  # type: ignore[arg-type]
    day = datetime(2027, 2, 6, tzinfo=TZ)
    assert not occurrences([other], day, day + timedelta(days=1), TZ, with_holidays(TET))
    assert occurrences([relay_like], day, day + timedelta(days=1), TZ, with_holidays(TET))


def test_latest_and_next_follow_the_rules() -> None:
    skip = DateRuleDef(RuleKind.SKIP, slot="Sáng", day=date(2027, 3, 2))
    moved = DateRuleDef(
        RuleKind.REPLACE, slot="Sáng", day=date(2027, 3, 3), start=time(7), minutes=15
    )
    calendar = Calendar((skip, moved))
    monday_noon = datetime(2027, 3, 1, 12, tzinfo=TZ)
    assert next_start(MORNING, monday_noon, TZ, calendar) == datetime(2027, 3, 3, 7, tzinfo=TZ)
    at_six = datetime(2027, 3, 3, 6, 5, tzinfo=TZ)  # the regular time of a moved occurrence
    found = latest(MORNING, at_six, TZ, calendar)
    assert found is not None and found.start == datetime(2027, 3, 1, 6, tzinfo=TZ)
    one_off = SlotDef("Lễ", (), time(9), 60, on_date=date(2028, 1, 20))
    assert next_start(one_off, monday_noon, TZ, PLAIN) == datetime(2028, 1, 20, 9, tzinfo=TZ)
    assert next_start(one_off, datetime(2028, 1, 21, tzinfo=TZ), TZ, PLAIN) is None


def test_a_rule_that_empties_a_week_is_found() -> None:
    weekly = (SlotDef("Thứ Bảy", ("sat",), time(8), 30),)
    skip = Calendar((DateRuleDef(RuleKind.SKIP, slot="Thứ Bảy", day=date(2027, 2, 13)),))
    assert emptied_weeks(weekly, PLAIN, skip, [date(2027, 2, 13)], TZ) == ["2027-W06"]
    assert emptied_weeks(SLOTS, PLAIN, with_holidays(TET), [date(2027, 2, 6)], TZ) == []
    every_day = with_holidays(PUBLIC)
    assert emptied_weeks(weekly, PLAIN, every_day, [date(2027, 2, 6)], TZ) == ["2027-W05"]


DAY = st.dates(date(2027, 1, 1), date(2027, 12, 31))
RULES = st.lists(
    st.one_of(
        st.builds(DateRuleDef, st.just(RuleKind.SKIP), st.sampled_from(["Sáng", "Chiều"]), DAY),
        st.builds(
            DateRuleDef,
            st.just(RuleKind.REPLACE),
            st.sampled_from(["Sáng", "Chiều"]),
            DAY,
            st.times().map(lambda t: t.replace(second=0, microsecond=0)),
            st.integers(1, 120),
        ),  # fmt: skip
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(rules=RULES, first=DAY)
def test_exceptions_only_take_away_or_move_a_slot_within_its_day(
    rules: list[DateRuleDef], first: date
) -> None:
    """Without swaps, each (slot, day) of the plain week is planned once, keeps its day, and airs
    unless skipped; nothing else appears."""
    start = datetime.combine(first, time(0), tzinfo=TZ).astimezone(timezone.utc)
    end = start + timedelta(days=7)
    calendar = Calendar(tuple(rules))
    plain = occurrences_between(list(SLOTS), start, end, TZ)
    plan = day_plan(SLOTS, start - timedelta(days=1), end + timedelta(days=1), TZ, calendar)
    by_day = {(p.occurrence.slot.name, p.occurrence.start.astimezone(TZ).date()): p for p in plan}
    assert len(by_day) == len(plan)
    for occurrence in plain:
        day = occurrence.start.astimezone(TZ).date()
        planned = by_day[(occurrence.slot.name, day)]
        own = [r for r in rules if (r.slot, r.day) == (occurrence.slot.name, day)]
        expected = {RuleKind.SKIP: Fate.SKIPPED, RuleKind.REPLACE: Fate.REPLACED}
        assert planned.fate == (expected[own[-1].kind] if own else Fate.AIRS)
        if not own:
            assert planned.occurrence == occurrence


VOV = SlotDef("VOV", DAYS, time(11), 30, kind=SlotKind.RELAY, url="http://vov.example/vov1")
ON_AIR = ("VOV", datetime(2024, 3, 11, 4, 0, tzinfo=timezone.utc))  # Monday 11:00 in Hà Nội


@pytest.mark.parametrize(
    ("after", "calendar", "gone"),
    [
        (VOV, PLAIN, False),  # saved unchanged
        (VOV.__class__(**{**VOV.__dict__, "zones": ("Thôn 1",)}), PLAIN, False),
        (VOV.__class__(**{**VOV.__dict__, "fallback": "tone.mp3"}), PLAIN, False),
        (VOV.__class__(**{**VOV.__dict__, "paused": True}), PLAIN, True),
        (None, PLAIN, True),  # deleted
        (VOV.__class__(**{**VOV.__dict__, "minutes": 20}), PLAIN, True),  # its end moved
        (VOV.__class__(**{**VOV.__dict__, "url": "http://tinh.example/a"}), PLAIN, True),
        (VOV.__class__(**{**VOV.__dict__, "start": time(11, 5)}), PLAIN, True),  # moved
        (VOV, Calendar((DateRuleDef(RuleKind.SKIP, slot="VOV", day=date(2024, 3, 11)),)), True),
    ],
    ids=["same", "zones", "fallback", "paused", "deleted", "shorter", "stream", "moved", "skipped"],
)
def test_a_relay_on_air_is_withdrawn_only_when_its_occurrence_no_longer_airs_as_it_was(
    after: SlotDef | None, calendar: Calendar, gone: bool
) -> None:
    assert relay_withdrawn(ON_AIR, "VOV", VOV, after, PLAIN, calendar, TZ) is gone
    assert relay_withdrawn(None, "VOV", VOV, after, PLAIN, calendar, TZ) is False  # off air
    assert relay_withdrawn(("Khác", ON_AIR[1]), "VOV", VOV, after, PLAIN, calendar, TZ) is False
