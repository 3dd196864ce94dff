"""The arbiter of the air, tried with random interleavings of every event on a model clock.

A Hypothesis state machine drives the pure arbiter with slot bulletins, air-now requests,
emergencies, bulletins taken back and approved again, failing players and a stop, while a
model of the loudspeaker plays what it starts (each player ends when its audio is over, or
CUT_SECONDS after a cut). After every step: at most one source sounds; an emergency sounds
within a second of its request unless another emergency sounds; nothing taken back, or after
the stop, starts; nothing starts twice unless it failed. Sequences it found are kept below
as plain tests. `make test-stress` runs it with the "stress" profile (5,000 examples).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from broadcaster.onair.arbiter import (
    Approved,
    Arbiter,
    Claim,
    Cut,
    Decision,
    Drop,
    Ended,
    Event,
    Kind,
    LiveStart,
    RelayUp,
    SlotGone,
    Start,
    Started,
    Stop,
    TakenBack,
    Wants,
    Why,
)

T0 = datetime(2024, 3, 11, 0, 0, tzinfo=timezone.utc)
CUT_SECONDS = 0.2  # a cut player is gone this long after the cut (SIGTERM to its group)
EMERGENCY_WITHIN = timedelta(seconds=1)
SCRIPTS = st.integers(min_value=1, max_value=4)
SECONDS = st.floats(min_value=0.05, max_value=90.0)


class Loudspeaker:
    """The model of what sounds: it carries out the arbiter's decisions and checks each one."""

    def __init__(self) -> None:
        self.arbiter = Arbiter()
        self.now = T0
        self.sounding: Claim | None = None
        self.ends_at: datetime | None = None  # when the sounding player ends by itself or a cut
        self.failing = False  # the sounding player fails instead of playing out
        self.asked_at: dict[str, datetime] = {}
        self.played: set[str] = set()  # keys that started and did not fail
        self.taken_back: set[int] = set()
        self.stopped = False
        self.log: list[tuple[datetime, Decision]] = []
        self.next_key = 0

    def send(self, event: Event) -> None:
        for decision in self.arbiter.handle(event):
            self.log.append((self.now, decision))
            asked = event.claim if isinstance(event, Wants) else None
            if isinstance(decision, Drop) and decision.claim == asked:
                continue  # this very ask refused (a second ask, taken back, stopped)
            self._carry_out(decision)

    def _carry_out(self, decision: Decision) -> None:
        claim = decision.claim
        if isinstance(decision, Start):
            assert self.sounding is None, f"{claim.key} started over {self.sounding}"
            assert not self.stopped, f"{claim.key} started after the stop"
            assert claim.script_id not in self.taken_back, f"{claim.key} was taken back"
            assert claim.key not in self.played, f"{claim.key} started twice"
            assert claim.until is None or claim.until > self.now, f"{claim.key} after its window"
            self.sounding, self.played = claim, self.played | {claim.key}
            self.ends_at = self.now + timedelta(seconds=30 + 7 * claim.script_id)
            if claim.until is not None:  # a relay plays to the end of its window
                self.ends_at = claim.until
            self.send(Started(claim.key, self.now))
        elif isinstance(decision, Cut):
            assert self.sounding == claim, f"cut {claim.key}, not what sounds"
            self.ends_at = min(self.ends_at or self.now, self.now + timedelta(seconds=CUT_SECONDS))
        else:
            assert isinstance(decision, Drop)
            assert claim != self.sounding, f"dropped {claim.key}, which sounds"

    def claim(self, kind: Kind, script_id: int) -> Claim:
        self.next_key += 1
        return Claim(f"{kind.name.lower()}:{self.next_key}", kind, script_id, slot="sáng")

    def want(self, claim: Claim) -> None:
        self.asked_at[claim.key] = self.now
        self.send(Wants(claim, self.now))

    def advance(self, seconds: float) -> None:
        """Let time pass; players end when their audio is over (or their cut lands)."""
        until = self.now + timedelta(seconds=seconds)
        while self.sounding is not None and self.ends_at is not None and self.ends_at <= until:
            self.now = self.ends_at
            ended, failed = self.sounding, self.failing
            self.sounding, self.ends_at, self.failing = None, None, False
            if failed:
                self.played.discard(ended.key)  # a failure may be tried again
            self.send(Ended(ended.key, self.now, failed))
        self.now = until


class AirMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.air = Loudspeaker()

    @rule(script=SCRIPTS)
    def slot_bulletin(self, script: int) -> None:
        self.air.want(self.air.claim(Kind.SLOT, script))

    @rule(script=SCRIPTS)
    def air_now(self, script: int) -> None:
        self.air.want(self.air.claim(Kind.AIR_NOW, script))

    @rule(script=SCRIPTS)
    def emergency(self, script: int) -> None:
        self.air.want(self.air.claim(Kind.EMERGENCY, script))

    @precondition(lambda self: bool(self.air.played))
    @rule(data=st.data())
    def the_same_again(self, data: st.DataObject) -> None:
        """A source asks again for what it asked before (a second settle, a retry)."""
        key = data.draw(st.sampled_from(sorted(self.air.played)))
        kind = Kind[key.split(":")[0].upper()]
        if kind == Kind.RELAY:
            self.air.want(
                Claim(key, kind, 0, slot="tiếp sóng", until=self.air.now + timedelta(seconds=60))
            )
        else:
            self.air.want(Claim(key, kind, 1, slot="sáng"))

    @rule(seconds=SECONDS)
    def relay(self, seconds: float) -> None:
        """A relay slot of the provincial station opens a window of `seconds`."""
        self.air.next_key += 1
        until = self.air.now + timedelta(seconds=seconds)
        self.air.want(
            Claim(f"relay:{self.air.next_key}", Kind.RELAY, 0, slot="tiếp sóng", until=until)
        )

    @rule(script=SCRIPTS)
    def take_back(self, script: int) -> None:
        self.air.taken_back.add(script)
        self.air.send(TakenBack(script, self.air.now))

    @rule(script=SCRIPTS)
    def approve_again(self, script: int) -> None:
        self.air.taken_back.discard(script)
        self.air.send(Approved(script, self.air.now))

    @rule()
    def slot_deleted(self) -> None:
        self.air.send(SlotGone("sáng", self.air.now))

    @rule(withdrawn=st.booleans())
    def relay_slot_changed(self, withdrawn: bool) -> None:
        """The relay slot changed: its occurrence on air taken away (`withdrawn`) or not."""
        sounding, was_cut = self.air.sounding, self.air.arbiter.cut
        before = len(self.air.log)
        self.air.send(SlotGone("tiếp sóng", self.air.now, withdrawn))
        cuts = [d for _, d in self.air.log[before:] if isinstance(d, Cut)]
        relay_on_air = sounding is not None and sounding.kind == Kind.RELAY
        if withdrawn and relay_on_air and was_cut is None:
            assert cuts == [Cut(sounding, Why.SLOT_GONE, self.air.now)]
        else:
            assert cuts == [], f"cut {cuts} for a change that left the relay on air"
        assert not any(c.slot == "tiếp sóng" for c in self.air.arbiter.waiting)

    @precondition(lambda self: self.air.sounding is not None)
    @rule()
    def the_player_fails(self) -> None:
        self.air.failing = True
        self.air.ends_at = self.air.now

    @rule()
    def reserved_events_change_nothing(self) -> None:
        before = (self.air.arbiter.sounding, list(self.air.arbiter.waiting))
        self.air.send(RelayUp("VOV1", self.air.now))
        self.air.send(LiveStart("Chủ tịch", self.air.now))
        assert (self.air.arbiter.sounding, self.air.arbiter.waiting) == (before[0], before[1])

    @rule(why=st.sampled_from([Why.STOPPING, Why.FENCED]))
    def stop(self, why: Why) -> None:
        self.air.stopped = True
        self.air.send(Stop(why, self.air.now))

    @rule(seconds=SECONDS)
    def time_passes(self, seconds: float) -> None:
        self.air.advance(seconds)

    @invariant()
    def one_source_at_most_and_the_arbiter_agrees(self) -> None:
        assert self.air.arbiter.sounding == self.air.sounding

    @invariant()
    def an_emergency_sounds_within_a_second(self) -> None:
        air = self.air
        if air.sounding is not None and air.sounding.kind == Kind.EMERGENCY:
            return  # the next one waits its turn
        late = [
            c.key
            for c in air.arbiter.waiting
            if c.kind == Kind.EMERGENCY and air.now - air.asked_at[c.key] > EMERGENCY_WITHIN
        ]
        assert late == [], f"emergencies waiting over a second at {air.now}: {late}"

    @invariant()
    def a_relay_yields_to_air_now_within_a_second(self) -> None:
        air = self.air
        if air.sounding is None or air.sounding.kind != Kind.RELAY:
            return
        late = [c.key for c in air.arbiter.waiting
                if c.kind >= Kind.AIR_NOW and air.now - air.asked_at[c.key] > EMERGENCY_WITHIN]  # fmt: skip
        assert late == [], f"waiting behind a relay at {air.now}: {late}"

    @invariant()
    def emergencies_keep_their_order(self) -> None:
        started = [d.claim.key for _, d in self.air.log if isinstance(d, Start)]
        emergencies = [k for k in started if k.startswith("emergency:")]
        assert emergencies == sorted(emergencies, key=lambda k: int(k.split(":")[1]))

    @invariant()
    def nothing_waits_after_the_stop(self) -> None:
        if self.air.stopped:
            assert self.air.arbiter.waiting == []


