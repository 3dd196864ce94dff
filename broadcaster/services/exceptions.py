"""Date rules from the page and the command line: leaders and admins skip or replace a slot on a
date, set the working-day swaps a decree announces, and keep routine bulletins off the air on
holidays ("no routine bulletins on the first three days of Tết").

The rules live here once, as for slots (`services.slots`): the role (an enabled leader or
admin account), each field in one sentence, no date in the past, a replacement or a swap that
would make two slots sound at once in a zone they share refused naming both, one rule per
thing (a slot and a date, a swapped date, a holiday rule), and compare-and-set deletes
(`WHERE id = :id AND version = :read`). Changes are serialised with the slots' and audited.
A rule that leaves a whole week without a bulletin slot is saved with a warning. The
occurrences a rule takes away lose their planned bulletins (planning fills the new ones); the
running daemon takes the change within `SLOTS_SECONDS` (`daemon/jobs.py`).

`programme/exceptions.py` is the one truth of which occurrences happen; it is re-exported here
for the front doors (the daemon reaches the programme only through the services).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from broadcaster.enums import HolidayScope, RuleKind
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import audit
from broadcaster.notes import Note, NoteCode, note
from broadcaster.programme.exceptions import PLAIN as PLAIN
from broadcaster.programme.exceptions import Calendar as Calendar
from broadcaster.programme.exceptions import DateRuleDef as DateRuleDef
from broadcaster.programme.exceptions import Planned as Planned
from broadcaster.programme.exceptions import changed_slots as changed_slots
from broadcaster.programme.exceptions import (
    emptied_weeks,
    first_clash,
    planned_on,
)
from broadcaster.programme.exceptions import next_start as next_start
from broadcaster.programme.exceptions import occurrences as occurrences
from broadcaster.programme.exceptions import relay_withdrawn as relay_withdrawn
from broadcaster.programme.exceptions import starting_at as starting_at
from broadcaster.programme.exceptions import still_happens as still_happens
from broadcaster.programme.holidays import holidays_between as holidays_between
from broadcaster.programme.rule_rows import calendar_of, rule_of, rule_rows
from broadcaster.programme.slot_rows import slots_from_rows
from broadcaster.programme.slots import DAYS, SlotDef
from broadcaster.services.context import Context
from broadcaster.services.slots import (
    _check_editor,
    _minutes,
    _serialise,
    _start,
    find_slot,
    typed_date,
)
from broadcaster.store.db import Airing, DateRule, ProgrammeEntry

DAY_OFF_WORDS = ("off", "nghi", "nghỉ")  # a weekday taken off airs as a Sunday
HOLIDAY_LOOK_AHEAD = timedelta(days=366)  # a holiday rule's warning looks a year ahead


@dataclass(frozen=True)
class RuleRecord:
    """A date rule as the table holds it, with the version a delete must name."""

    id: int
    version: int
    rule: DateRuleDef


@dataclass(frozen=True)
class RuleInput:
    """A date rule as a person gave it (the page's form, the command's options); the kind and
    the holidays are chosen from lists (the front door refuses anything else)."""

    kind: RuleKind
    slot: str = ""
    on_date: str = ""
    start: str = ""
    minutes: str | int = ""
    as_day: str = ""
    holidays: HolidayScope = HolidayScope.TET


@dataclass(frozen=True)
class RuleAdded:
    """A rule saved, and the warning to show with it (a week left without bulletins)."""

    record: RuleRecord
    warning: Note | None = None


def list_rules(ctx: Context) -> list[RuleRecord]:
    """Every date rule, by date (the holiday rules first)."""
    return [
        RuleRecord(row.id, row.version, rule_of(row, name)) for row, name in rule_rows(ctx.session)
    ]


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.settings.tz).date()


def _day(raw: str, kind: RuleKind, today: date) -> date:
    found = typed_date(raw, today, Code.RULE_DATE_PASSED)
    if found is None:
        raise BroadcasterError(Code.RULE_DATE_MISSING, kind=kind.value)
    return found


def _as_day(raw: str) -> str:
    chosen = raw.strip().lower()
    if chosen in DAY_OFF_WORDS:
        return "sun"
    if chosen not in DAYS:
        raise BroadcasterError(Code.RULE_DAY_INVALID, days=",".join(DAYS))
    return chosen


def read_rule(ctx: Context, given: RuleInput) -> tuple[DateRuleDef, int | None]:
    """The rule a person asked for and the id of its slot, each field checked in one sentence."""
    kind = given.kind
    slot = find_slot(ctx, given.slot.strip()) if given.slot.strip() else None
    name, slot_id = (slot.slot.name, slot.id) if slot is not None else (None, None)
    if kind in (RuleKind.SKIP, RuleKind.REPLACE) and slot is None:
        raise BroadcasterError(Code.RULE_SLOT_MISSING, kind=kind.value)
    if kind == RuleKind.HOLIDAY:
        return DateRuleDef(kind, name, holidays=given.holidays), slot_id
    day = _day(given.on_date, kind, _today(ctx))
    if kind == RuleKind.SWAP:
        return DateRuleDef(kind, day=day, as_day=_as_day(given.as_day)), None
    if kind == RuleKind.SKIP:
        return DateRuleDef(kind, name, day), slot_id
    start, minutes = _start(given.start), _minutes(given.minutes)
    return DateRuleDef(kind, name, day, start=start, minutes=minutes), slot_id


def _key(rule: DateRuleDef, slot_id: int | None) -> str:
    """What a rule is about: one rule per slot and date, per swapped date, per holiday rule."""
    if rule.kind == RuleKind.HOLIDAY:
        return f"holiday:{rule.holidays}:{slot_id or 'all'}"
    if rule.kind == RuleKind.SWAP:
        return f"swap:{rule.day}"
    return f"slot:{slot_id}:{rule.day}"


def _what(rule: DateRuleDef) -> str:
    """A rule's subject in a refusal: a slot and a date, a date, or holidays (and a slot)."""
    day = f"{rule.day:%d/%m/%Y}" if rule.day else ""
    subject = rule.holidays.value if rule.holidays else day
    return f"{rule.slot} {subject}" if rule.slot and rule.kind != RuleKind.SWAP else subject


