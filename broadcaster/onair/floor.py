"""The floor: the arbiter of the air behind one lock, for the daemon's threads.

A job that wants the air calls `take` and waits there until the arbiter starts its claim (or
drops it: taken back, stopping); it plays, then calls `done`. Anything may `report` an event
at any moment (an emergency request, a bulletin taken back, a stop): the arbiter's cuts are
carried out at once, from the reporting thread, by stopping the cut claim's own `Cancel`. So
an emergency never waits behind a busy job: the job playing is told to stop, and the
emergency's job is woken the moment that player has ended.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Callable

from broadcaster.onair.arbiter import (
    Arbiter,
    Claim,
    Cut,
    Decision,
    Drop,
    Ended,
    Event,
    Start,
    Started,
    Wants,
    Why,
)
from broadcaster.onair.outputs import Cancel, StopReason

logger = logging.getLogger(__name__)

# How a cut stops the player; it decides the evidence row's outcome.
CUT_REASON = {
    Why.EMERGENCY: StopReason.EMERGENCY,
    Why.PRIORITY: StopReason.EMERGENCY,  # a relay yields to an air-now bulletin: `preempted`
    Why.TAKEN_BACK: StopReason.TAKEN_BACK,
    Why.STOPPING: StopReason.STOPPING,
    Why.FENCED: StopReason.FENCED,
    Why.SLOT_GONE: StopReason.SLOT_GONE,  # a relay whose slot was withdrawn: `interrupted`
}


class Floor:
    """Who has the air now, decided by the arbiter; one lock around it."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.arbiter = Arbiter()
        self.clock = clock
        self._changed = threading.Condition()  # around every arbiter call (an RLock)
        self._cancels: dict[str, Cancel] = {}
        self._granted: set[str] = set()
        self._dropped: dict[str, Why] = {}
        self._refused: set[int] = set()  # cancels of second asks for a claim in flight

    def report(self, event: Event) -> list[Decision]:
        """Give the arbiter one event and carry out what it decides."""
        with self._changed:
            decisions = self.arbiter.handle(event)
            for decision in decisions:
                self._carry_out(decision)
            self._changed.notify_all()
        return decisions

    def _carry_out(self, decision: Decision) -> None:
        key = decision.claim.key
        if isinstance(decision, Start):
            self._granted.add(key)
        elif isinstance(decision, Drop):
            self._dropped[key] = decision.why
        elif isinstance(decision, Cut):
            logger.warning("cut %s (%s): %s", key, decision.claim.title, decision.why)
            cancel = self._cancels.get(key)
            if cancel is not None:
                cancel.stop(CUT_REASON[decision.why])

    def take(self, claim: Claim, cancel: Cancel) -> Why | None:
        """Ask for the air for `claim` and wait for the arbiter: None when it starts now (play,
        then call `done`), or why it was dropped (it must not play). A cut stops `cancel`."""
        self.ask(claim, cancel)
        return self.wait(claim, cancel)

    def ask(self, claim: Claim, cancel: Cancel) -> None:
        """Put `claim` before the arbiter now (its place in the queue), without waiting."""
        with self._changed:
            if claim.key in self._cancels:  # asked already and not done: this ask is refused
                self._refused.add(id(cancel))
                return
            self._cancels[claim.key] = cancel
            self.report(Wants(claim, self.clock()))

    def wait(self, claim: Claim, cancel: Cancel) -> Why | None:
        """Wait until the arbiter starts `claim` (None) or drops it (why)."""
        with self._changed:
            if id(cancel) in self._refused:
                self._refused.discard(id(cancel))
                return Why.DONE
            while True:
                if claim.key in self._granted:
                    self._granted.discard(claim.key)
                    return None
                if claim.key in self._dropped:
                    self._cancels.pop(claim.key, None)
                    return self._dropped.pop(claim.key)
                self._changed.wait()

    def resume(self, claim: Claim, cancel: Cancel) -> Why | None:
        """Wait for the arbiter to start a relay it resumes (`claim`: the relay's `resumed()`
        claim, queued by the arbiter when the relay was cut): None when it starts, or why it
        will not (dropped; Why.DONE when the arbiter queued no resumption)."""
        with self._changed:
            queued = any(c.key == claim.key for c in self.arbiter.waiting)
            if not queued and claim.key not in self._granted and claim.key not in self._dropped:
                return Why.DONE
            self._cancels[claim.key] = cancel
            sounding, cut = self.arbiter.sounding, self.arbiter.cut
            if sounding is not None and sounding.key == claim.key and cut is not None:
                cancel.stop(CUT_REASON[cut])  # started and cut before its cancel was here
        return self.wait(claim, cancel)

    def started(self, claim: Claim) -> None:
        """Its player sounds."""
        self.report(Started(claim.key, self.clock()))

    def done(self, claim: Claim, failed: bool = False) -> None:
        """Its player ended (`failed`: through no cut, so it may be claimed again)."""
        self.report(Ended(claim.key, self.clock(), failed))
        with self._changed:
            self._cancels.pop(claim.key, None)

    def claimed(self) -> list[Claim]:
        """The claim that sounds and those that wait."""
        with self._changed:
            sounding = self.arbiter.sounding
            return ([sounding] if sounding is not None else []) + list(self.arbiter.waiting)
