"""Slots from the page: leaders and admins add, change, pause, resume and delete the radio's
broadcast slots, on the web page and with `broadcaster slots`; the slot table is the source.

Every rule is here once: the role (an enabled leader or admin account), each field in one
sentence (`SlotInput` → `SlotDef`), no two slots sounding at once in a zone they share (the
refusal names both), and compare-and-set writes (`WHERE id = :id AND version = :read`: a stale
form is refused, nothing changed). Every change goes into the audit trail. A slot moved, paused
or deleted loses the bulletins planned for its coming occurrences (planning fills the new
ones); the occurrence on air goes on, and the running daemon takes the change within
`SLOT_POLL_SECONDS` (`daemon/jobs.py`, the arbiter's `SlotGone`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from broadcaster.enums import Role, SlotKind
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import audit
from broadcaster.onair.outputs import OutputError
from broadcaster.onair.probe import PROBE_SECONDS, Failure, probe_file, probe_stream
from broadcaster.onair.streams import check_url
from broadcaster.onair.streams import shown_url as shown_url
from broadcaster.programme.planning import withdraw_slot
from broadcaster.programme.slot_rows import row_values, slot_of, sync_slot_rows
from broadcaster.programme.slots import (
    DAYS,
    NAME_LIMIT,
    RELAY_MINUTES,
    SlotDef,
    fallback_path,
    load_slots,
    overlap,
    slots_toml,
)
from broadcaster.services.clusters import known_zones
from broadcaster.services.context import Context
from broadcaster.sound.audio import ffmpeg_exe
from broadcaster.store.db import Slot as SlotRow
from broadcaster.store.db import User

MINUTES_LIMIT = 600
MAX_ID = 2**31 - 1  # an INTEGER id column
EDITORS = (Role.LEADER, Role.ADMIN)
SLOTS_LOCK = 0x736C6F74  # PostgreSQL advisory lock: one slot change at a time


@dataclass(frozen=True)
class SlotRecord:
    """A slot as the table holds it, with the version a change must name."""

    id: int
    version: int
    slot: SlotDef


@dataclass(frozen=True)
class SlotInput:
    """A slot as a person typed it (the page's form, the command's options)."""

    name: str
    start: str
    minutes: str | int
    days: Sequence[str] = ()
    on_date: str = ""
    zones: Sequence[str] = ()
    kind: str = SlotKind.BULLETINS
    output: str | None = None
    url: str = ""  # a relay's stream address
    fallback: str = ""  # a relay's programme file (absolute, or in the station's folder)


def _refused(code: Code, **data: object) -> BroadcasterError:
    return BroadcasterError(code, **data)


def typed_date(raw: str, today: date, passed: Code) -> date | None:
    """A date as typed (YYYY-MM-DD or DD/MM/YYYY; None when empty), today or later: a slot's
    one-off date or a date rule's (`passed`: the code of a date gone by)."""
    text_ = raw.strip()
    if not text_:
        return None
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            found = parse(text_)
            break
        except ValueError:
            continue
    else:
        raise _refused(Code.SLOT_DATE_INVALID, value=text_)
    if found < today:
        raise _refused(passed, value=f"{found:%d/%m/%Y}")
    return found


def _start(raw: str) -> time:
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(raw.strip(), fmt).time()
        except ValueError:
            continue
    raise _refused(Code.SLOT_START_INVALID, value=raw.strip())


def _minutes(raw: str | int) -> int:
    try:
        minutes = int(str(raw).strip())
    except ValueError:
        minutes = 0
    if not 1 <= minutes <= MINUTES_LIMIT:
        raise _refused(Code.SLOT_MINUTES_INVALID, maximum=MINUTES_LIMIT)
    return minutes


def _days(raw: Sequence[str]) -> tuple[str, ...]:
    chosen = {part.strip().lower() for item in raw for part in item.split(",") if part.strip()}
    if chosen - set(DAYS):
        raise _refused(Code.SLOT_DAYS_INVALID, days=",".join(DAYS))
    return tuple(day for day in DAYS if day in chosen)


def _relay(
    ctx: Context, given: SlotInput, minutes: int, known: SlotDef | None
) -> tuple[str | None, str | None]:
    """A relay's address and fallback, checked: the address answers with audio (looked at only
    when it is new, so a slot renamed while the upper station is down is not refused), at most
    RELAY_MINUTES, a fallback that is an audio file. Other kinds have neither."""
    url, fallback = given.url.strip(), given.fallback.strip()
    if given.kind != SlotKind.RELAY:
        return None, None
    if minutes > RELAY_MINUTES:
        raise _refused(Code.SLOT_RELAY_TOO_LONG, maximum=RELAY_MINUTES)
    if not url:
        raise _refused(Code.SLOT_URL_MISSING)
    try:
        check_url(url)
    except OutputError:
        raise _refused(Code.SLOT_URL_INVALID, url=shown_url(url)) from None
    if known is None or known.url != url:
        failure = probe_stream(url, ffmpeg_exe())
        if failure == Failure.NOT_AUDIO:
            raise _refused(Code.SLOT_URL_NOT_AUDIO, url=shown_url(url))
        if failure is not None:
            raise _refused(Code.SLOT_URL_UNREACHABLE, url=shown_url(url), seconds=PROBE_SECONDS)
    if fallback and (known is None or known.fallback != fallback):
        if probe_file(fallback_path(ctx.settings.base_dir, fallback), ffmpeg_exe()) is not None:
            raise _refused(Code.SLOT_FALLBACK_INVALID, file=fallback)
    return url, fallback or None


