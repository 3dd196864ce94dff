"""Relays (tiếp sóng) at the agent: the station's Icecast mount of an upper-level station,
played from a relay's `start` to its `end`, in parts.

A relay plays for what is left of its window, never past its `end` on the agent's clock. An
emergency cuts it (`preempted`); it resumes as the next part once the emergency is over. A
stream lost for good (the receiver has already retried) or an output that fails ends the part
(`interrupted` after some audio, `failed` before any); the agent tries a new part
RETRY_SECONDS later, while the window lasts, and gives the relay up after MAX_LOST parts lost
in a row (the station re-publishes its fallback on the same mount, so it usually comes back).
Each part after the first reports under `wire.part_key(key, part)`, and parts go on numbering
from those the cache recorded, so no key is used twice, even across a restart. While a relay's
window is open and it is still to play, bulletins wait: the relay holds the air.

`RelayBook` is the rule, pure (the time comes in); `RelayDesk` does what it says, on the
control thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from broadcaster.agent.asrun import AsRunLog
from broadcaster.agent.player import Item, Played, Player
from broadcaster.agent.schedule import Schedule
from broadcaster.clock import Clock
from broadcaster.clusters import wire
from broadcaster.onair.outputs import Cancel, SlotEnding, StopReason

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30.0  # after a part lost, wait this long before the next
MAX_LOST = 5  # parts lost in a row before the agent gives the relay up
MIN_PART_SECONDS = 5.0  # a window with less left than this starts no new part


class Window(SlotEnding):
    """A relay part's cancel that is also set when the relay's `end` comes on the agent's clock;
    the control thread moves `end` when a newer programme shortens (or lengthens) the slot."""

    def __init__(self, clock: Clock, end: datetime) -> None:
        super().__init__(Cancel(), clock, end)


@dataclass
class Progress:
    """How far one relay has got: parts started, parts lost in a row, when to try again."""

    parts: int = 0
    lost: int = 0
    retry_at: datetime | None = None
    done: bool = False  # aired to its end, given up, or reported missed


class RelayBook:
    """Which relay is due, which was missed, and what each part's outcome means for the next."""

    def __init__(self, history: Iterable[tuple[str, str]] = ()) -> None:
        """`history`: (entry, kind) of the relay rows in the cache, to number parts on from."""
        self.progress: dict[str, Progress] = {}
        for entry, kind in history:
            key, part = wire.relay_of(entry)
            if not key.startswith("r-"):
                continue  # a bulletin's or an emergency's row
            held = self.progress.setdefault(key, Progress())
            held.parts = max(held.parts, part)
            held.done = held.done or kind == "aired"

    def _open(self, relay: wire.Relay, now: datetime) -> bool:
        """Within its window and still to play (a relay waiting to retry counts)."""
        held = self.progress.get(relay.key)
        return relay.start <= now < relay.end and not (held is not None and held.done)

    def due(self, relays: Sequence[wire.Relay], now: datetime) -> wire.Relay | None:
        """The relay whose next part should start now, if any."""
        for relay in sorted(relays, key=lambda r: r.start):
            held = self.progress.get(relay.key)
            if not self._open(relay, now) or (relay.end - now).total_seconds() < MIN_PART_SECONDS:
                continue
            if held is None or held.retry_at is None or held.retry_at <= now:
                return relay
        return None

    def holding(self, relays: Sequence[wire.Relay], now: datetime) -> bool:
        """Whether a relay holds the air (its window open, still to play): bulletins wait."""
        return any(self._open(relay, now) for relay in relays)

    def missed(self, relays: Sequence[wire.Relay], now: datetime) -> list[wire.Relay]:
        """Relays whose window ended with no part started (each returned once)."""
        gone = []
        for relay in relays:
            held = self.progress.setdefault(relay.key, Progress())
            if relay.end <= now and held.parts == 0 and not held.done:
                held.done = True
                gone.append(relay)
        return gone

    def next_start(self, relays: Sequence[wire.Relay], now: datetime) -> datetime | None:
        """The next moment a relay may start (its start, or its retry), after `now`."""
        times = []
        for relay in relays:
            held = self.progress.get(relay.key) or Progress()
            at = max(relay.start, held.retry_at or relay.start)
            if not held.done and now < at < relay.end:
                times.append(at)
        return min(times, default=None)

    def begin(self, key: str) -> int:
        """A part of relay `key` starts: its number (1, then 2, 3, …)."""
        held = self.progress.setdefault(key, Progress())
        held.parts += 1
        held.retry_at = None
        return held.parts

    def ended(self, relay: wire.Relay | None, key: str, played: Played, now: datetime) -> None:
        """A part of relay `key` ended as `played` says; `relay` is the one the programme holds
        now (None: withdrawn). Aired to its end: done (unless its end moved later meanwhile).
        Lost: try again after RETRY_SECONDS, or give up after MAX_LOST in a row. Cut (an
        emergency, a withdrawal, a stop): the next part may start as soon as the air is free."""
        held = self.progress.setdefault(key, Progress())
        if played.kind == "aired":
            held.lost = 0
            left = (relay.end - now).total_seconds() if relay is not None else 0.0
            held.done = left < MIN_PART_SECONDS
        elif played.lost:
            held.lost += 1
            held.done = held.lost >= MAX_LOST
            held.retry_at = None if held.done else now + timedelta(seconds=RETRY_SECONDS)