TestAir = AirMachine.TestCase


# --- sequences, as plain tests ------------------------------------------------------------


def test_an_emergency_during_an_air_now_bulletin_cuts_it_and_starts_when_it_has_ended() -> None:
    air = Loudspeaker()
    bulletin = air.claim(Kind.AIR_NOW, 1)
    air.want(bulletin)
    air.advance(5)
    emergency = air.claim(Kind.EMERGENCY, 2)
    air.want(emergency)
    assert isinstance(air.log[-1][1], Cut) and air.log[-1][1].why == Why.EMERGENCY
    air.advance(CUT_SECONDS)
    assert air.sounding == emergency
    assert air.now - air.asked_at[emergency.key] <= EMERGENCY_WITHIN


def test_an_emergency_during_an_emergency_waits_its_turn_in_order() -> None:
    air = Loudspeaker()
    first, second, third = (air.claim(Kind.EMERGENCY, n) for n in (1, 2, 3))
    for claim in (first, second, third):
        air.want(claim)
    assert air.sounding == first and not any(isinstance(d, Cut) for _, d in air.log)
    air.advance(37.5)
    assert air.sounding == second
    air.advance(44.5)
    assert air.sounding == third


def test_air_now_waits_for_the_slot_bulletin_then_goes_before_the_rest_of_the_slot() -> None:
    air = Loudspeaker()
    first, second = air.claim(Kind.SLOT, 1), air.claim(Kind.SLOT, 2)
    air.want(first)
    air.want(second)
    now = air.claim(Kind.AIR_NOW, 3)
    air.want(now)
    assert air.sounding == first  # not cut
    air.advance(37)
    assert air.sounding == now
    air.advance(51)
    assert air.sounding == second


