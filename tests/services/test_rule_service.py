"""Date rules from the page and the command line: the service every front door calls (role,
checks, overlaps, one rule per thing, versions, the warning for a week left without bulletins,
the bulletins planned for an occurrence a rule takes away). The station's slots are Sáng
(06:00) and Chiều (17:00), every day, 30 minutes; "now" is in January 2027, before Tết
(mùng một: Saturday 6 February 2027)."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import select

from broadcaster.enums import HolidayScope, RuleKind
from broadcaster.errors import BroadcasterError, Code
from broadcaster.notes import NoteCode
from broadcaster.services import exceptions as rules
from broadcaster.services import slots
from broadcaster.services.exceptions import RuleInput
from broadcaster.services.planning import plan_week, week_programme
from broadcaster.services.slots import SlotInput
from broadcaster.services.station import Station
from broadcaster.store.db import AuditEvent, ProgrammeEntry
from broadcaster.store.users import create_user
from tests.conftest import LEADER, db_snapshot
from tests.helpers import approved_rendered, services
from tests.services.test_slot_service import refused

NOW = datetime(2027, 1, 20, 2, 0, tzinfo=timezone.utc)  # Wednesday 09:00 in Hà Nội
TET_WEEK = "2027-W05"  # 1–7 February 2027: giao thừa Friday 5, mùng một Saturday 6


def skip(slot: str, day: str) -> RuleInput:
    return RuleInput(RuleKind.SKIP, slot=slot, on_date=day)


def test_a_leader_skips_a_slot_on_mung_mot_and_the_week_shows_it(station: Station) -> None:
    with services(station, NOW) as ctx:
        added = rules.add_rule(ctx, LEADER, skip("Sáng", "06/02/2027"))
        assert added.warning is None
        assert added.record.rule.day == date(2027, 2, 6)
        week = week_programme(ctx, TET_WEEK)
        names = [
            (o.slot.name, o.start.astimezone(ctx.settings.tz).day) for o, _ in week.occurrences
        ]
        assert ("Sáng", 5) in names and ("Chiều", 6) in names
        assert [(p.occurrence.slot.name, p.fate) for p in week.skipped] == [("Sáng", "skipped")]
        assert ctx.session.scalars(select(AuditEvent.action)).all()[-1] == "rule.add"


def test_a_tet_rule_and_a_replacement_on_the_same_day(station: Station) -> None:
    """No routine bulletins on the first three days of Tết, but the evening slot airs at
    19:00 for 45 minutes on mùng một: the leader's exception wins over the holiday rule."""
    with services(station, NOW) as ctx:
        rules.add_rule(ctx, LEADER, RuleInput(RuleKind.HOLIDAY, holidays=HolidayScope.TET))
        evening = RuleInput(
            RuleKind.REPLACE, slot="Chiều", on_date="2027-02-06", start="19:00", minutes=45
        )
        rules.add_rule(ctx, LEADER, evening)
        week = week_programme(ctx, TET_WEEK)
        aired = {(o.slot.name, o.start.astimezone(ctx.settings.tz).strftime("%d %H:%M"))
                 for o, _ in week.occurrences}  # fmt: skip
        assert ("Chiều", "06 19:00") in aired and ("Chiều", "05 17:00") in aired
        assert not {("Sáng", "06 06:00"), ("Sáng", "07 06:00"), ("Chiều", "07 17:00")} & aired
        assert len(week.skipped) == 3  # Sáng 6 and 7, Chiều 7 (mùng ba, Monday 8, is next week)
        assert week.replaced == {("Chiều", next(o.start for o, _ in week.occurrences
                                               if o.slot.minutes == 45))}  # fmt: skip


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (skip("Sáng", "2027-01-19"), Code.RULE_DATE_PASSED),
        (skip("Sáng", "31/02/2027"), Code.SLOT_DATE_INVALID),
        (skip("Sáng", ""), Code.RULE_DATE_MISSING),
        (skip("Không có", "2027-02-06"), Code.SLOT_NOT_FOUND),
        (RuleInput(RuleKind.SKIP, on_date="2027-02-06"), Code.RULE_SLOT_MISSING),
        (RuleInput(RuleKind.SWAP, on_date="2027-02-06", as_day="someday"), Code.RULE_DAY_INVALID),
        (
            RuleInput(
                RuleKind.REPLACE, slot="Sáng", on_date="2027-02-09", start="16:45", minutes=30
            ),
            Code.SLOT_OVERLAP,
        ),
        (
            RuleInput(RuleKind.REPLACE, slot="Sáng", on_date="2027-02-09", start="7h", minutes=30),
            Code.SLOT_START_INVALID,
        ),
        (skip("Sáng", "2027-01-20"), Code.SLOT_BEGUN),  # 06:00 today has passed
    ],
)
def test_bad_rules_are_refused_with_one_sentence_and_nothing_changes(
    station: Station, given: RuleInput, code: Code
) -> None:
    before = db_snapshot(station.settings.db_url)
    with services(station, NOW) as ctx:
        sentence = refused(code, lambda: rules.add_rule(ctx, LEADER, given))
    if code == Code.SLOT_OVERLAP:
        assert "Sáng (16:45, 30 min)" in sentence and "Chiều (17:00, 30 min)" in sentence
        assert "2027-02-09" in sentence
    assert db_snapshot(station.settings.db_url) == before


