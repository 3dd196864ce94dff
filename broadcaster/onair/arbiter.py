"""The arbiter of the air: one small pure state machine decides what sounds.

Every source that wants the loudspeakers (a slot's bulletin, an air-now request, an emergency)
reports a `Wants`; players report `Started` and `Ended`; the web page and the command line's
changes reach it as `TakenBack` and `Approved`; the daemon's stop as `Stop`. For each event
the arbiter returns its decisions (`Start`, `Cut`, `Drop`), and the daemon carries them out.
No I/O, no threads, no clock of its own: each event carries the time it happened.

The rules (docs/architecture.md, "The states of the air", has them as a table):
- One source sounds at a time. Who goes next is the most urgent waiting claim, in the order
  they came within a class: emergency > air-now > a slot's bulletin (Circular 39/2020).
- An emergency cuts whatever sounds unless it is an emergency: that one ends, the next waits
  its turn. Anything else waits for the bulletin on air to end. The cut bulletin is not
  aired again; the rest of its slot airs after the emergency.
- A bulletin taken back (returned, retired or edited) never starts: waiting claims for it are
  dropped, later ones too until it is approved again, and it is cut if it sounds.
- Nothing plays twice: a claim that started once is never started again.
- After `Stop` nothing starts; what sounds is cut and what waits is dropped.
- A relay of an upper-level station (the lowest class) yields: an emergency or an air-now
  bulletin cuts it, and when that has ended the relay resumes for what is left of its window
  (a new key, `…#2`); a slot's bulletin waits for it. A relay never starts after its window.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Callable


class Kind(IntEnum):
    """Who wants the air, the most urgent last (their order is the priority)."""

    RELAY = 0  # a relay of the national or provincial station: it yields and resumes
    SLOT = 1
    AIR_NOW = 2
    EMERGENCY = 3


class Why(StrEnum):
    """Why a claim was cut or dropped."""

    EMERGENCY = "emergency"  # an emergency takes the air: the cut bulletin is `preempted`
    TAKEN_BACK = "taken back"  # returned, retired or edited: it must not sound
    STOPPING = "stopping"  # the daemon stops: `interrupted`
    FENCED = "fenced"  # another daemon holds the air: `interrupted`, at once
    SLOT_GONE = "slot gone"  # its slot was changed or deleted
    DONE = "done"  # it started once already: never again
    PRIORITY = "priority"  # a relay yields to an air-now bulletin (it resumes after)
    OVER = "over"  # a relay's window has passed: it is not started (again)


@dataclass(frozen=True)
class Claim:
    """One source's wish to sound: a slot entry, an air-now request or an emergency."""

    key: str  # "entry:12", "request:7": unique for what may sound once
    kind: Kind
    script_id: int
    title: str = ""
    slot: str | None = None  # the slot of a slot's bulletin
    by: str | None = None  # who asked (an account, "cli:user") for air-now and emergencies
    version: str = ""  # the script's content hash when claimed: an edit takes it back
    until: datetime | None = None  # a relay's window ends here

    def resumed(self) -> Claim:
        """The same relay again, for the rest of its window, under a key of its own."""
        base, _, part = self.key.partition("#")
        return replace(self, key=f"{base}#{int(part or 1) + 1}")


# --- events ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Wants:
    claim: Claim
    at: datetime


@dataclass(frozen=True)
class Started:
    key: str
    at: datetime


@dataclass(frozen=True)
class Ended:
    """The player of `key` ended: played out, stopped after a cut, or failed (`failed`: nothing
    or not all of it reached the speakers through no cut; it may be claimed again, a retry)."""

    key: str
    at: datetime
    failed: bool = False


@dataclass(frozen=True)
class TakenBack:
    """Returned, retired or edited: the script must not sound until approved again."""

    script_id: int
    at: datetime


@dataclass(frozen=True)
class Approved:
    script_id: int
    at: datetime


@dataclass(frozen=True)
class SlotGone:
    """A slot was changed or deleted: its waiting bulletins are dropped (the bulletin on air
    finishes); its relay on air is cut when the change took its occurrence away or changed its
    end or stream (`relay_withdrawn`; settling then airs what the slot now says)."""

    slot: str
    at: datetime
    relay_withdrawn: bool = False


@dataclass(frozen=True)
class Stop:
    why: Why  # STOPPING or FENCED
    at: datetime


@dataclass(frozen=True)
class OutputFailed:
    """The output could not play; the claim's player ends with it (reported as `Ended`)."""

    key: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class OutputRecovered:
    at: datetime


# Reserved for a later issue (relays of the national and provincial stations, live
# announcements); typed now so the table has their rows, not produced yet.
@dataclass(frozen=True)
class RelayUp:
    source: str
    at: datetime


@dataclass(frozen=True)
class RelayDown:
    source: str
    at: datetime


@dataclass(frozen=True)
class LiveStart:
    by: str
    at: datetime


@dataclass(frozen=True)
class LiveEnd:
    at: datetime


Event = (
    Wants | Started | Ended | TakenBack | Approved | SlotGone | Stop | OutputFailed
    | OutputRecovered | RelayUp | RelayDown | LiveStart | LiveEnd
)  # fmt: skip