def read_input(ctx: Context, given: SlotInput, known: SlotDef | None = None) -> SlotDef:
    """The slot a person asked for, each field checked in one sentence (zones must exist);
    `known`: the slot as stored, when this changes it."""
    name = " ".join(given.name.split())
    if not name or len(name) > NAME_LIMIT or "," in name:
        raise _refused(Code.SLOT_NAME_INVALID, maximum=NAME_LIMIT)
    days = _days(given.days)
    today = ctx.now().astimezone(ctx.settings.tz).date()
    on_date = typed_date(given.on_date, today, Code.SLOT_DATE_PASSED)
    if bool(days) == (on_date is not None):
        raise _refused(Code.SLOT_DAYS_INVALID, days=",".join(DAYS))
    if given.kind not in tuple(SlotKind):
        raise _refused(Code.SLOT_KIND_UNKNOWN, kind=given.kind, kinds=", ".join(SlotKind))
    start, minutes = _start(given.start), _minutes(given.minutes)
    zones = known_zones(ctx.session, list(given.zones))
    url, fallback = _relay(ctx, given, minutes, known)
    return SlotDef(
        name=name, days=days, start=start, minutes=minutes, output=given.output or None,
        zones=zones, on_date=on_date, kind=SlotKind(given.kind), url=url, fallback=fallback,
    )  # fmt: skip


def list_slots(ctx: Context) -> list[SlotRecord]:
    """Every slot, paused ones too, by start time."""
    rows = ctx.session.scalars(select(SlotRow).order_by(SlotRow.start, SlotRow.name))
    return [SlotRecord(row.id, row.version, slot_of(row)) for row in rows]


def find_slot(ctx: Context, key: str | int) -> SlotRecord:
    """A slot by id or by name (SLOT_NOT_FOUND)."""
    query = select(SlotRow)
    if isinstance(key, int) or key.isdigit():
        # an id past the column's range is no slot (the database would refuse the query)
        wanted = int(key)
        row = (
            ctx.session.scalar(query.where(SlotRow.id == wanted)) if 0 < wanted <= MAX_ID else None
        )
    else:
        row = ctx.session.scalar(query.where(SlotRow.name == key))
    if row is None:
        raise _refused(Code.SLOT_NOT_FOUND, slot=key)
    return SlotRecord(row.id, row.version, slot_of(row))


def _check_editor(ctx: Context, by: str) -> None:
    """The role rule: only an enabled leader or admin account changes slots (SLOT_EDITOR)."""
    account = ctx.session.scalar(select(User).where(User.name == by))
    if account is None or account.disabled or account.role not in EDITORS:
        raise _refused(Code.SLOT_EDITOR, name=by)


