"""The slot table: slots as rows, read and written (the table is the source, revision 0015)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.sql.dml import Insert

from broadcaster.enums import SlotKind
from broadcaster.programme.slots import SlotDef, SlotError, load_slots
from broadcaster.store.engine import Reader
from broadcaster.store.tables import slot as slot_table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from broadcaster.store.db import Slot

SlotRow = slot_table.c  # the slot table's columns


def _insert_or_ignore(dialect: str, values: dict[str, object]) -> Insert | None:
    """INSERT ... ON CONFLICT (name) DO NOTHING, where the database has it."""
    # The dialects' own inserts are imported here: reading the slots needs neither.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return (
            postgresql_insert(slot_table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["name"])
        )
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return (
            sqlite_insert(slot_table).values(values).on_conflict_do_nothing(index_elements=["name"])
        )
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
        values = row_values(slot)
        ignoring = _insert_or_ignore(dialect, {"name": slot.name, **values})
        if ignoring is not None:
            session.execute(ignoring)
            changed = {**values, "version": SlotRow.version + 1}
            session.execute(update(slot_table).where(SlotRow.name == slot.name).values(changed))
            continue
        found = session.scalar(select(SlotRow.id).where(SlotRow.name == slot.name))
        if found is None:
            session.execute(insert(slot_table).values(name=slot.name, **values))
        else:
            changed = {**values, "version": SlotRow.version + 1}
            session.execute(update(slot_table).where(SlotRow.id == found).values(changed))
    session.execute(delete(slot_table).where(SlotRow.name.not_in(names)))
    session.flush()


def row_values(slot: SlotDef) -> dict[str, object]:
    """The slot table's columns for `slot` (all but its name, pause and version)."""
    return {
        "days": ",".join(slot.days),
        "start": slot.start.isoformat(),
        "minutes": slot.minutes,
        "output": slot.output,
        "zones": ",".join(slot.zones),
        "on_date": slot.on_date,
        "kind": slot.kind,
        "paused": slot.paused,
        "stream_url": slot.url,
        "fallback": slot.fallback,
    }


def file_rows(folder: Path) -> list[dict[str, object]]:
    """The slot table's rows for the slots of `folder`/*.toml (none when it has no file)."""
    if not folder.is_dir() or not any(folder.glob("*.toml")):
        return []
    # The upgrade to 0015 imports them, before 0017 adds a relay's columns: none is written.
    later = ("stream_url", "fallback")
    return [
        {"name": slot.name, "kind": slot.kind.value}
        | {key: value for key, value in row_values(slot).items() if key not in later + ("kind",)}
        for slot in load_slots(folder)
        if slot.kind != SlotKind.RELAY
    ]


def slot_of(row: Slot | Row[Any]) -> SlotDef:
    """The slot a row of the slot table holds."""
    return SlotDef(
        name=row.name,
        days=tuple(d for d in row.days.split(",") if d),
        start=time.fromisoformat(row.start),
        minutes=row.minutes,
        output=row.output,
        zones=tuple(z for z in row.zones.split(",") if z),
        on_date=row.on_date,
        kind=row.kind,
        paused=row.paused,
        url=row.stream_url,
        fallback=row.fallback,
    )


def slots_from_rows(db: Reader, paused: bool = False) -> list[SlotDef]:
    """The slots of the database that air (`paused`: the paused ones too), by start time."""
    query = select(slot_table).order_by(SlotRow.start, SlotRow.name)
    if not paused:
        query = query.where(SlotRow.paused.is_(False))
    return [slot_of(row) for row in db.execute(query)]


def files_changed(folder: Path, db: Reader) -> str | None:
    """Why the schedule files in `folder` differ from the slots of the database (None when
    they agree or there are none): the database is the source, the files change nothing
    until imported."""
    if not folder.is_dir() or not any(folder.glob("*.toml")):
        return None
    try:
        on_disk = load_slots(folder)
    except SlotError as exc:
        return f"the schedule files have an error ({exc}) and are not used"
    if set(on_disk) != set(slots_from_rows(db, paused=True)):
        return "the schedule files differ from the slots in the database, which are the ones used"
    return None
