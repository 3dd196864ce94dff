"""Emergencies stay out of the routine slots (SQLite and PostgreSQL): the planner never places
one, by kind or by priority; arranging one into a slot needs an enabled leader's word and is
audited; and what an approval will lead to (`placement`) is what the planner does."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from broadcaster.cli import main
from broadcaster.enums import Kind, Priority
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import planning
from broadcaster.services.placement import placement
from broadcaster.store.db import AuditEvent, ProgrammeEntry, Script
from broadcaster.store.users import create_user
from tests.conftest import FIXED_NOW, LEADER
from tests.helpers import approved_rendered, cli_env, services

pytestmark = pytest.mark.both_databases
WEEK = "2024-W11"


def _bulletin(station, n: int, kind: Kind, priority: Priority, week: str | None = None) -> int:  # type: ignore[no-untyped-def]
    """An approved, rendered bulletin of this kind and priority."""
    script_id = approved_rendered(
        station, FIXED_NOW, f"Thông báo số {n}. Bà con chú ý lắng nghe.", week=week
    )
    with station.sessions() as session:
        session.execute(
            update(Script).where(Script.id == script_id).values(kind=kind, priority=priority)
        )
        session.commit()
    return script_id


@pytest.fixture
def town(station):  # type: ignore[no-untyped-def]
    """A CCHC bulletin, a notice, an emergency by kind only and one by priority only."""
    return {
        "cchc": _bulletin(station, 1, Kind.CCHC, Priority.NORMAL),
        "notice": _bulletin(station, 2, Kind.NOTICE, Priority.PRIORITY),
        "storm": _bulletin(station, 3, Kind.EMERGENCY, Priority.NORMAL),
        "fire": _bulletin(station, 4, Kind.CCHC, Priority.EMERGENCY),
    }


def _evening(station):  # type: ignore[no-untyped-def]
    return FIXED_NOW.astimezone(station.settings.tz).replace(hour=17, minute=0)


def _held(station, start) -> list[int]:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        return list(
            session.scalars(
                select(ProgrammeEntry.script_id)
                .filter_by(starts_at=start)
                .order_by(ProgrammeEntry.position)
            )
        )


def test_the_planner_never_puts_an_emergency_in_a_routine_slot(station, town) -> None:  # type: ignore[no-untyped-def]
    with services(station, FIXED_NOW) as ctx:
        plan = planning.plan_week(ctx, WEEK)
    planned = {e.script_id for occ, entries in plan.occurrences for e in entries}
    assert planned == {town["cchc"], town["notice"]}  # the priority notice leads each slot
    assert all(
        [e.script_id for e in entries] == [town["notice"], town["cchc"]]
        for occ, entries in plan.occurrences
        if occ.start > FIXED_NOW
    )


@pytest.mark.parametrize("which", ["storm", "fire"])
def test_an_emergency_goes_into_a_slot_only_on_an_enabled_leader_s_word(
    station, town, which
) -> None:  # type: ignore[no-untyped-def]
    evening = _evening(station)
    with station.sessions() as session:
        create_user(session, "vhxh", "mat-khau-thu-nghiem", "officer")
        session.commit()
    ids = [town[which], town["cchc"]]
    for leader, code in [(None, Code.SLOT_EMERGENCY), ("vhxh", Code.SLOT_EMERGENCY_LEADER)]:
        with services(station, FIXED_NOW) as ctx, pytest.raises(BroadcasterError) as refused:
            planning.arrange(ctx, "Chiều", evening, ids, emergency_by=leader)
        assert refused.value.code == code
        assert _held(station, evening) == []
    with services(station, FIXED_NOW) as ctx:
        leader = dataclasses.replace(ctx, actor=LEADER)
        planning.add_emergency(leader, "Chiều", evening, town[which], LEADER)
    assert _held(station, evening) == [town[which]]
    with station.sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None and (event.actor, event.action) == (LEADER, "programme.emergency")
    assert event.target == f"script:{town[which]}"
    assert event.detail == f"slot:Chiều@2024-03-11 17:00, confirmed by {LEADER}"
    # Once there by a leader's word, an officer may reorder the slot around it.
    with services(station, FIXED_NOW) as ctx:
        planning.arrange(ctx, "Chiều", evening, [town["cchc"], town[which]])
    assert _held(station, evening) == [town["cchc"], town[which]]
    # Planning the week again leaves the arranged slot and places no emergency elsewhere.
    with services(station, FIXED_NOW) as ctx:
        planning.plan_week(ctx, WEEK)
    assert _held(station, evening) == [town["cchc"], town[which]]
    assert town[which] not in _held(station, evening + timedelta(days=1))


def test_placement_says_what_the_planner_does(station, town) -> None:  # type: ignore[no-untyped-def]
    evening = _evening(station)
    week_12 = _bulletin(station, 5, Kind.NOTICE, Priority.NORMAL, week="2024-W12")
    week_10 = _bulletin(station, 6, Kind.CCHC, Priority.NORMAL, week="2024-W10")
    with services(station, FIXED_NOW) as ctx:
        planning.arrange(ctx, "Chiều", evening, [town["cchc"]])  # pinned: not the planner's
        said = {
            name: placement(ctx, ctx.session.get_one(Script, script_id))
            for name, script_id in {**town, "w12": week_12, "w10": week_10}.items()
        }
    assert [said[name].routine for name in ("cchc", "notice", "storm", "fire")] == [
        True, True, False, False,
    ]  # fmt: skip
    assert said["fire"].interrupts and not said["storm"].interrupts
    assert said["storm"].first is None and said["fire"].first is None
    assert said["notice"].leads and not said["cchc"].leads
    assert said["cchc"].first is not None
    assert said["cchc"].first.start == evening + timedelta(hours=13)  # 06:00 tomorrow
    assert [slot.name for slot in said["cchc"].slots] == ["Sáng", "Chiều"]
    assert said["w12"].first is not None and said["w12"].week == "2024-W12"
    assert said["w12"].first.start.astimezone(station.settings.tz).isoformat() == (
        "2024-03-18T06:00:00+07:00"
    )
    assert said["w10"].week_over and said["w10"].first is None


def test_the_command_line_arranges_an_emergency_only_with_emergency_by(
    station, town, database_url
) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner(env=cli_env(database_url))
    args = ["arrange", "Chiều", "2030-01-07 17:00", str(town["storm"]), str(town["cchc"])]
    refused = runner.invoke(main, args)
    assert refused.exit_code == 1, refused.output
    assert refused.output == (
        f"Error: Script {town['storm']} is an emergency bulletin: it airs at once with air-now, "
        "and goes into the routine slot Chiều only on a leader's word (--emergency-by NAME).\n"
    )
    done = runner.invoke(main, [*args, "--emergency-by", LEADER])
    assert done.exit_code == 0 and "now holds 2 bulletin(s)" in done.output, done.output