def _serialise(ctx: Context) -> None:
    """One slot change at a time, so two overlapping slots cannot be added side by side: a
    PostgreSQL advisory lock; on SQLite, an empty write takes the database's write lock now."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SLOTS_LOCK})
    else:
        ctx.session.execute(update(SlotRow).where(SlotRow.id < 0).values(version=SlotRow.version))


def _refuse_overlap(ctx: Context, slot: SlotDef, leave_out: int | None) -> None:
    """SLOT_OVERLAP, naming both slots, when `slot` would sound with a running one in a zone."""
    if slot.paused:
        return
    query = select(SlotRow).where(SlotRow.paused.is_(False))
    for row in ctx.session.scalars(query.order_by(SlotRow.start, SlotRow.name)):
        other = slot_of(row)
        if row.id == leave_out or other.name == slot.name:
            continue
        days = overlap(slot, other)
        if days:
            raise _refused(
                Code.SLOT_OVERLAP, name=slot.name, start=f"{slot.start:%H:%M}",
                minutes=slot.minutes, other=other.name, other_start=f"{other.start:%H:%M}",
                other_minutes=other.minutes, when=", ".join(days),
            )  # fmt: skip


def _audit(ctx: Context, action: str, before: SlotDef | None, after: SlotDef | None) -> None:
    name = (after or before or SlotDef("", (), time(0), 0)).name
    audit.record(
        ctx.session, ctx.now(), ctx.actor, action, f"slot:{name}",
        before=audit.fingerprint(before) if before else None,
        after=audit.fingerprint(after) if after else None,
    )  # fmt: skip


def _moved(before: SlotDef, after: SlotDef) -> bool:
    """Whether its coming occurrences change (then their planned bulletins go)."""
    when = ("name", "days", "on_date", "start", "minutes", "paused")
    return any(getattr(before, key) != getattr(after, key) for key in when)


def add_slot(ctx: Context, by: str, given: SlotInput) -> SlotRecord:
    """Add a slot (leaders and admins); refused if its name is taken or it would overlap."""
    _check_editor(ctx, by)
    slot = read_input(ctx, given)
    _serialise(ctx)
    if ctx.session.scalar(select(SlotRow.id).where(SlotRow.name == slot.name)) is not None:
        raise _refused(Code.SLOT_EXISTS, name=slot.name)
    _refuse_overlap(ctx, slot, None)
    row = SlotRow(name=slot.name, **row_values(slot))
    ctx.session.add(row)
    try:
        ctx.session.flush()
    except IntegrityError:  # the same name, added between our look and our write
        ctx.session.rollback()
        raise _refused(Code.SLOT_EXISTS, name=slot.name) from None
    _audit(ctx, "slot.add", None, slot)
    ctx.session.commit()
    return SlotRecord(row.id, row.version, slot)


def _write(
    ctx: Context, found: SlotRecord, version: int, after: SlotDef, action: str
) -> SlotRecord:
    """The compare-and-set write of one slot: SLOT_STALE when its version moved on."""
    written = ctx.session.execute(
        update(SlotRow)
        .where(SlotRow.id == found.id, SlotRow.version == version)
        .values(name=after.name, version=SlotRow.version + 1, **row_values(after))
    )
    if not written.rowcount:  # type: ignore[attr-defined]
        ctx.session.rollback()
        raise _refused(Code.SLOT_STALE, slot=found.slot.name)
    if _moved(found.slot, after):
        withdraw_slot(ctx.session, found.slot.name, ctx.now())
    _audit(ctx, action, found.slot, after)
    ctx.session.commit()
    return SlotRecord(found.id, version + 1, after)


def _found(ctx: Context, key: str | int, version: int) -> SlotRecord:
    found = find_slot(ctx, key)
    if found.version != version:
        raise _refused(Code.SLOT_STALE, slot=found.slot.name)
    return found


def change_slot(
    ctx: Context, by: str, key: str | int, version: int, given: SlotInput
) -> SlotRecord:
    """Change a slot as read at `version` (a stale form is refused); it keeps its pause."""
    _check_editor(ctx, by)
    after = read_input(ctx, given, find_slot(ctx, key).slot)
    _serialise(ctx)
    found = _found(ctx, key, version)
    after = replace(after, paused=found.slot.paused)
    if after.name != found.slot.name:
        taken = select(SlotRow.id).where(SlotRow.name == after.name)
        if ctx.session.scalar(taken) is not None:
            raise _refused(Code.SLOT_EXISTS, name=after.name)
    _refuse_overlap(ctx, after, found.id)
    return _write(ctx, found, version, after, "slot.change")


def pause_slot(ctx: Context, by: str, key: str | int, version: int, paused: bool) -> SlotRecord:
    """Pause a slot (kept, not aired) or resume it (refused if it would now overlap)."""
    _check_editor(ctx, by)
    _serialise(ctx)
    found = _found(ctx, key, version)
    after = replace(found.slot, paused=paused)
    _refuse_overlap(ctx, after, found.id)
    return _write(ctx, found, version, after, "slot.pause" if paused else "slot.resume")


def delete_slot(ctx: Context, by: str, key: str | int, version: int) -> SlotDef:
    """Delete a slot as read at `version`; its aired occurrences keep their evidence."""
    _check_editor(ctx, by)
    _serialise(ctx)
    found = _found(ctx, key, version)
    gone = ctx.session.execute(
        delete(SlotRow).where(SlotRow.id == found.id, SlotRow.version == version)
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        ctx.session.rollback()
        raise _refused(Code.SLOT_STALE, slot=found.slot.name)
    withdraw_slot(ctx.session, found.slot.name, ctx.now())
    _audit(ctx, "slot.delete", found.slot, None)
    ctx.session.commit()
    return found.slot


def import_slots(ctx: Context, by: str, folder: Path) -> list[SlotDef]:
    """The slots of `folder`/*.toml become the station's, replacing every slot (by name, so
    ids stay put); bad or overlapping files are refused whole (SLOTS), nothing changed."""
    _check_editor(ctx, by)
    slots = load_slots(folder)
    _serialise(ctx)
    before = {record.slot.name: record.slot for record in list_slots(ctx)}
    sync_slot_rows(ctx.session, slots)
    after = {slot.name: slot for slot in slots}
    for name, old in before.items():
        if name not in after or _moved(old, after[name]):
            withdraw_slot(ctx.session, name, ctx.now())
    audit.record(
        ctx.session, ctx.now(), ctx.actor, "slot.import", f"slots:{folder.name}",
        before=audit.fingerprint(*sorted(before.values(), key=repr)),
        after=audit.fingerprint(*sorted(slots, key=repr)),
    )  # fmt: skip
    ctx.session.commit()
    return slots


def export_slots(ctx: Context, path: Path) -> int:
    """Write every slot (paused ones marked) to `path` as a slot file; how many."""
    slots = [record.slot for record in list_slots(ctx)]
    path.write_text(slots_toml(slots), encoding="utf-8")
    return len(slots)
