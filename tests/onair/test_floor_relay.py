"""The floor's side of a relay that comes back (`Floor.resume`): the runner waits there for the
resumption the arbiter queued when the relay was cut, and is told plainly when none is queued."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from broadcaster.onair.arbiter import Claim, Kind, Why
from broadcaster.onair.floor import Floor
from broadcaster.onair.outputs import Cancel, StopReason

T0 = datetime(2024, 3, 11, 4, 0, tzinfo=timezone.utc)
RELAY = Claim("relay:1", Kind.RELAY, 0, slot="tiếp sóng", until=T0 + timedelta(minutes=30))


def _emergency(n: int) -> Claim:
    return Claim(f"request:{n}", Kind.EMERGENCY, n)


def test_a_relay_that_ended_by_itself_has_no_resumption() -> None:
    floor = Floor(lambda: T0)
    assert floor.take(RELAY, Cancel()) is None
    floor.done(RELAY)
    assert floor.resume(RELAY.resumed(), Cancel()) == Why.DONE


def test_a_cut_relay_resumes_once_the_emergency_has_ended() -> None:
    floor = Floor(lambda: T0)
    cut = Cancel()
    assert floor.take(RELAY, cut) is None
    storm, storm_cancel = _emergency(1), Cancel()
    floor.ask(storm, storm_cancel)
    assert cut.is_set() and cut.reason == StopReason.EMERGENCY
    floor.done(RELAY)
    assert floor.wait(storm, storm_cancel) is None
    floor.done(storm)
    again = Cancel()
    assert floor.resume(RELAY.resumed(), again) is None and not again.is_set()


def test_a_resumed_relay_cut_before_its_runner_came_back_is_stopped_when_it_does() -> None:
    """The resumption starts and a second emergency cuts it before the runner has handed the
    floor its cancel: the cut must not be lost (the relay would hold the air to its end)."""
    floor = Floor(lambda: T0)
    assert floor.take(RELAY, Cancel()) is None
    first, first_cancel = _emergency(1), Cancel()
    floor.ask(first, first_cancel)
    floor.done(RELAY)
    assert floor.wait(first, first_cancel) is None
    floor.done(first)  # the arbiter starts the resumption now
    floor.ask(_emergency(2), Cancel())  # and cuts it at once
    again = Cancel()
    assert floor.resume(RELAY.resumed(), again) is None
    assert again.is_set() and again.reason == StopReason.EMERGENCY