def _row(rule: DateRuleDef, slot_id: int | None, key: str) -> DateRule:
    return DateRule(
        key=key, kind=rule.kind, slot_id=slot_id, on_date=rule.day,
        start=rule.start.isoformat() if rule.start else None, minutes=rule.minutes,
        as_day=rule.as_day, holidays=rule.holidays,
    )  # fmt: skip


def _days_touched(ctx: Context, rule: DateRuleDef) -> list[date]:
    """The dates a rule acts on: its date, or the coming year's holidays it covers."""
    if rule.day is not None:
        return [rule.day]
    today = _today(ctx)
    found = holidays_between(today, today + HOLIDAY_LOOK_AHEAD)
    return [h.day for h in found if rule.holidays == HolidayScope.PUBLIC or h.tet_day]


def _warning(ctx: Context, slots: list[SlotDef], before: Calendar, after: Calendar,
             days: list[date]) -> Note | None:  # fmt: skip
    """WEEK_WITHOUT_BULLETINS when the rule leaves a week that had bulletins without any."""
    weeks = emptied_weeks(slots, before, after, days, ctx.settings.tz)
    if not weeks:
        return None
    spans = []
    for week in weeks:
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        spans.append(f"{monday:%d/%m/%Y}–{monday + timedelta(days=6):%d/%m/%Y}")
    return note(NoteCode.WEEK_WITHOUT_BULLETINS, weeks=", ".join(spans))


def _withdraw_gone(ctx: Context, slots: list[SlotDef], calendar: Calendar) -> int:
    """Take the planned bulletins out of the coming occurrences that no longer happen (a
    compare-and-set against the daemon, as `withdraw_slot`: only entries with no airing)."""
    now = ctx.now()
    planned = ctx.session.execute(
        select(ProgrammeEntry.slot_name, ProgrammeEntry.starts_at)
        .where(ProgrammeEntry.starts_at > now)
        .distinct()
    ).all()
    if not planned:
        return 0
    last = max(starts for _, starts in planned) + timedelta(seconds=1)
    happening = {
        (o.slot.name, o.start) for o in occurrences(slots, now, last, ctx.settings.tz, calendar)
    }
    aired = exists().where(Airing.programme_entry_id == ProgrammeEntry.id)
    gone = 0
    for name, starts in planned:
        if (name, starts) not in happening:
            result = ctx.session.execute(
                delete(ProgrammeEntry).where(
                    ProgrammeEntry.slot_name == name, ProgrammeEntry.starts_at == starts, ~aired
                )
            )
            gone += result.rowcount  # type: ignore[attr-defined]
    return gone


def _refuse_begun(ctx: Context, slot: SlotDef, rule: DateRuleDef, calendar: Calendar) -> None:
    """RULE_NOT_ON_DATE when the slot does not air that day; SLOT_BEGUN when its occurrence (or
    the replacement's new time) has begun."""
    assert rule.day is not None
    planned = planned_on(slot, rule.day, ctx.settings.tz, calendar)
    if planned is None:
        raise BroadcasterError(
            Code.RULE_NOT_ON_DATE, slot=slot.name, date=f"{rule.day:%d/%m/%Y}", kind=rule.kind.value
        )
    starts = [planned.occurrence.start]
    if rule.start is not None:
        local = datetime.combine(rule.day, rule.start, tzinfo=ctx.settings.tz)
        starts.append(local.astimezone(timezone.utc))
    begun = min(starts)
    if begun <= ctx.now():
        when = f"{begun.astimezone(ctx.settings.tz):%H:%M %d/%m/%Y}"
        raise BroadcasterError(Code.SLOT_BEGUN, slot=slot.name, when=when)


