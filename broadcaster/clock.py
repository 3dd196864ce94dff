"""Time comes in from the caller; this is the one place that reads the system clock."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The system clock, in UTC (the default clock of the CLI, the daemon and the web app)."""
    return datetime.now(timezone.utc)
