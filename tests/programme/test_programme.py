"""Programme: slots are filled with approved, rendered bulletins that fit, in fair rotation,
and a plan stays put: entries keep their ids, and a slot arranged by hand is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcaster.errors import BroadcasterError, Code
from broadcaster.programme.slots import SlotDef, parse_slots
from broadcaster.services import planning, scripts
from broadcaster.store.db import ProgrammeEntry, Rendering
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, approved_rendered, services, use_slots

SHORT = "Thông báo số {n}. Bà con chú ý lắng nghe."
WEEK = "2024-W11"


def _slots(minutes: int) -> list[SlotDef]:
    return parse_slots(
        f'[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = {minutes}\n'
        f'[[slot]]\nname = "Chiều"\nstart = "17:00"\nminutes = {minutes}\n',
        "t.toml",
    )


def _stretch_renderings(station, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Slots are whole minutes; instead we stretch the renderings so only some fit in one."""
    with station.sessions() as session:
        for rendering in session.scalars(select(Rendering)):
            rendering.duration_s = seconds
        session.commit()


def _future(plan: planning.WeekPlan) -> list[list[int]]:
    return [
        [e.script_id for e in entries] for occ, entries in plan.occurrences if occ.start > FIXED_NOW
    ]


def test_week_is_filled_only_with_approved_rendered_scripts(station) -> None:  # type: ignore[no-untyped-def]
    ids = [approved_rendered(station, FIXED_NOW, SHORT.format(n=n)) for n in range(3)]
    add_draft(station, FIXED_NOW, "Bản nháp chưa duyệt.", topic="a")
    use_slots(station, _slots(30))
    with services(station, FIXED_NOW) as ctx:
        plan = planning.plan_week(ctx, WEEK)
        past = [entries for occ, entries in plan.occurrences if occ.start <= FIXED_NOW]
        assert len(plan.occurrences) == 14 and past == [[]]  # Monday 06:00 was before 09:00
        assert all(items == ids for items in _future(plan))


def test_slot_holds_only_what_fits_and_rotation_is_fair(station) -> None:  # type: ignore[no-untyped-def]
    ids = [approved_rendered(station, FIXED_NOW, SHORT.format(n=n)) for n in range(3)]
    _stretch_renderings(station, 25.0)  # two of three fit in 60 s
    use_slots(station, _slots(1))
    with services(station, FIXED_NOW) as ctx:
        firsts = _future(planning.plan_week(ctx, WEEK))
    assert all(len(items) == 2 for items in firsts)
    assert firsts[0] == ids[:2]
    assert firsts[1][0] == ids[2]  # the one left out leads the next slot
    counts = {i: sum(items.count(i) for items in firsts) for i in ids}
    assert max(counts.values()) - min(counts.values()) <= 1


def test_week_tagged_scripts_only_air_in_their_week(station) -> None:  # type: ignore[no-untyped-def]
    own = approved_rendered(station, FIXED_NOW, SHORT.format(n=1), week="2024-W11")
    other = approved_rendered(station, FIXED_NOW, SHORT.format(n=2), week="2024-W12")
    use_slots(station, _slots(30))
    with services(station, FIXED_NOW) as ctx:
        planned = {i for items in _future(planning.plan_week(ctx, WEEK)) for i in items}
    assert own in planned and other not in planned


def test_planning_again_keeps_every_entry_and_its_id(station) -> None:  # type: ignore[no-untyped-def]
    """Render-ahead plans every 10 minutes; nothing that was planned may change identity."""
    [approved_rendered(station, FIXED_NOW, SHORT.format(n=n)) for n in range(3)]
    _stretch_renderings(station, 25.0)  # rotation matters: two of three fit
    use_slots(station, _slots(1))

    def snapshot() -> list[tuple[int, str, object, int, int]]:
        with station.sessions() as session:
            rows = session.scalars(select(ProgrammeEntry).order_by(ProgrammeEntry.id))
            return [(e.id, e.slot_name, e.starts_at, e.script_id, e.position) for e in rows]

    with services(station, FIXED_NOW) as ctx:
        planning.plan_week(ctx, WEEK)
    first = snapshot()
    for minutes in (10, 20, 30):
        with services(station, FIXED_NOW + timedelta(minutes=minutes)) as ctx:
            planning.plan_week(ctx, WEEK)
    assert snapshot() == first and len(first) == 26


