"""What every airing of one daemon shares: the output, the floor, the stop, the journal, and
what the daemon learnt that the evidence of a slot needs (passed-over bulletins, clock jumps,
the plan kept in memory)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from broadcaster.notes import Note
from broadcaster.onair.arbiter import Claim, Stop, Why
from broadcaster.onair.floor import Floor
from broadcaster.onair.journal import Journal
from broadcaster.onair.outputs import Cancel, Output
from broadcaster.programme.exceptions import PLAIN, Calendar
from broadcaster.programme.slots import SlotOccurrence
from broadcaster.store.db import ProgrammeEntry

MAX_JUMPS = 20  # forward steps of the clock remembered, to name in the missed rows they caused


@dataclass
class Airwaves:
    """What every airing shares: the output, the floor (the arbiter of the air) and the stop.

    Every bulletin asks the floor for the air with a claim and its own `Cancel`, and plays
    only once the arbiter starts it; an emergency, a bulletin taken back or a stop is reported
    to the floor, which cuts the claim that sounds by stopping its `Cancel`.
    """

    output: Output
    grace: timedelta
    sleep: Callable[[float], object]
    floor: Floor
    stop: threading.Event = field(default_factory=threading.Event)
    # Hears each player's process group as it starts (None when it ends): the daemon records it.
    on_player: Callable[[int | None], object] | None = None
    # The occurrence being aired now (slot name, start), so settling does not queue it again.
    current: tuple[str, datetime] | None = None
    # The lease epoch this daemon airs under, and the check before each bulletin that it
    # still holds it (raises LeaseLost); outside a daemon there is no lease to check.
    epoch: int | None = None
    fence: Callable[[], None] = lambda: None
    # Where airings wait when the database does not answer (a daemon has one).
    journal: Journal | None = None
    # Why a planned bulletin was passed over (programme entry id → sentence), for its
    # `missed` row; bounded by the entries of the last LOOKBACK.
    passed_over: dict[int, Note] = field(default_factory=dict)
    # When this daemon began, so a missed row can say the daemon was not running yet.
    since: datetime | None = None
    # Air-now requests this daemon took on (id → when it started airing): one is never aired
    # twice, even when the database could not record that it was handled; a request whose
    # airing waits in the journal is closed, with that airing, once the journal is written.
    served: dict[int, tuple[int | None, datetime | None]] = field(default_factory=dict)
    # Stretches of wall time the clock jumped over forward (from, to), newest last: a slot
    # inside one was never reached, and its `missed` row names the clock.
    jumps: list[tuple[datetime, datetime]] = field(default_factory=list)
    # The plan of the coming hours, loaded with scripts and renderings and detached from any
    # session (slot name, start → entries), to air from while the database does not answer.
    kept: dict[tuple[str, datetime], list[ProgrammeEntry]] = field(default_factory=dict)
    # Occurrences made ready ahead of their time (slot name, start → when): planned, files
    # hashed (services/prepare.py); at its time such a slot airs its entries as planned.
    prepared: dict[tuple[str, datetime], datetime] = field(default_factory=dict)
    # Whether an occurrence still happens as it was when it began (the daemon follows the slot
    # table and the date rules: a slot changed, paused, deleted or skipped while it airs ends
    # after the bulletin on air).
    slot_live: Callable[[SlotOccurrence], bool] = lambda occurrence: True
    # The date rules the slots air by (skips, replacements, swaps, holiday rules), read with
    # the slots and kept in memory, so a slot airs by them while the database does not answer.
    calendar: Calendar = PLAIN
    # Relay occurrences whose stream was lost (slot name, start): their problem is raised once.
    relays_lost: set[tuple[str, datetime]] = field(default_factory=set)

    def cancel(self, claim: Claim) -> Cancel:
        """A new cancel for `claim`; each of its players is recorded through `on_player`, and
        its start told to the floor."""

        def heard(pgid: int | None) -> None:
            if self.on_player is not None:
                self.on_player(pgid)
            if pgid is not None:
                self.floor.started(claim)

        return Cancel(heard)

    def jumped(self, before: datetime, after: datetime) -> None:
        """The clock jumped forward from `before` to `after` (the last MAX_JUMPS are kept)."""
        self.jumps = [*self.jumps[-(MAX_JUMPS - 1) :], (before, after)]

    def shut_down(self, why: Why = Why.STOPPING) -> None:
        """Stop for good: the bulletin on air is cut off and logged as interrupted."""
        self.stop.set()
        self.floor.report(Stop(why, self.floor.clock()))
