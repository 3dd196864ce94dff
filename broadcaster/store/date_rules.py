"""The table of date rules (revision 0017), declared on the records' `Base` (`store/db.py`
imports this module, so `Base.metadata` always holds it)."""

from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import Date, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from broadcaster.enums import HolidayScope, RuleKind
from broadcaster.store.columns import EnumText
from broadcaster.store.db import Base


class DateRule(Base):
    """A date rule of the station's calendar: a slot skipped or replaced on a date, a
    working-day swap (a date aired as another weekday), or a station rule by holiday
    (`programme/rule_rows.py` reads them; `services/exceptions.py` writes them)."""

    __tablename__ = "date_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the rule is about: one rule per slot and date, per swapped date, per holiday rule.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[RuleKind] = mapped_column(EnumText(RuleKind, 8))
    slot_id: Mapped[Optional[int]] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"))
    on_date: Mapped[Optional[date]] = mapped_column(Date)  # local date (skip, replace, swap)
    start: Mapped[Optional[str]] = mapped_column(String(8))  # a replacement's start
    minutes: Mapped[Optional[int]]  # a replacement's length
    as_day: Mapped[Optional[str]] = mapped_column(String(3))  # a swapped date's weekday
    holidays: Mapped[Optional[HolidayScope]] = mapped_column(EnumText(HolidayScope, 8))
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
