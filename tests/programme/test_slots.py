"""Slots: schedule files, and occurrences in the radio's time zone whatever the machine says."""

from __future__ import annotations

import time as systime
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from broadcaster.programme.slots import (
    SlotError,
    iso_week_of,
    latest_occurrence,
    load_slots,
    occurrences_between,
    parse_slots,
    week_range,
)  # fmt: skip

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
TWO_SLOTS = """
[[slot]]
name = "Sáng"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "06:00"
minutes = 30

[[slot]]
name = "Chiều"
days = ["sat", "sun"]
start = "17:00:30"
minutes = 15
"""


def test_parse_slot_file() -> None:
    morning, evening = parse_slots(TWO_SLOTS, "town.toml")
    assert (morning.name, morning.start, morning.minutes, len(morning.days)) == (
        "Sáng",
        time(6),
        30,
        7,
    )
    assert (evening.start, evening.days) == (time(17, 0, 30), ("sat", "sun"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[slot]]\nname = "A"\nstart = "25:00"\nminutes = 30', "HH:MM"),
        ('[[slot]]\nname = "A"\nstart = "06:00"\nminutes = 0', "minutes"),
        ('[[slot]]\nname = "A"\nstart = "06:00"\nminutes = "30"', "minutes"),
        ('[[slot]]\nname = "A"\ndays = ["mon", "xyz"]\nstart = "06:00"\nminutes = 30', "days"),
        (
            '[[slot]]\nname = "A"\ndays = ["monkey", "sunflower"]\nstart = "06:00"\nminutes = 30',
            "not monkey, sunflower",
        ),
        ('[[slot]]\nstart = "06:00"\nminutes = 30', "name"),
        ('[[slot]]\nname = "A"\nminutes = 30', "start"),
        ("[[slot]\n", "not valid TOML"),
    ],
)
def test_bad_slot_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(SlotError, match=message):
        parse_slots(text, "town.toml")


def test_duplicate_names_across_files_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.toml").write_text(TWO_SLOTS, encoding="utf-8")
    (tmp_path / "b.toml").write_text(TWO_SLOTS, encoding="utf-8")
    with pytest.raises(SlotError, match="used twice"):
        load_slots(tmp_path)


def test_six_in_the_morning_local_is_23_utc_the_day_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    systime.tzset()
    try:
        slots = parse_slots(TWO_SLOTS, "town.toml")
        start, end = week_range("2024-W10", HCM)
        found = occurrences_between(slots, start, end, HCM)
    finally:
        monkeypatch.delenv("TZ")
        systime.tzset()
    assert start == datetime(2024, 3, 3, 17, 0, tzinfo=timezone.utc)
    assert len(found) == 7 + 2
    first = found[0]
    assert first.slot.name == "Sáng"
    assert first.start == datetime(2024, 3, 3, 23, 0, tzinfo=timezone.utc)
    assert first.start.astimezone(HCM).hour == 6
    saturday_evening = [o for o in found if o.slot.name == "Chiều"][0]
    assert saturday_evening.start.astimezone(HCM) == datetime(2024, 3, 9, 17, 0, 30, tzinfo=HCM)
    assert (saturday_evening.end - saturday_evening.start).total_seconds() == 15 * 60


def test_latest_occurrence_and_week_of() -> None:
    slot = parse_slots(TWO_SLOTS, "town.toml")[0]
    now = datetime(2024, 3, 11, 6, 5, tzinfo=HCM)
    occurrence = latest_occurrence(slot, now, HCM)
    assert occurrence is not None and occurrence.start == datetime(2024, 3, 11, 6, 0, tzinfo=HCM)
    assert iso_week_of(now, HCM) == "2024-W11"
    # 23:30 UTC on Sunday is already Monday of the next week in Hà Nội.
    assert iso_week_of(datetime(2024, 3, 10, 23, 30, tzinfo=timezone.utc), HCM) == "2024-W11"


@pytest.mark.parametrize(
    ("days", "start", "minutes", "overlaps"),
    [
        ('["mon", "tue"]', "06:10", 10, True),  # inside the first
        ('["mon"]', "05:45", 20, True),  # runs into it
        ('["mon"]', "06:30", 10, False),  # starts as the first ends
        ('["sun"]', "06:10", 10, False),  # another day
    ],
)
def test_overlapping_slots_are_refused_with_both_names_and_times(
    tmp_path, days: str, start: str, minutes: int, overlaps: bool
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "town.toml").write_text(
        '[[slot]]\nname = "A"\ndays = ["mon"]\nstart = "06:00"\nminutes = 30\n'
        f'[[slot]]\nname = "B"\ndays = {days}\nstart = "{start}"\nminutes = {minutes}\n',
        encoding="utf-8",
    )
    if not overlaps:
        assert [s.name for s in load_slots(tmp_path)] == ["A", "B"]
        return
    with pytest.raises(SlotError, match=r"Slots A \(06:00, 30 min\) and B \(.*\) overlap on mon"):
        load_slots(tmp_path)
