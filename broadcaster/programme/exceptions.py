"""The station's calendar: which slot occurrences happen between two moments, once the date
rules are applied (issue 27, item 2).

`day_plan` is the one truth, pure: the slots, the date rules, the holiday lookup (injected;
`programme/holidays.holiday_on` in the station) and two moments in; every occurrence out, with
its fate. Planning, the week grid and the daemon all read it (`occurrences`, `latest`,
`next_start` are views of it). For each local day:

1. **Working-day swap.** A date a decree swaps is aired as the weekday it names: a Saturday
   worked as a Friday airs Friday's weekly slots; a weekday taken off airs as a Sunday.
2. **Exception of a slot on a date.** `skip`: the slot does not air that day; `replace`: it
   airs that day at another start, for another length. It wins over a holiday rule, so a
   leader can still air a slot on Tết at a time of its own.
3. **Rule by holiday.** On a public holiday (`tet`: the first three days of Tết; `public`:
   every day off the holiday calendar names), the routine bulletin slots it covers (all, or
   the one it names) do not air. Emergencies always air: they do not go through the slots.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo

from broadcaster.enums import HolidayScope, RuleKind, SlotKind
from broadcaster.programme.holidays import Holiday
from broadcaster.programme.slots import DAYS, SlotDef, SlotOccurrence, iso_week_of

DAY_OFF = "sun"  # a weekday taken off airs as a Sunday
SEARCH_DAYS = 8  # `next_start` looks this many days at a time
SEARCH_LIMIT_DAYS = 400  # and no further (a one-off slot is at most a year ahead)


class Fate(StrEnum):
    """What the calendar does to one occurrence of a slot."""

    AIRS = "airs"
    SKIPPED = "skipped"
    REPLACED = "replaced"


@dataclass(frozen=True)
class DateRuleDef:
    """A date rule: `skip` or `replace` (`start`, `minutes`) `slot` on `day`; `swap`: `day` airs
    as the weekday `as_day`; `holiday`: no routine bulletins (of `slot`, or of every bulletin
    slot when it is None) on the `holidays` days."""

    kind: RuleKind
    slot: str | None = None
    day: date | None = None
    start: time | None = None
    minutes: int | None = None
    as_day: str | None = None
    holidays: HolidayScope | None = None


def no_holidays(day: date) -> Holiday | None:
    """A holiday lookup that knows none (tests, and a calendar without holidays)."""
    return None


@dataclass(frozen=True)
class Calendar:
    """The date rules and the holiday lookup the occurrences are read with."""

    rules: tuple[DateRuleDef, ...] = ()
    holiday_on: Callable[[date], Holiday | None] = no_holidays


PLAIN = Calendar()  # no date rules, no holidays: every slot airs on its days


@dataclass(frozen=True)
class Planned:
    """One occurrence and its fate: `occurrence` is when it airs (a replaced one at its new
    times; a skipped one when it would have); `rule` did it; `holiday` is the day's holiday."""

    occurrence: SlotOccurrence
    fate: Fate = Fate.AIRS
    rule: DateRuleDef | None = None
    holiday: Holiday | None = None


@dataclass(frozen=True)
class _Rules:
    """A calendar's rules, found by what they are about."""

    swaps: dict[date, str]
    by_slot: dict[tuple[str, date], DateRuleDef]
    by_holiday: tuple[DateRuleDef, ...]

    @classmethod
    def of(cls, rules: Sequence[DateRuleDef]) -> _Rules:
        return cls(
            swaps={r.day: r.as_day for r in rules if r.kind == RuleKind.SWAP and r.day and r.as_day},
            by_slot={(r.slot, r.day): r for r in rules
                     if r.kind in (RuleKind.SKIP, RuleKind.REPLACE) and r.slot and r.day},
            by_holiday=tuple(r for r in rules if r.kind == RuleKind.HOLIDAY),
        )  # fmt: skip


def weekday_of(day: date, calendar: Calendar) -> str:
    """The weekday whose slots air on `day`: its own, or the one a swap names."""
    swapped = next(
        (r.as_day for r in calendar.rules if r.kind == RuleKind.SWAP and r.day == day), None
    )
    return swapped or DAYS[day.weekday()]


def _airs_on(slot: SlotDef, day: date, weekday: str) -> bool:
    return day == slot.on_date if slot.on_date is not None else weekday in slot.days


