"""Slots: the radio's recurring broadcast windows from schedules/*.toml, and their occurrences."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from broadcaster.errors import Code, DetailError
from broadcaster.store.db import Slot as SlotRow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOT_KEYS = ("name", "days", "start", "minutes", "output", "zones")
NAME_LIMIT = 100  # the slot table's name column
MINUTES_PER_WEEK = 7 * 24 * 60
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
    zones: tuple[str, ...] = ()  # the loudspeaker zones it airs in; empty: every zone


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


def _unknown(keys: object, known: tuple[str, ...]) -> str | None:
    """The first unknown key, with the known key it was probably meant to be."""
    for key in keys if isinstance(keys, dict) else ():
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            return f"'{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    return None


def _parse_days(raw: object, where: str) -> tuple[str, ...]:
    """Days from a list of day names, matched exactly ('monkey' is not Monday)."""
    if raw is None:
        return DAYS
    if not isinstance(raw, list) or not raw:
        raise SlotError(
            f'{where}: days must be a list such as ["mon", "tue"] from {", ".join(DAYS)}.'
        )
    days = tuple(str(d).strip().lower() for d in raw)
    bad = [str(d) for d, day in zip(raw, days, strict=True) if day not in DAYS]
    if bad:
        raise SlotError(f"{where}: days must be from {', '.join(DAYS)}, not {', '.join(bad)}.")
    return tuple(d for d in DAYS if d in days)


def _parse_output(raw: object, where: str) -> str | None:
    """A slot's own output: 'soundcard[:NAME]', 'file:DIR', 'command:CMD' or 'null'."""
    if raw is None or raw == "":
        return None
    kind, colon, value = str(raw).partition(":")
    if not (
        (kind == "soundcard")
        or (kind == "null" and not colon)
        or (kind in ("file", "command") and value.strip())
    ):
        raise SlotError(
            f"{where}: output '{raw}' is not one of soundcard[:NAME], file:DIR, command:CMD or null."
        )
    return str(raw)


def _parse_zones(raw: object, where: str) -> tuple[str, ...]:
    """A slot's zones: a list of zone names (`broadcaster zones list`); none means every zone."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(z, str) and z.strip() for z in raw):
        raise SlotError(f'{where}: zones must be a list of zone names, such as ["Thôn 1"].')
    return tuple(dict.fromkeys(z.strip() for z in raw))


def parse_slots(text: str, source: str) -> list[SlotDef]:
    """Slots from the text of one TOML file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SlotError(f"{source} is not valid TOML: {exc}.") from exc
    unknown = _unknown(data, ("slot",))
    if unknown:
        raise SlotError(f"{source}: {unknown} is not a slot file key; write each slot as [[slot]].")
    table = data.get("slot", [])
    if not isinstance(table, list) or not all(isinstance(raw, dict) for raw in table):
        raise SlotError(f"{source}: write each slot as a [[slot]] table.")
    slots = []
    for index, raw in enumerate(table, start=1):
        where = f"{source}, slot {index}"
        name = str(raw.get("name", "")).strip() if isinstance(raw.get("name", ""), str) else ""
        if not name:
            raise SlotError(f"{where}: every slot needs a name (text in quotes).")
        if len(name) > NAME_LIMIT:
            raise SlotError(f"{where}: a slot name has at most {NAME_LIMIT} characters.")
        where = f"{where} ({name})"
        unknown = _unknown(raw, SLOT_KEYS)
        if unknown:
            raise SlotError(f"{where}: {unknown} is not a slot key; use {', '.join(SLOT_KEYS)}.")
        days = _parse_days(raw.get("days"), where)
        minutes = raw.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
            raise SlotError(f"{where}: minutes must be a whole number from 1 to 600.")
        if "start" not in raw:
            raise SlotError(f"{where}: start time is missing.")
        slots.append(
            SlotDef(
                name=name,
                days=days,
                start=_parse_start(raw["start"], where),
                minutes=minutes,
                output=_parse_output(raw.get("output"), where),
                zones=_parse_zones(raw.get("zones"), where),
            )
        )
    return slots


