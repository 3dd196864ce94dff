"""Slots: the radio's recurring broadcast windows from schedules/*.toml, and their occurrences."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.db import Slot as SlotRow
from broadcaster.errors import Code, DetailError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SLOTS_TOML = """\
# The town radio's broadcast slots (local time, Asia/Ho_Chi_Minh).
[[slot]]
name = "Sáng"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "06:00"
minutes = 30

[[slot]]
name = "Chiều"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "17:00"
minutes = 30
"""


class SlotError(DetailError):
    """A slot file that cannot be used; the message names the file and the problem."""

    code = Code.SLOTS


@dataclass(frozen=True)
class SlotDef:
    """A recurring broadcast window."""

    name: str
    days: tuple[str, ...]
    start: time
    minutes: int
    output: str | None = None


@dataclass(frozen=True)
class SlotOccurrence:
    """One slot on one day, in UTC."""

    slot: SlotDef
    start: datetime
    end: datetime


def _parse_start(raw: object, where: str) -> time:
    text = str(raw)
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise SlotError(f"{where}: start '{text}' must be HH:MM or HH:MM:SS.")


def parse_slots(text: str, source: str) -> list[SlotDef]:
    """Slots from the text of one TOML file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SlotError(f"{source} is not valid TOML: {exc}.") from exc
    slots = []
    for index, raw in enumerate(data.get("slot", []), start=1):
        where = f"{source}, slot {index}"
        name = str(raw.get("name", "")).strip()
        if not name:
            raise SlotError(f"{where}: every slot needs a name.")
        days = tuple(str(d).strip().lower() for d in raw.get("days", DAYS))
        bad = [d for d in days if d not in DAYS]  # exactly: "monkey" is not Monday
        if bad or not days:
            raise SlotError(
                f"{where} ({name}): days must be from {', '.join(DAYS)}, not {', '.join(bad)}."
            )
        minutes = raw.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
            raise SlotError(f"{where} ({name}): minutes must be a whole number from 1 to 600.")
        if "start" not in raw:
            raise SlotError(f"{where} ({name}): start time is missing.")
        output = raw.get("output")
        slots.append(
            SlotDef(
                name=name,
                days=tuple(d for d in DAYS if d in days),
                start=_parse_start(raw["start"], f"{where} ({name})"),
                minutes=minutes,
                output=str(output) if output else None,
            )
        )
    return slots


def load_slots(folder: Path) -> list[SlotDef]:
    """All slots from `folder`/*.toml; names must be unique."""
    if not folder.is_dir():
        raise SlotError(f"There is no schedules folder at {folder}.")
    slots: list[SlotDef] = []
    for path in sorted(folder.glob("*.toml")):
        slots.extend(parse_slots(path.read_text(encoding="utf-8"), path.name))
    names = [s.name for s in slots]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SlotError(f"Slot name(s) used twice in {folder}: {', '.join(duplicates)}.")
    if not slots:
        raise SlotError(f"No slots are defined in {folder}/*.toml.")
    _refuse_overlaps(slots)
    return slots


def _refuse_overlaps(slots: list[SlotDef]) -> None:
    """Two slots that share a day may not overlap: one output plays one bulletin at a time."""
    for index, first in enumerate(slots):
        for second in slots[index + 1 :]:
            shared = [d for d in first.days if d in second.days]
            if not shared:
                continue
            a_start = first.start.hour * 60 + first.start.minute + first.start.second / 60
            b_start = second.start.hour * 60 + second.start.minute + second.start.second / 60
            if a_start < b_start + second.minutes and b_start < a_start + first.minutes:
                raise SlotError(
                    f"Slots {first.name} ({first.start:%H:%M}, {first.minutes} min) and "
                    f"{second.name} ({second.start:%H:%M}, {second.minutes} min) overlap on "
                    f"{', '.join(shared)}; move one or shorten it."
                )


def occurrences_between(
    slots: list[SlotDef], start: datetime, end: datetime, tz: ZoneInfo
) -> list[SlotOccurrence]:
    """Every slot occurrence starting in [start, end), in time order."""
    found = []
    day: date = start.astimezone(tz).date() - timedelta(days=1)
    last_day = end.astimezone(tz).date()
    while day <= last_day:
        weekday = DAYS[day.weekday()]
        for slot in slots:
            if weekday not in slot.days:
                continue
            local = datetime.combine(day, slot.start, tzinfo=tz)
            begins = local.astimezone(timezone.utc)
            if start <= begins < end:
                found.append(SlotOccurrence(slot, begins, begins + timedelta(minutes=slot.minutes)))
        day += timedelta(days=1)
    return sorted(found, key=lambda o: (o.start, o.slot.name))


def latest_occurrence(slot: SlotDef, now: datetime, tz: ZoneInfo) -> SlotOccurrence | None:
    """The most recent occurrence of `slot` that began at or before `now` (within 8 days)."""
    window = occurrences_between([slot], now - timedelta(days=8), now + timedelta(seconds=1), tz)
    return window[-1] if window else None


def week_range(iso_week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC bounds of an ISO week ('2024-W10') in local time."""
    year, week = iso_week.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    start = datetime.combine(monday, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def iso_week_of(moment: datetime, tz: ZoneInfo) -> str:
    """The local ISO week of a moment, e.g. '2024-W10'."""
    year, week, _ = moment.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def sync_slot_rows(session: Session, slots: list[SlotDef]) -> None:
    """Make the slot table hold `slots`: rows are updated in place by name, so ids stay put."""
    rows = {row.name: row for row in session.scalars(select(SlotRow))}
    for slot in slots:
        row = rows.pop(slot.name, None) or SlotRow(name=slot.name)
        row.days = ",".join(slot.days)
        row.start = slot.start.isoformat()
        row.minutes = slot.minutes
        row.output = slot.output
        session.add(row)
    for gone in rows.values():
        session.delete(gone)
    session.flush()


def slots_from_rows(session: Session) -> list[SlotDef]:
    """Slots as last copied into the database."""
    return [
        SlotDef(
            name=row.name,
            days=tuple(row.days.split(",")),
            start=time.fromisoformat(row.start),
            minutes=row.minutes,
            output=row.output,
        )
        for row in session.scalars(select(SlotRow).order_by(SlotRow.start))
    ]