def _holiday_rule(
    slot: SlotDef, holiday: Holiday | None, rules: tuple[DateRuleDef, ...]
) -> DateRuleDef | None:
    """The holiday rule that keeps `slot` off the air on `holiday`'s day, if any."""
    if holiday is None or slot.kind != SlotKind.BULLETINS:
        return None
    return next(
        (
            rule for rule in rules
            if rule.slot in (None, slot.name)
            and (rule.holidays == HolidayScope.PUBLIC or holiday.tet_day is not None)
        ),
        None,
    )  # fmt: skip


def _at(day: date, start: time, minutes: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    begins = datetime.combine(day, start, tzinfo=tz).astimezone(timezone.utc)
    return begins, begins + timedelta(minutes=minutes)


def _fate(
    slot: SlotDef, day: date, tz: ZoneInfo, rules: _Rules, holiday: Holiday | None
) -> Planned:
    own = rules.by_slot.get((slot.name, day))
    if own is not None and own.kind == RuleKind.REPLACE and own.start and own.minutes:
        # the occurrence's slot has that day's times, so its length is the slot's minutes
        moved = replace(slot, start=own.start, minutes=own.minutes)
        occurrence = SlotOccurrence(moved, *_at(day, own.start, own.minutes, tz))
        return Planned(occurrence, Fate.REPLACED, own, holiday)
    occurrence = SlotOccurrence(slot, *_at(day, slot.start, slot.minutes, tz))
    rule = own if own is not None else _holiday_rule(slot, holiday, rules.by_holiday)
    return Planned(occurrence, Fate.SKIPPED if rule else Fate.AIRS, rule, holiday)


def day_plan(
    slots: Sequence[SlotDef], start: datetime, end: datetime, tz: ZoneInfo, calendar: Calendar
) -> list[Planned]:
    """Every occurrence of `slots` starting in [start, end) (a skipped one by the time it would
    have started), with its fate under `calendar`, in time order."""
    rules = _Rules.of(calendar.rules)
    found = []
    day = start.astimezone(tz).date() - timedelta(days=1)
    last_day = end.astimezone(tz).date()
    while day <= last_day:
        weekday = rules.swaps.get(day, DAYS[day.weekday()])
        holiday = calendar.holiday_on(day)
        for slot in slots:
            if _airs_on(slot, day, weekday):
                planned = _fate(slot, day, tz, rules, holiday)
                if start <= planned.occurrence.start < end:
                    found.append(planned)
        day += timedelta(days=1)
    return sorted(found, key=lambda p: (p.occurrence.start, p.occurrence.slot.name))


def occurrences(
    slots: Sequence[SlotDef], start: datetime, end: datetime, tz: ZoneInfo, calendar: Calendar
) -> list[SlotOccurrence]:
    """The occurrences that happen (start in [start, end)), in time order."""
    if not any(rule.kind == RuleKind.HOLIDAY for rule in calendar.rules):
        # Without a rule by holiday the holidays change nothing, so they are not looked up
        # (`broadcaster status` reads the occurrences without loading the holiday calendar).
        calendar = replace(calendar, holiday_on=no_holidays)
    return [
        p.occurrence for p in day_plan(slots, start, end, tz, calendar) if p.fate != Fate.SKIPPED
    ]


def latest(slot: SlotDef, now: datetime, tz: ZoneInfo, calendar: Calendar) -> SlotOccurrence | None:
    """The most recent occurrence of `slot` that happens and began at or before `now` (within
    8 days)."""
    window = occurrences([slot], now - timedelta(days=8), now + timedelta(seconds=1), tz, calendar)
    return window[-1] if window else None


def starting_at(
    slot: SlotDef, start: datetime, tz: ZoneInfo, calendar: Calendar
) -> SlotOccurrence | None:
    """The occurrence of `slot` that happens and starts at `start`, if there is one."""
    found = occurrences([slot], start, start + timedelta(seconds=1), tz, calendar)
    return found[0] if found else None


def still_happens(
    occurrence: SlotOccurrence, slots: Mapping[str, SlotDef], calendar: Calendar, tz: ZoneInfo
) -> bool:
    """Whether `occurrence` still happens as it is, with `slots` (by name) and `calendar` as
    they are now: not changed, paused, deleted, skipped or moved meanwhile."""
    slot = slots.get(occurrence.slot.name)
    return slot is not None and starting_at(slot, occurrence.start, tz, calendar) == occurrence


def changed_slots(
    before: Mapping[str, SlotDef], after: Mapping[str, SlotDef], was: Calendar, now_is: Calendar,
    now: datetime, tz: ZoneInfo,
) -> list[str]:  # fmt: skip
    """The slots added, changed, paused or deleted, or whose occurrences from the one on air to
    a week ahead the date rules moved, added or took away (the daemon follows them)."""
    start, end = now - timedelta(hours=12), now + timedelta(days=8)

    def moved(slot: SlotDef | None) -> bool:
        return (
            slot is not None
            and was != now_is
            and (
                occurrences([slot], start, end, tz, was)
                != occurrences([slot], start, end, tz, now_is)
            )
        )

    names = before.keys() | after.keys()
    return sorted(n for n in names if before.get(n) != after.get(n) or moved(after.get(n)))


def relay_withdrawn(
    on_air: tuple[str, datetime] | None, name: str, before: SlotDef | None,
    after: SlotDef | None, was: Calendar, now_is: Calendar, tz: ZoneInfo,
) -> bool:  # fmt: skip
    """Whether slot `name`, changed from `before` to `after`, takes away the relay occurrence
    on air (`on_air`: its slot and start, if a relay is on air): the slot deleted, paused or no
    longer a relay, the occurrence skipped or moved, its end or its stream changed. A change of
    zones or fallback leaves it on air."""
    if on_air is None or on_air[0] != name or before is None:
        return False
    start = on_air[1]
    if after is None or after.paused:
        return True
    old = starting_at(before, start, tz, was)
    new = starting_at(after, start, tz, now_is)
    if old is None or new is None:
        return True
    return (new.end, new.slot.kind, new.slot.url) != (old.end, old.slot.kind, old.slot.url)


def next_start(slot: SlotDef, after: datetime, tz: ZoneInfo, calendar: Calendar) -> datetime | None:
    """When `slot` next happens, at or after `after` (None within a year: never)."""
    for days in range(0, SEARCH_LIMIT_DAYS, SEARCH_DAYS):
        begin = after + timedelta(days=days)
        found = occurrences([slot], begin, begin + timedelta(days=SEARCH_DAYS), tz, calendar)
        if found:
            return found[0].start
    return None


def planned_on(slot: SlotDef, day: date, tz: ZoneInfo, calendar: Calendar) -> Planned | None:
    """The occurrence of `slot` on the local `day`, whatever its fate (None: not that day)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    found = day_plan([slot], start, start + timedelta(days=1), tz, calendar)
    return found[0] if found else None


def _share_zones(first: SlotDef, second: SlotDef) -> bool:
    return not first.zones or not second.zones or bool(set(first.zones) & set(second.zones))


def first_clash(
    slots: Sequence[SlotDef], calendar: Calendar, day: date, tz: ZoneInfo
) -> tuple[SlotOccurrence, SlotOccurrence] | None:
    """Two occurrences that would sound at once in a zone they share, one of them on `day`
    (a replacement or a swap can make them meet); None when none do."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    found = occurrences(slots, start - timedelta(days=1), start + timedelta(days=2), tz, calendar)
    for index, first in enumerate(found):
        for second in found[index + 1 :]:
            if second.start >= first.end:
                break
            on_day = {o.start.astimezone(tz).date() for o in (first, second)}
            if day in on_day and _share_zones(first.slot, second.slot):
                return first, second
    return None


def emptied_weeks(
    slots: Sequence[SlotDef], before: Calendar, after: Calendar, days: Sequence[date],
    tz: ZoneInfo,
) -> list[str]:  # fmt: skip
    """The ISO weeks around `days` that had a bulletin occurrence under `before` and have none
    under `after` (a rule that empties a week: accepted, with a warning)."""
    bulletins = [slot for slot in slots if slot.kind == SlotKind.BULLETINS and not slot.paused]
    emptied = []
    for week in sorted({iso_week_of(datetime.combine(d, time(12), tzinfo=tz), tz) for d in days}):
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        start = datetime.combine(monday, time(0), tzinfo=tz).astimezone(timezone.utc)
        end = start + timedelta(days=7)
        if occurrences(bulletins, start, end, tz, before) and not occurrences(
            bulletins, start, end, tz, after
        ):
            emptied.append(week)
    return emptied
