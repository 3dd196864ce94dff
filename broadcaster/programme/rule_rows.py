"""The date rules' table (revision 0017): rows read as the calendar's rules."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.programme.exceptions import Calendar, DateRuleDef
from broadcaster.programme.holidays import holiday_on
from broadcaster.store.date_rules import DateRule
from broadcaster.store.db import Slot


def rule_of(row: DateRule, slot_name: str | None) -> DateRuleDef:
    """The rule a row holds (`slot_name`: the name of its slot, if it has one)."""
    return DateRuleDef(
        kind=row.kind, slot=slot_name, day=row.on_date,
        start=time.fromisoformat(row.start) if row.start else None, minutes=row.minutes,
        as_day=row.as_day, holidays=row.holidays,
    )  # fmt: skip


def rule_rows(session: Session) -> list[tuple[DateRule, str | None]]:
    """Every date rule with its slot's name, by date then kind (a slot's rules go with it)."""
    query = (
        select(DateRule, Slot.name)
        .outerjoin(Slot, Slot.id == DateRule.slot_id)
        .order_by(DateRule.on_date, DateRule.kind, Slot.name, DateRule.id)
    )
    return [(row, name) for row, name in session.execute(query)]


def calendar_of(session: Session) -> Calendar:
    """The station's calendar: its date rules and Vietnam's public holidays."""
    return Calendar(tuple(rule_of(row, name) for row, name in rule_rows(session)), holiday_on)