def load_slots(folder: Path) -> list[SlotDef]:
    """All slots from `folder`/*.toml; names must be unique."""
    if not folder.is_dir():
        raise SlotError(f"There is no schedules folder at {folder}.")
    slots: list[SlotDef] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise SlotError(f"{path.name} is not UTF-8 text; save it as UTF-8.") from None
        except OSError as exc:
            raise SlotError(f"{path.name} cannot be read: {exc.strerror}.") from None
        slots.extend(parse_slots(text, path.name))
    names = [s.name for s in slots]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SlotError(f"Slot name(s) used twice in {folder}: {', '.join(duplicates)}.")
    if not slots:
        raise SlotError(f"No slots are defined in {folder}/*.toml.")
    _refuse_overlaps(slots)
    return slots


def _week_spans(slot: SlotDef) -> list[tuple[float, float, str]]:
    """The slot's minutes of the week (Monday 00:00 = 0), one span per day it airs."""
    start = slot.start.hour * 60 + slot.start.minute + slot.start.second / 60
    return [
        (DAYS.index(day) * 24 * 60 + start, DAYS.index(day) * 24 * 60 + start + slot.minutes, day)
        for day in slot.days
    ]


def _refuse_overlaps(slots: list[SlotDef]) -> None:
    """Two slots may not overlap, across midnight too: one output plays one bulletin at a time."""
    for index, first in enumerate(slots):
        for second in slots[index + 1 :]:
            days = [
                day
                for a_start, a_end, day in _week_spans(first)
                for b_start, b_end, _ in _week_spans(second)
                # a slot late on Sunday runs into Monday: compare a week later too
                for shift in (-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK)
                if a_start < b_end + shift and b_start + shift < a_end
            ]
            if days:
                raise SlotError(
                    f"Slots {first.name} ({first.start:%H:%M}, {first.minutes} min) and "
                    f"{second.name} ({second.start:%H:%M}, {second.minutes} min) overlap on "
                    f"{', '.join(dict.fromkeys(days))}; move one or shorten it."
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


def _insert_or_ignore(dialect: str, values: dict[str, object]) -> Insert | None:
    """INSERT ... ON CONFLICT (name) DO NOTHING, where the database has it."""
    if dialect == "postgresql":
        return (
            postgresql_insert(SlotRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=["name"])
        )
    if dialect == "sqlite":
        return sqlite_insert(SlotRow).values(values).on_conflict_do_nothing(index_elements=["name"])
    return None


def sync_slot_rows(session: Session, slots: list[SlotDef]) -> None:
    """Make the slot table hold `slots`: rows are updated in place by name, so ids stay put.

    Safe when several processes install at once (`init` on a service manager's restart
    beside a starting daemon): a name another transaction is inserting is waited for and
    then updated, never inserted twice, so nobody fails on the unique name.
    """
    dialect = session.get_bind().dialect.name
    names = [slot.name for slot in slots]
    for slot in slots:
        values = {
            "days": ",".join(slot.days),
            "start": slot.start.isoformat(),
            "minutes": slot.minutes,
            "output": slot.output,
            "zones": ",".join(slot.zones),
        }
        insert = _insert_or_ignore(dialect, {"name": slot.name, **values})
        if insert is not None:
            session.execute(insert)
            session.execute(update(SlotRow).where(SlotRow.name == slot.name).values(**values))
            continue
        row = session.scalar(select(SlotRow).where(SlotRow.name == slot.name))
        session.add(row or SlotRow(name=slot.name, **values))
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)
    session.execute(delete(SlotRow).where(SlotRow.name.not_in(names)))
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
            zones=tuple(z for z in row.zones.split(",") if z),
        )
        for row in session.scalars(select(SlotRow).order_by(SlotRow.start))
    ]