def test_an_officer_may_not_add_a_rule(station: Station) -> None:
    with services(station, NOW) as ctx:
        create_user(ctx.session, "lan", "mat-khau-cua-lan", "officer")
        ctx.session.commit()
    before = db_snapshot(station.settings.db_url)
    with services(station, NOW) as ctx:
        refused(Code.SLOT_EDITOR, lambda: rules.add_rule(ctx, "lan", skip("Sáng", "2027-02-06")))
    assert db_snapshot(station.settings.db_url) == before


def test_one_rule_per_thing_and_a_slot_that_does_not_air_that_day(station: Station) -> None:
    with services(station, NOW) as ctx:
        rules.add_rule(ctx, LEADER, skip("Sáng", "2027-02-06"))
        sentence = refused(
            Code.RULE_EXISTS, lambda: rules.add_rule(ctx, LEADER, skip("Sáng", "2027-02-06"))
        )
        assert "Sáng 06/02/2027" in sentence
        one_off = SlotInput(name="Lễ", start="08:00", minutes=30, on_date="2027-02-10")
        slots.add_slot(ctx, LEADER, one_off)
        refused(
            Code.RULE_NOT_ON_DATE, lambda: rules.add_rule(ctx, LEADER, skip("Lễ", "2027-02-11"))
        )


def test_a_rule_that_empties_a_week_is_kept_with_a_warning(station: Station) -> None:
    with services(station, NOW) as ctx:
        for name in ("Sáng", "Chiều"):
            slots.pause_slot(ctx, LEADER, name, slots.find_slot(ctx, name).version, True)
        slots.add_slot(
            ctx, LEADER, SlotInput(name="Thứ Bảy", start="08:00", minutes=30, days=["sat"])
        )
        added = rules.add_rule(ctx, LEADER, skip("Thứ Bảy", "2027-02-13"))
        assert added.warning is not None
        assert added.warning.code == NoteCode.WEEK_WITHOUT_BULLETINS
        assert added.warning.english() == (
            "Saved, but with it no bulletin slot airs in the week(s) 08/02/2027–14/02/2027; add "
            "a one-off slot if the town needs news then."
        )
        assert "tuần 08/02/2027–14/02/2027" in added.warning.vietnamese()
        assert [r.rule.slot for r in rules.list_rules(ctx)] == ["Thứ Bảy"]
        every_holiday = RuleInput(RuleKind.HOLIDAY, holidays=HolidayScope.PUBLIC)
        tet = rules.add_rule(ctx, LEADER, every_holiday)  # Sat 6/2 (Tết) and 1/5 (Labour Day)
        assert tet.warning is not None and "01/02/2027–07/02/2027" in str(tet.warning.data)


