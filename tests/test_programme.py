"""Programme: slots are filled with approved, rendered bulletins that fit, in fair rotation."""

from __future__ import annotations

from datetime import timedelta

from broadcaster.db import ProgrammeEntry, Rendering
from broadcaster.programme import plan_occurrence, plan_week
from broadcaster.scripts import edit_script
from broadcaster.slots import SlotDef, parse_slots

from .conftest import FIXED_NOW
from .helpers import approved_rendered

SHORT = "Thông báo số {n}. Bà con chú ý lắng nghe."


def _slots(minutes: int) -> list[SlotDef]:
    return parse_slots(
        f'[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = {minutes}\n'
        f'[[slot]]\nname = "Chiều"\nstart = "17:00"\nminutes = {minutes}\n',
        "t.toml",
    )


def _shrink_slot_to(station, seconds_per_slot: float) -> list[SlotDef]:  # type: ignore[no-untyped-def]
    """Slots are whole minutes; instead we stretch the renderings so only some fit in one minute."""
    with station.sessions() as session:
        for rendering in session.query(Rendering):
            rendering.duration_s = seconds_per_slot
        session.commit()
    return _slots(1)


def test_week_is_filled_only_with_approved_rendered_scripts(station) -> None:  # type: ignore[no-untyped-def]
    ids = [approved_rendered(station, FIXED_NOW, SHORT.format(n=n)) for n in range(3)]
    with station.sessions() as session:
        from broadcaster.ingest import parse_script
        from broadcaster.scripts import add_script

        add_script(
            session,
            parse_script("Bản nháp chưa duyệt.".encode(), "d.txt", topic="a"),
            FIXED_NOW,
            "x",
        )
        plan = plan_week(session, _slots(30), "2024-W11", station.settings.tz, FIXED_NOW)
        session.commit()
        future = [(occ, entries) for occ, entries in plan if occ.start > FIXED_NOW]
        past = [(occ, entries) for occ, entries in plan if occ.start <= FIXED_NOW]
        assert len(plan) == 14 and len(past) == 1  # Monday 06:00 was before 09:00
        assert past[0][1] == []
        for _, entries in future:
            assert [e.script_id for e in entries] == ids
            assert [e.position for e in entries] == [0, 1, 2]


def test_slot_holds_only_what_fits_and_rotation_is_fair(station) -> None:  # type: ignore[no-untyped-def]
    ids = [approved_rendered(station, FIXED_NOW, SHORT.format(n=n)) for n in range(3)]
    slots = _shrink_slot_to(station, 25.0)  # two of three fit in 60 s
    with station.sessions() as session:
        plan = plan_week(session, slots, "2024-W11", station.settings.tz, FIXED_NOW)
        session.commit()
        firsts = [[e.script_id for e in entries] for occ, entries in plan if occ.start > FIXED_NOW]
    assert all(len(items) == 2 for items in firsts)
    assert firsts[0] == ids[:2]
    assert firsts[1][0] == ids[2]  # the one left out leads the next slot
    counts = {i: sum(items.count(i) for items in firsts) for i in ids}
    assert max(counts.values()) - min(counts.values()) <= 1


def test_week_tagged_scripts_only_air_in_their_week(station) -> None:  # type: ignore[no-untyped-def]
    own = approved_rendered(station, FIXED_NOW, SHORT.format(n=1), week="2024-W11")
    other = approved_rendered(station, FIXED_NOW, SHORT.format(n=2), week="2024-W12")
    with station.sessions() as session:
        plan = plan_week(session, _slots(30), "2024-W11", station.settings.tz, FIXED_NOW)
        planned = {e.script_id for _, entries in plan for e in entries}
    assert own in planned and other not in planned


def test_edited_script_is_pulled_from_future_slots(station) -> None:  # type: ignore[no-untyped-def]
    keep = approved_rendered(station, FIXED_NOW, SHORT.format(n=1))
    edited = approved_rendered(station, FIXED_NOW, SHORT.format(n=2))
    slots = _slots(30)
    tz = station.settings.tz
    with station.sessions() as session:
        plan_week(session, slots, "2024-W11", tz, FIXED_NOW)
        edit_script(session, edited, "Nội dung đã sửa, chờ duyệt lại.")
        session.commit()
        occurrence = next(
            o
            for o, _ in plan_week(session, slots, "2024-W11", tz, FIXED_NOW)
            if o.start > FIXED_NOW
        )
        entries = plan_occurrence(session, occurrence, tz)
        assert [e.script_id for e in entries] == [keep]
        later = plan_week(session, slots, "2024-W11", tz, FIXED_NOW + timedelta(hours=1))
        assert all(
            edited not in [e.script_id for e in entries]
            for o, entries in later
            if o.start > FIXED_NOW
        )
        assert session.query(ProgrammeEntry).filter_by(script_id=edited).count() == 0