def test_a_bulletin_taken_back_while_waiting_never_starts_and_on_air_is_cut() -> None:
    air = Loudspeaker()
    on_air, waiting = air.claim(Kind.SLOT, 1), air.claim(Kind.SLOT, 2)
    air.want(on_air)
    air.want(waiting)
    air.send(TakenBack(2, air.now))
    assert [type(d) for _, d in air.log[-1:]] == [Drop]
    air.send(TakenBack(1, air.now))
    assert isinstance(air.log[-1][1], Cut) and air.log[-1][1].why == Why.TAKEN_BACK
    air.taken_back |= {1, 2}
    air.advance(60)
    assert air.sounding is None
    later = air.claim(Kind.SLOT, 2)
    air.want(later)  # asked again later in the slot: still taken back
    assert isinstance(air.log[-1][1], Drop) and air.sounding is None


def test_a_cut_bulletin_is_not_started_again_and_a_failed_one_may_be() -> None:
    air = Loudspeaker()
    bulletin = air.claim(Kind.SLOT, 1)
    air.want(bulletin)
    air.want(air.claim(Kind.EMERGENCY, 2))
    air.advance(60)
    air.want(bulletin)
    assert isinstance(air.log[-1][1], Drop) and air.log[-1][1].why == Why.DONE
    retried = air.claim(Kind.SLOT, 3)
    air.want(retried)
    air.failing, air.ends_at = True, air.now
    air.advance(1)
    air.want(retried)
    assert air.sounding == retried


def test_after_a_stop_what_sounds_is_cut_and_nothing_starts() -> None:
    air = Loudspeaker()
    air.want(air.claim(Kind.SLOT, 1))
    air.want(air.claim(Kind.AIR_NOW, 2))
    air.stopped = True
    air.send(Stop(Why.STOPPING, air.now))
    assert {type(d) for _, d in air.log[-2:]} == {Cut, Drop}
    air.advance(1)
    air.want(air.claim(Kind.EMERGENCY, 3))
    assert air.sounding is None and isinstance(air.log[-1][1], Drop)


def test_found_a_second_ask_of_the_bulletin_on_air_is_refused_and_it_plays_on() -> None:
    """Found by the state machine: air_now(1), then the same claim asked again."""
    air = Loudspeaker()
    bulletin = air.claim(Kind.AIR_NOW, 1)
    air.want(bulletin)
    air.want(bulletin)
    assert air.log[-1][1] == Drop(bulletin, Why.DONE, T0) and air.sounding == bulletin


def test_found_a_second_ask_after_the_stop_is_refused_and_the_cut_one_ends() -> None:
    """Found by the state machine: air_now(1), stop, then the same claim asked again."""
    air = Loudspeaker()
    bulletin = air.claim(Kind.AIR_NOW, 1)
    air.want(bulletin)
    air.stopped = True
    air.send(Stop(Why.STOPPING, air.now))
    air.want(bulletin)
    assert air.log[-1][1] == Drop(bulletin, Why.STOPPING, T0)
    air.advance(1)
    assert air.sounding is None and air.arbiter.sounding is None


def test_the_floor_refuses_a_second_ask_and_still_cuts_the_first_one() -> None:
    """The same sequence on the floor: the second ask must not take over the first's cancel."""
    from broadcaster.onair.floor import Floor
    from broadcaster.onair.outputs import Cancel, StopReason

    floor = Floor(lambda: T0)
    bulletin = Claim("request:1", Kind.AIR_NOW, 1)
    first, second = Cancel(), Cancel()
    assert floor.take(bulletin, first) is None
    assert floor.take(bulletin, second) == Why.DONE
    floor.ask(Claim("request:2", Kind.EMERGENCY, 2), Cancel())
    assert first.is_set() and first.reason == StopReason.EMERGENCY and not second.is_set()


RELAY = Claim("relay:1", Kind.RELAY, 0, slot="tiếp sóng", until=T0 + timedelta(minutes=30))


