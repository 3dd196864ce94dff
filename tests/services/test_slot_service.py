"""Slots from the page: the service every front door calls (role, checks, overlaps, versions)."""

from __future__ import annotations

import threading
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import slots
from broadcaster.services.clusters import add_zone
from broadcaster.services.planning import station_slots
from broadcaster.services.slots import SlotInput
from broadcaster.services.station import Station
from broadcaster.store.db import AuditEvent, ProgrammeEntry
from broadcaster.store.users import create_user
from tests.conftest import FIXED_NOW, LEADER, db_snapshot
from tests.helpers import approved_rendered, services

NOON = SlotInput(name="Trưa", start="11:00", minutes=15, days=["mon", "wed"])


def refused(code: Code, run: object) -> str:
    """The refusal's code; its English sentence is one line ending in a full stop."""
    with pytest.raises(BroadcasterError) as caught:
        run()  # type: ignore[operator]
    assert caught.value.code == code, caught.value
    sentence = str(caught.value)
    assert "\n" not in sentence and sentence.endswith("."), sentence
    return sentence


def test_a_leader_adds_a_slot_and_the_trail_says_so(station: Station) -> None:
    with services(station, FIXED_NOW) as ctx:
        added = slots.add_slot(ctx, LEADER, NOON)
        assert (added.version, added.slot.days, added.slot.start) == (1, ("mon", "wed"), time(11))
        assert "Trưa" in [slot.name for slot in station_slots(ctx)]
        trail = ctx.session.scalars(select(AuditEvent.action)).all()
    assert trail[-1] == "slot.add"


def test_an_officer_may_not_change_slots(station: Station) -> None:
    with services(station, FIXED_NOW) as ctx:
        create_user(ctx.session, "lan", "mat-khau-cua-lan", "officer")
        ctx.session.commit()
    before = db_snapshot(station.settings.db_url)
    with services(station, FIXED_NOW) as ctx:
        sentence = refused(Code.SLOT_EDITOR, lambda: slots.add_slot(ctx, "lan", NOON))
    assert sentence.startswith("'lan' is not an enabled leader or admin account")
    assert db_snapshot(station.settings.db_url) == before


def test_an_overlap_is_refused_naming_both_slots(station: Station) -> None:
    early = SlotInput(name="Sớm", start="05:45", minutes=30, days=["sat"])
    before = db_snapshot(station.settings.db_url)
    with services(station, FIXED_NOW) as ctx:
        sentence = refused(Code.SLOT_OVERLAP, lambda: slots.add_slot(ctx, LEADER, early))
    assert sentence == (
        "Slot Sớm (05:45, 30 min) would overlap slot Sáng (06:00, 30 min) on sat in a zone they "
        "share; move one or shorten it."
    )
    assert db_snapshot(station.settings.db_url) == before


def test_slots_of_disjoint_zones_may_overlap_and_no_zone_means_every_zone(
    station: Station,
) -> None:
    with services(station, FIXED_NOW) as ctx:
        for zone in ("Thôn 1", "Thôn 2"):
            add_zone(ctx, zone)
        one = SlotInput(
            name="Thôn 1 trưa", start="11:00", minutes=30, days=["mon"], zones=["Thôn 1"]
        )
        two = SlotInput(
            name="Thôn 2 trưa", start="11:10", minutes=30, days=["mon"], zones=["Thôn 2"]
        )
        slots.add_slot(ctx, LEADER, one)
        slots.add_slot(ctx, LEADER, two)
        everywhere = SlotInput(name="Cả xã", start="11:20", minutes=10, days=["mon"])
        sentence = refused(Code.SLOT_OVERLAP, lambda: slots.add_slot(ctx, LEADER, everywhere))
        assert "slot Thôn 1 trưa (11:00, 30 min) on mon" in sentence


def test_a_stale_change_is_refused_and_changes_nothing(station: Station) -> None:
    with services(station, FIXED_NOW) as ctx:
        read = slots.find_slot(ctx, "Chiều")
        moved = SlotInput(name="Chiều", start="18:00", minutes=30, days=list(read.slot.days))
        slots.change_slot(ctx, LEADER, "Chiều", read.version, moved)  # someone else's change
    before = db_snapshot(station.settings.db_url)
    with services(station, FIXED_NOW) as ctx:
        late = SlotInput(name="Chiều", start="17:30", minutes=30, days=["mon"])
        sentence = refused(
            Code.SLOT_STALE, lambda: slots.change_slot(ctx, LEADER, "Chiều", read.version, late)
        )
    assert "changed by someone else after you read it; reload it" in sentence
    assert db_snapshot(station.settings.db_url) == before


def test_a_paused_slot_does_not_air_and_a_resume_that_would_overlap_is_refused(
    station: Station,
) -> None:
    with services(station, FIXED_NOW) as ctx:
        evening = slots.find_slot(ctx, "Chiều")
        slots.pause_slot(ctx, LEADER, "Chiều", evening.version, True)
        assert [slot.name for slot in station_slots(ctx)] == ["Sáng"]
        # With the evening slot paused for a holiday, a Tết programme may take its time...
        tet = SlotInput(name="Tết", start="17:00", minutes=60, on_date="2024-03-12")
        slots.add_slot(ctx, LEADER, tet)
        assert station_slots(ctx)[-1].on_date == date(2024, 3, 12)
        # ...and the evening slot cannot come back over it.
        refused(Code.SLOT_OVERLAP, lambda: slots.pause_slot(ctx, LEADER, "Chiều", 2, False))


