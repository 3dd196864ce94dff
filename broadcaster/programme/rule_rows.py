"""The date rules' table (revision 0016): rows read as the calendar's rules, through Core, so
`broadcaster status` reads them without the ORM."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import Row, select

from broadcaster.programme.exceptions import Calendar, DateRuleDef
from broadcaster.programme.holidays import holiday_on
from broadcaster.store.engine import Reader
from broadcaster.store.tables import date_rule, slot


def rule_of(row: Row[Any], slot_name: str | None) -> DateRuleDef:
    """The rule a row holds (`slot_name`: the name of its slot, if it has one)."""
    return DateRuleDef(
        kind=row.kind, slot=slot_name, day=row.on_date,
        start=time.fromisoformat(row.start) if row.start else None, minutes=row.minutes,
        as_day=row.as_day, holidays=row.holidays,
    )  # fmt: skip


def rule_rows(db: Reader) -> list[tuple[Row[Any], str | None]]:
    """Every date rule with its slot's name, by date then kind (a slot's rules go with it)."""
    query = (
        select(date_rule, slot.c.name.label("slot_name"))
        .outerjoin(slot, slot.c.id == date_rule.c.slot_id)
        .order_by(date_rule.c.on_date, date_rule.c.kind, slot.c.name, date_rule.c.id)
    )
    return [(row, row.slot_name) for row in db.execute(query)]


def calendar_of(db: Reader) -> Calendar:
    """The station's calendar: its date rules and Vietnam's public holidays."""
    return Calendar(tuple(rule_of(row, name) for row, name in rule_rows(db)), holiday_on)