def test_an_air_now_bulletin_cuts_a_relay_which_resumes_after_it() -> None:
    arbiter = Arbiter()
    assert arbiter.handle(Wants(RELAY, T0)) == [Start(RELAY, T0)]
    bulletin = Claim("request:1", Kind.AIR_NOW, 7)
    t1 = T0 + timedelta(minutes=5)
    assert arbiter.handle(Wants(bulletin, t1)) == [Cut(RELAY, Why.PRIORITY, t1)]
    assert arbiter.handle(Ended("relay:1", t1)) == [Start(bulletin, t1)]
    t2 = t1 + timedelta(minutes=2)
    assert arbiter.handle(Ended("request:1", t2)) == [Start(RELAY.resumed(), t2)]
    assert RELAY.resumed().key == "relay:1#2" and RELAY.resumed().resumed().key == "relay:1#3"


def test_a_slot_bulletin_waits_for_the_relay_and_a_relay_past_its_window_is_not_resumed() -> None:
    arbiter = Arbiter()
    arbiter.handle(Wants(RELAY, T0))
    slot = Claim("entry:1", Kind.SLOT, 3, slot="sáng")
    assert arbiter.handle(Wants(slot, T0 + timedelta(minutes=1))) == []  # it waits
    urgent = Claim("emergency:1", Kind.EMERGENCY, 9)
    late = T0 + timedelta(minutes=29)
    arbiter.handle(Wants(urgent, late))
    arbiter.handle(Ended("relay:1", late))
    over = T0 + timedelta(minutes=31)  # the emergency ends after the relay's window
    assert arbiter.handle(Ended("emergency:1", over)) == [
        Drop(RELAY.resumed(), Why.OVER, over), Start(slot, over),
    ]  # fmt: skip


def test_found_a_relay_cut_for_a_bulletin_does_not_come_back_after_the_stop() -> None:
    """Hypothesis: relay, air-now (the relay is cut), stop, then the relay's player ends."""
    arbiter = Arbiter()
    arbiter.handle(Wants(RELAY, T0))
    arbiter.handle(Wants(Claim("request:1", Kind.AIR_NOW, 1), T0))
    arbiter.handle(Stop(Why.STOPPING, T0))
    assert arbiter.handle(Ended("relay:1", T0 + timedelta(seconds=1))) == []
    assert arbiter.waiting == []


def test_a_relay_cut_for_a_bulletin_does_not_come_back_when_its_slot_is_deleted() -> None:
    arbiter = Arbiter()
    arbiter.handle(Wants(RELAY, T0))
    bulletin = Claim("request:1", Kind.AIR_NOW, 1)
    arbiter.handle(Wants(bulletin, T0))
    arbiter.handle(SlotGone("tiếp sóng", T0))
    assert arbiter.handle(Ended("relay:1", T0)) == [Start(bulletin, T0)]
    assert arbiter.handle(Ended("request:1", T0 + timedelta(minutes=1))) == []


def test_a_relay_whose_occurrence_was_withdrawn_is_cut_and_never_resumes() -> None:
    arbiter = Arbiter()
    arbiter.handle(Wants(RELAY, T0))
    assert arbiter.handle(SlotGone("tiếp sóng", T0, relay_withdrawn=False)) == []
    assert arbiter.sounding == RELAY  # zones or fallback changed: the relay goes on
    later = T0 + timedelta(seconds=5)
    assert arbiter.handle(SlotGone("tiếp sóng", later, relay_withdrawn=True)) == [
        Cut(RELAY, Why.SLOT_GONE, later)
    ]
    assert arbiter.handle(Ended("relay:1", later)) == []
    assert arbiter.sounding is None and arbiter.waiting == []


def test_every_reason_to_cut_stops_a_player_with_a_reason() -> None:
    """The floor turns each cut into a player's stop reason (the evidence's outcome)."""
    from broadcaster.onair.floor import CUT_REASON

    cutting = {
        Why.EMERGENCY, Why.PRIORITY, Why.TAKEN_BACK, Why.STOPPING, Why.FENCED, Why.SLOT_GONE,
    }  # fmt: skip
    assert cutting <= set(CUT_REASON)