def _refuse_clash(slots: list[SlotDef], after: Calendar, rule: DateRuleDef, tz: ZoneInfo) -> None:
    """SLOT_OVERLAP, naming both slots (the rule's own first) and the date, when with the rule
    two slots would sound at once in a zone they share on its date."""
    assert rule.day is not None
    found = first_clash(slots, after, rule.day, tz)
    if found is None:
        return
    first, second = sorted(found, key=lambda o: o.slot.name != rule.slot)
    local = [o.start.astimezone(tz) for o in (first, second)]
    raise BroadcasterError(
        Code.SLOT_OVERLAP, when=rule.day.isoformat(), name=first.slot.name,
        start=f"{local[0]:%H:%M}", minutes=first.slot.minutes, other=second.slot.name,
        other_start=f"{local[1]:%H:%M}", other_minutes=second.slot.minutes,
    )  # fmt: skip


def add_rule(ctx: Context, by: str, given: RuleInput) -> RuleAdded:
    """Add a date rule (leaders and admins); refused with one sentence, nothing changed, when
    a field is wrong, its date passed, its slot does not air that day, it would make two slots
    overlap, or the same rule exists. A week left without bulletins: saved, with a warning."""
    _check_editor(ctx, by)
    rule, slot_id = read_rule(ctx, given)
    _serialise(ctx)
    key = _key(rule, slot_id)
    if ctx.session.scalar(select(DateRule.id).where(DateRule.key == key)) is not None:
        raise BroadcasterError(Code.RULE_EXISTS, what=_what(rule))
    slots = slots_from_rows(ctx.session)
    before = calendar_of(ctx.session)
    after = Calendar((*before.rules, rule), before.holiday_on)
    if rule.kind in (RuleKind.SKIP, RuleKind.REPLACE):
        slot = next((s for s in slots if s.name == rule.slot), None)
        if slot is None:  # paused: it airs on no date
            raise BroadcasterError(
                Code.RULE_NOT_ON_DATE, slot=rule.slot, date=f"{rule.day:%d/%m/%Y}",
                kind=rule.kind.value,
            )  # fmt: skip
        _refuse_begun(ctx, slot, rule, before)
    if rule.day is not None:
        _refuse_clash(slots, after, rule, ctx.settings.tz)
    row = _row(rule, slot_id, key)
    ctx.session.add(row)
    try:
        ctx.session.flush()
    except IntegrityError:  # the same rule, added between our look and our write
        ctx.session.rollback()
        raise BroadcasterError(Code.RULE_EXISTS, what=_what(rule)) from None
    _withdraw_gone(ctx, slots, after)
    audit.record(
        ctx.session, ctx.now(), ctx.actor, "rule.add", f"rule:{key}",
        after=audit.fingerprint(rule), detail=_what(rule),
    )  # fmt: skip
    ctx.session.commit()
    warning = _warning(ctx, slots, before, after, _days_touched(ctx, rule))
    return RuleAdded(RuleRecord(row.id, row.version, rule), warning)


def delete_rule(ctx: Context, by: str, rule_id: int, version: int) -> DateRuleDef:
    """Delete a date rule as read at `version`; one whose date has passed stays (it is what
    the station aired by)."""
    _check_editor(ctx, by)
    _serialise(ctx)
    found = next((r for r in list_rules(ctx) if r.id == rule_id), None)
    if found is None:
        raise BroadcasterError(Code.RULE_NOT_FOUND, rule=rule_id)
    if found.rule.day is not None and found.rule.day < _today(ctx):
        raise BroadcasterError(Code.RULE_DATE_PASSED, value=f"{found.rule.day:%d/%m/%Y}")
    gone = ctx.session.execute(
        delete(DateRule).where(DateRule.id == rule_id, DateRule.version == version)
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        ctx.session.rollback()
        raise BroadcasterError(Code.RULE_STALE, rule=rule_id)
    _withdraw_gone(ctx, slots_from_rows(ctx.session), calendar_of(ctx.session))
    audit.record(
        ctx.session, ctx.now(), ctx.actor, "rule.delete", f"rule:{rule_id}",
        before=audit.fingerprint(found.rule), detail=_what(found.rule),
    )  # fmt: skip
    ctx.session.commit()
    return found.rule


def week_rules(ctx: Context, first: date, last: date) -> list[DateRuleDef]:
    """The dated rules from `first` to `last` (the week grid names the swaps)."""
    return [
        r.rule for r in list_rules(ctx) if r.rule.day is not None and first <= r.rule.day <= last
    ]
