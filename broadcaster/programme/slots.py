"""Slots: the radio's broadcast windows (weekly, or on one date) and their occurrences.

The slot table is the source (revision 0015); `schedules/*.toml` files are read and written
only by `broadcaster slots import|export` and the upgrade that made the table the source."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from broadcaster.enums import SlotKind
from broadcaster.errors import Code, DetailError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOT_KEYS = (
    "name", "days", "date", "start", "minutes", "output", "zones", "kind", "paused", "url",
    "fallback",
)  # fmt: skip
NAME_LIMIT = 100  # the slot table's name column
MINUTES_PER_WEEK = 7 * 24 * 60
RELAY_MINUTES = 6 * 60  # a relay slot lasts at most 6 h
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
    """A broadcast window: on `days` each week, or once on `on_date` (local; `days` empty)."""

    name: str
    days: tuple[str, ...]
    start: time
    minutes: int
    output: str | None = None
    zones: tuple[str, ...] = ()  # the loudspeaker zones it airs in; empty: every zone
    on_date: date | None = None
    kind: SlotKind = SlotKind.BULLETINS
    paused: bool = False  # kept, shown, never aired until resumed
    url: str | None = None  # a relay's stream, whole (logs and evidence show `shown_url`)
    fallback: str | None = None  # a relay's programme file, played when the stream is lost


@dataclass(frozen=True)
class SlotOccurrence:
    """One slot on one day, in UTC."""

    slot: SlotDef
    start: datetime
    end: datetime


def fallback_path(base_dir: Path, raw: str) -> Path:
    """Where a relay's fallback file is: as given when absolute, else in the station's folder."""
    given = Path(raw)
    return given if given.is_absolute() else base_dir / given


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


def _parse_date(raw: object, where: str) -> date | None:
    """A one-off slot's local date (TOML date or "YYYY-MM-DD")."""
    if raw is None:
        return None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise SlotError(f"{where}: date '{raw}' must be YYYY-MM-DD.") from None


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
        on_date = _parse_date(raw.get("date"), where)
        days = (
            () if on_date is not None and "days" not in raw else _parse_days(raw.get("days"), where)
        )
        if on_date is not None and days:
            raise SlotError(f"{where}: give days or a date, not both.")
        if raw.get("kind", SlotKind.BULLETINS) not in tuple(SlotKind):
            raise SlotError(f"{where}: kind must be one of {', '.join(SlotKind)}.")
        if not isinstance(raw.get("paused", False), bool):
            raise SlotError(f"{where}: paused must be true or false.")
        url, fallback = _parse_relay(raw, where)
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
                on_date=on_date,
                kind=SlotKind(raw.get("kind", SlotKind.BULLETINS)),
                paused=raw.get("paused", False),
                url=url,
                fallback=fallback,
            )
        )
    return slots


def _parse_relay(raw: dict[str, object], where: str) -> tuple[str | None, str | None]:
    """A relay's stream address and fallback file (only a relay has them; it needs the address).
    Whether the stream answers is checked when it is added from the page or the command."""
    url, fallback = raw.get("url"), raw.get("fallback")
    for key, value in (("url", url), ("fallback", fallback)):
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise SlotError(f"{where}: {key} must be text in quotes.")
    if raw.get("kind") == SlotKind.RELAY:
        if url is None:
            raise SlotError(f"{where}: a relay needs the url of the stream it relays.")
        minutes = raw.get("minutes")
        if isinstance(minutes, int) and minutes > RELAY_MINUTES:
            raise SlotError(f"{where}: a relay lasts at most {RELAY_MINUTES} minutes (6 h).")
    elif url is not None or fallback is not None:
        raise SlotError(f'{where}: url and fallback are for a slot of kind = "relay".')
    return (str(url).strip() if url else None), (str(fallback).strip() if fallback else None)


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
    """The slot's minutes of the week (Monday 00:00 = 0), one span per day it airs; a one-off
    slot's one span is on its date's weekday."""
    start = slot.start.hour * 60 + slot.start.minute + slot.start.second / 60
    days = (
        [(slot.on_date.weekday(), slot.on_date.isoformat())]
        if slot.on_date
        else [(DAYS.index(day), day) for day in slot.days]
    )
    return [(index * 24 * 60 + start, index * 24 * 60 + start + slot.minutes, label)
            for index, label in days]  # fmt: skip


