"""Time comes in from the caller; this is the one place that reads the system clock."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone, tzinfo
from typing import Callable

Clock = Callable[[], datetime]

# Names a file holding seconds to add to the system clock. Only fault tests set it: they step
# the clock of a real daemon by writing a new number there (tests/faults/test_clock_steps.py).
# A town's daemon never has it; the cost there is one look-up in the environment.
OFFSET_VARIABLE = "BROADCASTER_CLOCK_OFFSET_FILE"


def offset_seconds() -> float:
    """Seconds added to the system clock (0 unless OFFSET_VARIABLE names a readable number)."""
    path = os.environ.get(OFFSET_VARIABLE)
    if not path:
        return 0.0
    try:
        with open(path, encoding="utf-8") as held:
            return float(held.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def wall_seconds() -> float:
    """The wall clock in seconds since the epoch, the offset included."""
    return time.time() + offset_seconds()


def utc_now() -> datetime:
    """The system clock, in UTC (the default clock of the CLI, the daemon and the web app)."""
    return datetime.fromtimestamp(wall_seconds(), timezone.utc)


class SchedulerTime(datetime):
    """`datetime` as the daemon's scheduler reads it: `now` is `wall_seconds`, so a step of the
    clock a test makes reaches APScheduler as a step of the system clock would."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return datetime.fromtimestamp(wall_seconds(), tz)


# A step of the wall clock (an NTP correction, a hand-set date) bigger than this is a step,
# not drift: the daemon records it and re-arms its jobs (docs/architecture.md).
STEP_SECONDS = 2.0


class StepWatch:
    """Tells a step of the wall clock from time passing: compares the wall clock's advance with
    the monotonic clock's since the last look. Both clocks are injected for the tests."""

    def __init__(
        self,
        wall: Callable[[], float] | None = None,
        mono: Callable[[], float] | None = None,
    ) -> None:
        self.wall = wall or wall_seconds
        self.mono = mono or time.monotonic
        self._last = (self.wall(), self.mono())

    def step(self) -> float:
        """Seconds the wall clock jumped since the last look (0.0 below STEP_SECONDS)."""
        wall, mono = self.wall(), self.mono()
        jump = (wall - self._last[0]) - (mono - self._last[1])
        self._last = (wall, mono)
        return jump if abs(jump) > STEP_SECONDS else 0.0