def test_a_skip_takes_out_the_bulletins_planned_for_that_occurrence(station: Station) -> None:
    approved_rendered(station, NOW, "Bà con lưu ý lịch tiêm phòng.")
    with services(station, NOW) as ctx:
        plan_week(ctx, "2027-W03")
        planned = select(ProgrammeEntry.starts_at).where(ProgrammeEntry.slot_name == "Chiều")
        before = ctx.session.scalars(planned).all()
        rules.add_rule(ctx, LEADER, skip("Chiều", "2027-01-22"))
        after = ctx.session.scalars(planned).all()
    gone = datetime(2027, 1, 22, 10, 0, tzinfo=timezone.utc)  # 17:00 local
    assert gone in before and gone not in after and len(after) == len(before) - 1


def test_delete_compares_the_version_and_refuses_a_past_rule(station: Station) -> None:
    with services(station, NOW) as ctx:
        added = rules.add_rule(ctx, LEADER, skip("Sáng", "2027-01-25")).record
        refused(
            Code.RULE_STALE, lambda: rules.delete_rule(ctx, LEADER, added.id, added.version + 1)
        )
        refused(Code.RULE_NOT_FOUND, lambda: rules.delete_rule(ctx, LEADER, added.id + 99, 1))
    later = datetime(2027, 1, 26, 2, 0, tzinfo=timezone.utc)
    with services(station, later) as ctx:
        refused(Code.RULE_DATE_PASSED, lambda: rules.delete_rule(ctx, LEADER, added.id, 1))
    with services(station, NOW) as ctx:
        assert rules.delete_rule(ctx, LEADER, added.id, added.version).day == date(2027, 1, 25)
        assert rules.list_rules(ctx) == []
        assert ctx.session.scalars(select(AuditEvent.action)).all()[-1] == "rule.delete"


def test_a_slot_deleted_takes_its_rules_with_it(station: Station) -> None:
    with services(station, NOW) as ctx:
        rules.add_rule(ctx, LEADER, skip("Chiều", "2027-02-06"))
        rules.add_rule(ctx, LEADER, RuleInput(RuleKind.SWAP, on_date="2027-02-20", as_day="off"))
        slots.delete_slot(ctx, LEADER, "Chiều", slots.find_slot(ctx, "Chiều").version)
        assert [r.rule.kind for r in rules.list_rules(ctx)] == [RuleKind.SWAP]
        assert rules.list_rules(ctx)[0].rule.as_day == "sun"


def test_two_leaders_moving_two_slots_onto_each_other_at_once_one_lands(
    station: Station,
) -> None:
    """Two leaders press 'Thêm' at the same moment, each moving one slot of 9 February to 12:00:
    real threads, each with its own session; rule changes are serialised with the slots', so
    the second sees the first and is refused naming both, never both on the air at noon."""
    moves = [
        RuleInput(RuleKind.REPLACE, slot=name, on_date="2027-02-09", start="12:00", minutes=30)
        for name in ("Sáng", "Chiều")
    ]
    ready, outcome = threading.Barrier(2), {}

    def add(given: RuleInput) -> None:
        with services(station, NOW) as ctx:
            ready.wait()
            try:
                rules.add_rule(ctx, LEADER, given)
                outcome[given.slot] = "added"
            except BroadcasterError as exc:
                outcome[given.slot] = exc.code

    threads = [threading.Thread(target=add, args=(given,)) for given in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcome.values(), key=str) == sorted(["added", Code.SLOT_OVERLAP], key=str)
    with services(station, NOW) as ctx:
        kept = rules.list_rules(ctx)
    assert len(kept) == 1 and kept[0].rule.start == time(12)