def _share_zones(first: SlotDef, second: SlotDef) -> bool:
    """Whether two slots air in a zone in common (no zones: every zone)."""
    return not first.zones or not second.zones or bool(set(first.zones) & set(second.zones))


def overlap(first: SlotDef, second: SlotDef) -> list[str]:
    """When two slots would sound at once in a zone they share: the days (or the date) of
    `first`, across midnight too; empty when they never do."""
    if not _share_zones(first, second):
        return []
    if first.on_date is not None and second.on_date is not None:
        # the second's span moved from its weekday to its true distance from the first's date
        days_apart = (second.on_date - first.on_date).days * 24 * 60
        shifts = [days_apart - _week_start(second) + _week_start(first)]
    else:  # a weekly slot repeats: compare a week earlier and later too (Sunday into Monday)
        shifts = [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK]
    return list(
        dict.fromkeys(
            label
            for a_start, a_end, label in _week_spans(first)
            for b_start, b_end, _ in _week_spans(second)
            for shift in shifts
            if a_start < b_end + shift and b_start + shift < a_end
        )
    )


def _week_start(slot: SlotDef) -> int:
    """A one-off slot's weekday, in minutes (its span in `_week_spans` starts from it)."""
    return slot.on_date.weekday() * 24 * 60 if slot.on_date else 0


def _refuse_overlaps(slots: list[SlotDef]) -> None:
    """Two slots may not sound at once in a zone they share: one loudspeaker, one bulletin."""
    airing = [slot for slot in slots if not slot.paused]
    for index, first in enumerate(airing):
        for second in airing[index + 1 :]:
            days = overlap(first, second)
            if days:
                raise SlotError(
                    f"Slots {first.name} ({first.start:%H:%M}, {first.minutes} min) and "
                    f"{second.name} ({second.start:%H:%M}, {second.minutes} min) overlap on "
                    f"{', '.join(days)}; move one or shorten it."
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
            if (day != slot.on_date) if slot.on_date is not None else weekday not in slot.days:
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


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def slots_toml(slots: list[SlotDef]) -> str:
    """`slots` as a slot file (`broadcaster slots export`), read back by `parse_slots`."""
    lines = ["# The town radio's broadcast slots (local time, Asia/Ho_Chi_Minh), exported from",
             "# the database, which is the source: `broadcaster slots import` reads it back."]  # fmt: skip
    for slot in slots:
        lines += ["", "[[slot]]", f"name = {_toml_string(slot.name)}"]
        if slot.on_date is not None:
            lines.append(f"date = {slot.on_date.isoformat()}")
        else:
            lines.append(f"days = [{', '.join(_toml_string(d) for d in slot.days)}]")
        lines += [f'start = "{slot.start:%H:%M:%S}"', f"minutes = {slot.minutes}"]
        if slot.zones:
            lines.append(f"zones = [{', '.join(_toml_string(z) for z in slot.zones)}]")
        if slot.output:
            lines.append(f"output = {_toml_string(slot.output)}")
        if slot.kind != SlotKind.BULLETINS:
            lines.append(f'kind = "{slot.kind}"')
        if slot.url:  # whole: the file is read back to connect (keep it as private as the database)
            lines.append(f"url = {_toml_string(slot.url)}")
        if slot.fallback:
            lines.append(f"fallback = {_toml_string(slot.fallback)}")
        if slot.paused:
            lines.append("paused = true")
    return "\n".join(lines) + "\n"
