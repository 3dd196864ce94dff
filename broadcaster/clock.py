"""Time comes in from the caller; this is the one place that reads the system clock."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The system clock, in UTC (the default clock of the CLI, the daemon and the web app)."""
    return datetime.now(timezone.utc)


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
        import time

        self.wall = wall or time.time
        self.mono = mono or time.monotonic
        self._last = (self.wall(), self.mono())

    def step(self) -> float:
        """Seconds the wall clock jumped since the last look (0.0 below STEP_SECONDS)."""
        wall, mono = self.wall(), self.mono()
        jump = (wall - self._last[0]) - (mono - self._last[1])
        self._last = (wall, mono)
        return jump if abs(jump) > STEP_SECONDS else 0.0