class RelayDesk:
    """The control thread's side of relays: start a due part, report the missed, follow a newer
    programme (a withdrawn relay stops; a moved end moves the playing part's end)."""

    def __init__(
        self, schedule: Schedule, log: AsRunLog, player: Player, clock: Clock,
        history: Iterable[tuple[str, str]],
    ) -> None:  # fmt: skip
        self.schedule, self.log, self.player, self.clock = schedule, log, player, clock
        self.book = RelayBook(history)

    def relays(self) -> tuple[wire.Relay, ...]:
        """The relays of the programme held."""
        return self.schedule.programme.relays if self.schedule.programme is not None else ()

    def held(self, key: str) -> wire.Relay | None:
        """The relay with this key in the programme held, if it is there."""
        return next((r for r in self.relays() if r.key == key), None)

    def start_due(self, now: datetime) -> bool:
        """Report relays missed, start a due relay's next part; whether a relay holds the air
        (then no bulletin starts)."""
        for relay in self.book.missed(self.relays(), now):
            self._missed(relay, now)
        due = self.book.due(self.relays(), now)
        if due is None:
            return self.book.holding(self.relays(), now)
        self._start(due, now)
        return True

    def _start(self, relay: wire.Relay, now: datetime) -> None:
        part = self.book.begin(relay.key)
        key = wire.part_key(relay.key, part)
        seconds = (relay.end - now).total_seconds()
        logger.info("Relay %s part %d: %s for %.0f s.", relay.key, part, relay.url, seconds)
        self.log.started(key, None)
        self.player.relay(Item(key, None, seconds, relay=relay), Window(self.clock, relay.end))

    def next_start(self, now: datetime) -> datetime | None:
        """When the next relay part may start."""
        return self.book.next_start(self.relays(), now)

    def follow(self) -> None:
        """A newer programme is held: stop the playing relay if it is gone, move its end."""
        playing = self.player.item
        if playing is None or playing.relay is None:
            return
        relay = self.held(playing.relay.key)
        window = self.player.cancel
        if relay is None:
            logger.warning("Relay %s withdrawn by the station: stopping it.", playing.key)
            self.player.stop(StopReason.TAKEN_BACK)
        elif isinstance(window, Window) and window.end != relay.end:
            logger.info("Relay %s now ends at %s.", playing.key, wire.when(relay.end))
            window.end = relay.end

    def ended(self, played: Played, now: datetime) -> None:
        """A relay part's outcome is logged: decide what comes next."""
        assert played.item.relay is not None
        key = played.item.relay.key
        self.book.ended(self.held(key), key, played, now)
        held = self.book.progress[key]
        if played.lost and held.done:
            logger.warning("Relay %s: lost %d times in a row, given up.", key, held.lost)
        elif held.retry_at is not None:
            logger.info("Relay %s: trying again at %s.", key, wire.when(held.retry_at))

    def _missed(self, relay: wire.Relay, now: datetime) -> None:
        """A window that passed unplayed: `failed`, missed (not one before the agent first ran)."""
        since = self.log.tracked_since
        if since is not None and relay.start < since:
            logger.info("Relay %s was planned before this agent first ran: skipped.", relay.key)
            return
        late = round((now - relay.end).total_seconds())
        why = f"missed: its window ended {late} s ago"
        self.log.record(relay.key, "failed", None, None, None, why)