def test_edited_script_is_pulled_from_future_slots_and_the_rest_keep_their_ids(station) -> None:  # type: ignore[no-untyped-def]
    keep = approved_rendered(station, FIXED_NOW, SHORT.format(n=1))
    edited = approved_rendered(station, FIXED_NOW, SHORT.format(n=2))
    use_slots(station, _slots(30))
    with services(station, FIXED_NOW) as ctx:
        planning.plan_week(ctx, WEEK)
        kept_ids = set(ctx.session.scalars(select(ProgrammeEntry.id).filter_by(script_id=keep)))
        change = scripts.edit_script(ctx, edited, "Nội dung đã sửa, chờ duyệt lại.")
        assert change.back_to_draft and change.withdrawn == 13
        later = planning.plan_week(ctx, WEEK)
        assert all(items == [keep] for items in _future(later))
        assert set(ctx.session.scalars(select(ProgrammeEntry.id))) == kept_ids


def test_a_slot_arranged_by_hand_is_pinned_and_the_planner_leaves_it(station) -> None:  # type: ignore[no-untyped-def]
    ids = [approved_rendered(station, FIXED_NOW, SHORT.format(n=n)) for n in range(3)]
    use_slots(station, _slots(30))
    tz = station.settings.tz
    evening = FIXED_NOW.astimezone(tz).replace(hour=17, minute=0)
    with services(station, FIXED_NOW) as ctx:
        entries = planning.arrange(ctx, "Chiều", evening, [ids[2], ids[0]])
        assert [(e.script_id, e.pinned) for e in entries] == [(ids[2], True), (ids[0], True)]
        plan = planning.plan_week(ctx, WEEK)
        by_start = {occ.start: [e.script_id for e in es] for occ, es in plan.occurrences}
        assert by_start[evening] == [ids[2], ids[0]]  # the planner would have put all three
        # The next slot is planned as usual, the one left out of the evening first.
        assert by_start[evening + timedelta(hours=13)] == [ids[1], ids[0], ids[2]]


@pytest.mark.parametrize(
    ("slot", "hour", "chosen", "code"),
    [
        ("Sáng", 6, "approved", Code.SLOT_BEGUN),  # it is 09:00: this morning's slot is over
        ("Trưa", 17, "approved", Code.SLOT_NO_OCCURRENCE),
        ("Chiều", 18, "approved", Code.SLOT_NO_OCCURRENCE),
        ("Chiều", 17, "draft", Code.SCRIPT_NOT_APPROVED),
        ("Chiều", 17, "missing", Code.SCRIPT_NOT_FOUND),
    ],
)
def test_arranging_refuses_what_cannot_air_and_changes_nothing(  # type: ignore[no-untyped-def]
    station, slot, hour, chosen, code
) -> None:
    approved = approved_rendered(station, FIXED_NOW, SHORT.format(n=1))
    draft = add_draft(station, FIXED_NOW, "Bản nháp.", topic="a")
    use_slots(station, _slots(30))
    start = FIXED_NOW.astimezone(station.settings.tz).replace(hour=hour, minute=0)
    ids = {"approved": [approved], "draft": [draft], "missing": [999]}[chosen]
    with services(station, FIXED_NOW) as ctx:
        with pytest.raises(BroadcasterError) as refused:
            planning.arrange(ctx, slot, start, ids)
        assert refused.value.code == code
        assert ctx.session.scalars(select(ProgrammeEntry)).all() == []


def test_arranging_more_than_the_slot_holds_is_refused(station) -> None:  # type: ignore[no-untyped-def]
    ids = [approved_rendered(station, FIXED_NOW, SHORT.format(n=n)) for n in range(3)]
    _stretch_renderings(station, 25.0)
    use_slots(station, _slots(1))
    evening = FIXED_NOW.astimezone(station.settings.tz).replace(hour=17, minute=0)
    with services(station, FIXED_NOW) as ctx:
        with pytest.raises(BroadcasterError) as refused:
            planning.arrange(ctx, "Chiều", evening, ids)
        assert refused.value.code == Code.SLOT_OVERFULL
        assert "79 s, more than the 1 min" in str(refused.value)
