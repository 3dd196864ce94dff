"""The slot job's trigger: APScheduler fires a slot's job at each occurrence that happens under
the date rules (`programme.exceptions`), as a cron trigger fires at a slot's weekly times."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from broadcaster.services.exceptions import Calendar, next_start
from broadcaster.services.planning import SlotDef


class OccurrenceTrigger(BaseTrigger):
    """Fires at each start of `slot` that happens with `calendar`'s rules: not at a skipped one,
    at a replaced one's own time, once for a one-off slot."""

    def __init__(self, slot: SlotDef, calendar: Calendar, tz: ZoneInfo) -> None:
        self.slot = slot
        self.calendar = calendar
        self.timezone = tz

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The next start at or after `now`, or just after the previous fire (as CronTrigger
        does: a run missed within the grace is still found)."""
        after = now
        if previous_fire_time is not None:
            after = min(now, previous_fire_time + timedelta(microseconds=1))
        found = next_start(self.slot, after, self.timezone, self.calendar)
        return found.astimezone(self.timezone) if found is not None else None

    def __str__(self) -> str:
        return f"occurrences of slot {self.slot.name}"