# --- decisions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    claim: Claim
    at: datetime


@dataclass(frozen=True)
class Cut:
    claim: Claim
    why: Why
    at: datetime


@dataclass(frozen=True)
class Drop:
    claim: Claim
    why: Why
    at: datetime


Decision = Start | Cut | Drop

# How many started keys are remembered (an air-now request or an entry never starts twice);
# old ones are long settled in the database.
REMEMBERED = 10_000


@dataclass
class Arbiter:
    """What sounds, what waits, and what must not start."""

    sounding: Claim | None = None
    since: datetime | None = None  # when the sounding claim was started
    cut: Why | None = None  # the sounding claim was cut, for this reason; its end is awaited
    resumes: bool = False  # the sounding relay was cut to let another speak: it comes back
    waiting: list[Claim] = field(default_factory=list)
    taken_back: set[int] = field(default_factory=set)
    stopped: Why | None = None
    output_failed: str | None = None  # the last output failure, until one plays again
    started: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def handle(self, event: Event) -> list[Decision]:
        """Take in one event; return what to do now."""
        match event:
            case Wants(claim, at):
                return self._wants(claim, at)
            case Started(key, _):
                if self.sounding is not None and self.sounding.key == key:
                    self.output_failed = None
                return []
            case Ended(key, at) | OutputFailed(key, _, at):
                if self.sounding is None or self.sounding.key != key:
                    return []
                if isinstance(event, OutputFailed):
                    self.output_failed = event.detail
                if isinstance(event, OutputFailed) or event.failed and self.cut is None:
                    self.started.pop(key, None)  # a failure may be tried again; a cut never
                if self.resumes and self.stopped is None:
                    self.waiting.append(self.sounding.resumed())  # after what cut it
                self.sounding, self.since, self.cut, self.resumes = None, None, None, False
                return self._next(at)
            case TakenBack(script_id, at):
                self.taken_back.add(script_id)
                return self._drop(lambda c: c.script_id == script_id, Why.TAKEN_BACK, at)
            case Approved(script_id, _):
                self.taken_back.discard(script_id)
                return []
            case SlotGone(slot, at, withdrawn):
                if self.sounding is not None and self.sounding.slot == slot:
                    self.resumes = False  # a relay cut meanwhile does not come back
                relay = withdrawn and self.sounding is not None and self.sounding.kind == Kind.RELAY
                return self._drop(lambda c: c.slot == slot, Why.SLOT_GONE, at, cut=relay)
            case Stop(why, at):
                self.stopped = why
                return self._drop(lambda c: True, why, at)
            case OutputRecovered():
                self.output_failed = None
                return []
            case RelayUp() | RelayDown() | LiveStart() | LiveEnd():
                return []  # reserved: produced by a later issue
        raise TypeError(f"not an event: {event!r}")

    def _wants(self, claim: Claim, at: datetime) -> list[Decision]:
        if self.stopped is not None:
            return [Drop(claim, self.stopped, at)]
        if claim.script_id in self.taken_back:
            return [Drop(claim, Why.TAKEN_BACK, at)]
        if claim.key in self.started or any(c.key == claim.key for c in self.waiting):
            return [Drop(claim, Why.DONE, at)]
        self.waiting.append(claim)
        if self.sounding is None:
            return self._next(at)
        if self.cut is not None:
            return []
        relay = self.sounding.kind == Kind.RELAY
        if claim.kind == Kind.EMERGENCY and self.sounding.kind != Kind.EMERGENCY:
            self.cut, self.resumes = Why.EMERGENCY, relay
            return [Cut(self.sounding, Why.EMERGENCY, at)]
        if claim.kind == Kind.AIR_NOW and relay:
            self.cut, self.resumes = Why.PRIORITY, True
            return [Cut(self.sounding, Why.PRIORITY, at)]
        return []

    def _next(self, at: datetime) -> list[Decision]:
        """Start the most urgent waiting claim, the first to come within its class."""
        if self.sounding is not None or not self.waiting or self.stopped is not None:
            return []
        over = [c for c in self.waiting if c.until is not None and c.until <= at]
        self.waiting = [c for c in self.waiting if c not in over]
        decisions: list[Decision] = [Drop(c, Why.OVER, at) for c in over]
        if not self.waiting:
            return decisions
        chosen = max(self.waiting, key=lambda c: c.kind)  # max keeps the first of equals
        self.waiting.remove(chosen)
        self.sounding, self.since = chosen, at
        self.started[chosen.key] = None
        while len(self.started) > REMEMBERED:
            self.started.popitem(last=False)
        return [*decisions, Start(chosen, at)]

    def _drop(
        self, hit: Callable[[Claim], bool], why: Why, at: datetime, cut: bool = True
    ) -> list[Decision]:
        """Drop the waiting claims `hit` chooses; cut the sounding one too when it is hit."""
        decisions: list[Decision] = [Drop(c, why, at) for c in self.waiting if hit(c)]
        self.waiting = [c for c in self.waiting if not hit(c)]
        if cut and self.sounding is not None and hit(self.sounding) and self.cut is None:
            self.cut = why
            decisions.append(Cut(self.sounding, why, at))
        return decisions