def test_moving_a_slot_takes_its_coming_bulletins_out(station: Station) -> None:
    from broadcaster.services.planning import plan_week

    approved_rendered(station, FIXED_NOW, "Bà con lưu ý lịch tiêm phòng.")
    with services(station, FIXED_NOW) as ctx:
        plan_week(ctx, None)
        count = select(ProgrammeEntry.id).where(ProgrammeEntry.slot_name == "Chiều")
        assert ctx.session.scalars(count).all()
        read = slots.find_slot(ctx, "Chiều")
        slots.delete_slot(ctx, LEADER, "Chiều", read.version)
        assert ctx.session.scalars(count).all() == []
        assert [record.slot.name for record in slots.list_slots(ctx)] == ["Sáng"]


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (SlotInput(name="", start="11:00", minutes=15, days=["mon"]), Code.SLOT_NAME_INVALID),
        (SlotInput(name="A, B", start="11:00", minutes=15, days=["mon"]), Code.SLOT_NAME_INVALID),
        (SlotInput(name="X", start="25:00", minutes=15, days=["mon"]), Code.SLOT_START_INVALID),
        (SlotInput(name="X", start="11:00", minutes=0, days=["mon"]), Code.SLOT_MINUTES_INVALID),
        (SlotInput(name="X", start="11:00", minutes="a", days=["mon"]), Code.SLOT_MINUTES_INVALID),
        (SlotInput(name="X", start="11:00", minutes=15, days=["monday"]), Code.SLOT_DAYS_INVALID),
        (SlotInput(name="X", start="11:00", minutes=15), Code.SLOT_DAYS_INVALID),
        (
            SlotInput(name="X", start="11:00", minutes=15, days=["mon"], on_date="2024-03-12"),
            Code.SLOT_DAYS_INVALID,
        ),
        (SlotInput(name="X", start="11:00", minutes=15, on_date="30/02/2024"), Code.SLOT_DATE_INVALID),
        (SlotInput(name="X", start="11:00", minutes=15, on_date="10/03/2024"), Code.SLOT_DATE_PASSED),
        (SlotInput(name="X", start="11:00", minutes=15, days=["mon"], kind="tv"), Code.SLOT_KIND_UNKNOWN),
        (SlotInput(name="X", start="11:00", minutes=15, days=["mon"], kind="relay"), Code.SLOT_URL_MISSING),
        (
            SlotInput(name="X", start="11:00", minutes=15, days=["mon"], kind="relay", url="ftp://vov.vn/a"),
            Code.SLOT_URL_INVALID,
        ),
        (
            SlotInput(name="X", start="11:00", minutes=361, days=["mon"], kind="relay", url="http://127.0.0.1:9/a"),
            Code.SLOT_RELAY_TOO_LONG,
        ),
        (
            SlotInput(name="X", start="11:00", minutes=15, days=["mon"], kind="relay", url="http://u:secret@127.0.0.1:9/a"),
            Code.SLOT_URL_UNREACHABLE,
        ),
        (SlotInput(name="X", start="11:00", minutes=15, days=["mon"], zones=["Thôn 9"]), Code.ZONE_NOT_FOUND),
        (SlotInput(name="Sáng", start="11:00", minutes=15, days=["mon"]), Code.SLOT_EXISTS),
    ],
)  # fmt: skip
def test_bad_input_is_refused_in_one_sentence_and_changes_nothing(
    station: Station, given: SlotInput, code: Code
) -> None:
    before = db_snapshot(station.settings.db_url)
    with services(station, FIXED_NOW) as ctx:
        sentence = refused(code, lambda: slots.add_slot(ctx, LEADER, given))
    assert "secret" not in sentence  # a relay's password never reaches a sentence
    assert db_snapshot(station.settings.db_url) == before


def test_export_then_import_gives_the_same_slots(station: Station, tmp_path: Path) -> None:
    with services(station, FIXED_NOW) as ctx:
        slots.add_slot(
            ctx, LEADER, SlotInput(name="Tết", start="08:00", minutes=20, on_date="2024-03-12")
        )
        slots.pause_slot(ctx, LEADER, "Chiều", slots.find_slot(ctx, "Chiều").version, True)
        kept = [record.slot for record in slots.list_slots(ctx)]
        folder = tmp_path / "out"
        folder.mkdir()
        assert slots.export_slots(ctx, folder / "slots.toml") == 3
        slots.delete_slot(ctx, LEADER, "Tết", slots.find_slot(ctx, "Tết").version)
        slots.import_slots(ctx, LEADER, folder)
        assert [record.slot for record in slots.list_slots(ctx)] == kept


def test_two_overlapping_slots_added_at_once_by_two_people_one_lands(station: Station) -> None:
    """Two leaders press 'Thêm' at the same moment on slots that overlap: real threads, each
    with its own session; slot changes are serialised, so the second sees the first and is
    refused, never both on the air at 11:00."""
    first = SlotInput(name="Trưa A", start="11:00", minutes=30, days=["tue"])
    second = SlotInput(name="Trưa B", start="11:15", minutes=30, days=["tue"])
    ready, outcome = threading.Barrier(2), {}

    def add(given: SlotInput) -> None:
        with services(station, FIXED_NOW) as ctx:
            ready.wait()
            try:
                slots.add_slot(ctx, LEADER, given)
                outcome[given.name] = "added"
            except BroadcasterError as exc:
                outcome[given.name] = exc.code

    threads = [threading.Thread(target=add, args=(given,)) for given in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcome.values(), key=str) == sorted(["added", Code.SLOT_OVERLAP], key=str)
    with services(station, FIXED_NOW) as ctx:
        names = [slot.name for slot in station_slots(ctx)]
    assert ("Trưa A" in names) != ("Trưa B" in names)
