"""The daemon airs by the date rules, on an injected clock, through its own slot jobs' triggers:
a rule added while it runs is taken at the next look at the table (no restart); a skipped
occurrence never fires and is never counted missed; a replaced one airs at its own time and
length; a clock stepped over a replaced and a one-off occurrence seals them missed naming the
clock, and the triggers go on from the new time.

The station's slots are Sáng (06:00) and Chiều (17:00), every day, 30 minutes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from broadcaster.clock import StepWatch
from broadcaster.daemon.process import Daemon
from broadcaster.enums import RuleKind
from broadcaster.notes import NoteCode
from broadcaster.services import exceptions as rules
from broadcaster.services import slots
from broadcaster.services.exceptions import RuleInput
from broadcaster.services.slots import SlotInput
from broadcaster.services.station import Station
from broadcaster.store.db import Airing
from tests.conftest import LEADER
from tests.daemon.test_slot_changes import daemon_of
from tests.helpers import approved_rendered, services

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2027, 1, 20, 9, 0, tzinfo=TZ)  # Wednesday morning


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=TZ)


def fires(daemon: Daemon, begin: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """When the daemon's own slot jobs fire from `begin` to `end`, as APScheduler walks them."""
    found = []
    for name in daemon.slots:
        trigger = daemon.scheduler.get_job(f"slot:{name}", jobstore="memory").trigger
        when = trigger.get_next_fire_time(None, begin)
        while when is not None and when < end:
            found.append((when.astimezone(TZ), name))
            when = trigger.get_next_fire_time(when, when + timedelta(seconds=1))
    return sorted(found)


def rows(station: Station) -> list[tuple[str, datetime, str]]:
    """(slot, local planned start, outcome) of every airing row."""
    with station.sessions() as session:
        found = session.execute(select(Airing.slot_name, Airing.planned_start, Airing.outcome))
        return sorted((name, start.astimezone(TZ), outcome) for name, start, outcome in found)


def test_a_rule_added_while_the_daemon_runs_skips_one_occurrence_and_moves_another(
    station: Station,
) -> None:
    approved_rendered(station, NOW, "Bà con lưu ý lịch tiêm phòng.")
    with services(station, NOW) as ctx:
        slots.add_slot(ctx, LEADER, SlotInput("Lễ", "09:00", 30, on_date="2027-01-22"))
    clock = [NOW.astimezone(timezone.utc)]
    daemon = daemon_of(station, clock)
    daemon.lease.acquire()
    daemon.follow_slots()
    assert (local(21, 6), "Sáng") in fires(daemon, NOW, local(22, 0))
    with services(station, NOW) as ctx:  # a leader, while the daemon runs
        rules.add_rule(ctx, LEADER, RuleInput(RuleKind.SKIP, slot="Sáng", on_date="2027-01-21"))
        evening = RuleInput(
            RuleKind.REPLACE, slot="Chiều", on_date="2027-01-21", start="19:00", minutes=20
        )
        rules.add_rule(ctx, LEADER, evening)
    daemon.follow_slots()  # the next look at the table (every SLOTS_SECONDS)

    planned = fires(daemon, NOW, local(23, 0))
    assert planned == [
        (local(20, 17), "Chiều"), (local(21, 19), "Chiều"), (local(22, 6), "Sáng"),
        (local(22, 9), "Lễ"), (local(22, 17), "Chiều"),
    ]  # fmt: skip
    # A job that fired at a regular time the rules took away airs nothing.
    for when, name in [(local(21, 6), "Sáng"), (local(21, 17), "Chiều")]:
        clock[0] = when + timedelta(seconds=1)
        assert daemon.air_slot(name) == []
    for when, name in planned:
        clock[0] = when + timedelta(milliseconds=500)
        assert [r.outcome for r in daemon.air_slot(name)] == ["aired"]
    clock[0] = local(23, 0).astimezone(timezone.utc)
    assert daemon.settle() == []
    assert rows(station) == sorted((name, when, "aired") for when, name in planned)
    with station.sessions() as session:
        moved = session.scalars(select(Airing).where(Airing.planned_start == local(21, 19))).one()
    assert moved.outcome == "aired" and moved.slot_name == "Chiều"


def test_a_clock_step_over_a_replaced_and_a_one_off_occurrence(station: Station) -> None:
    """The clock jumps from 18:00 on the 21st to 07:00 on the 22nd: the replaced evening slot
    (19:00) and the one-off (20:00) were jumped over and are sealed missed naming the clock;
    the regular evening time (moved) and Sáng on the 22nd (skipped) leave no row at all."""
    approved_rendered(station, NOW, "Thông báo lịch tiếp công dân tuần này.")
    with services(station, NOW) as ctx:
        slots.add_slot(ctx, LEADER, SlotInput("Lễ", "20:00", 30, on_date="2027-01-21"))
        rules.add_rule(ctx, LEADER, RuleInput(RuleKind.SKIP, slot="Sáng", on_date="2027-01-22"))
        evening = RuleInput(
            RuleKind.REPLACE, slot="Chiều", on_date="2027-01-21", start="19:00", minutes=20
        )
        rules.add_rule(ctx, LEADER, evening)
    clock = [local(21, 18).astimezone(timezone.utc)]
    daemon = daemon_of(station, clock)
    daemon.scheduler.start(paused=True)  # a real scheduler, its jobs driven by hand
    try:
        daemon.lease.acquire()
        daemon.follow_slots()
        daemon.render_ahead()  # plans the coming hours: the replaced and the one-off occurrence
        mono = [time.monotonic()]
        daemon.steps = StepWatch(wall=lambda: clock[0].timestamp(), mono=lambda: mono[0])
        clock[0] = local(22, 7).astimezone(timezone.utc)  # the step: 13 hours, no time passed
        assert daemon.settle() == []
        after_step = fires(daemon, local(22, 7), local(23, 7))
    finally:
        daemon.scheduler.shutdown(wait=False)

    found = rows(station)
    assert [(name, when) for name, when, _ in found] == [
        ("Chiều", local(21, 19)),
        ("Lễ", local(21, 20)),
    ]
    assert {outcome for _, _, outcome in found} == {"missed"}
    with station.sessions() as session:
        errors = session.scalars(select(Airing.error)).all()
    assert all(NoteCode.MISSED_CLOCK_JUMPED in (error or "") for error in errors)
    assert after_step == [
        (local(22, 17), "Chiều"), (local(23, 6), "Sáng"),
    ]  # fmt: skip
