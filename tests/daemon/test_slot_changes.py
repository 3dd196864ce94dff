"""The daemon follows the slot table without a restart: a slot added airs at its time, a paused
one does not, and one deleted while it airs finishes the bulletin on air and airs no more."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from broadcaster.daemon.process import Daemon
from broadcaster.notes import NoteCode
from broadcaster.onair.outputs import NullOutput
from broadcaster.services import slots
from broadcaster.services.slots import SlotInput
from broadcaster.services.station import Station
from broadcaster.store.db import Airing
from tests.conftest import FIXED_NOW, LEADER
from tests.helpers import approved_rendered, services

NOON = SlotInput(name="Trưa", start="11:00", minutes=30, days=["mon"])
AT_NOON = FIXED_NOW + timedelta(hours=2, seconds=5)  # Monday 11:00:05 in Hà Nội


def daemon_of(station: Station, clock: list, output: object = None) -> Daemon:  # type: ignore[type-arg]
    """A daemon that airs the database's slots (as `broadcaster run`), on a clock we move."""
    return Daemon(station.settings, station.sessions, None, output or NullOutput(),
                  clock=lambda: clock[0], sleep=lambda _: None)  # fmt: skip


def test_a_slot_added_while_the_daemon_runs_airs_and_a_paused_one_does_not(
    station: Station,
) -> None:
    script_id = approved_rendered(station, FIXED_NOW, "Bà con lưu ý lịch tiêm phòng.")
    clock = [FIXED_NOW]
    daemon = daemon_of(station, clock)
    daemon.follow_slots()
    assert "Trưa" not in daemon.slots
    with services(station, FIXED_NOW) as ctx:
        slots.add_slot(ctx, LEADER, NOON)
    daemon.follow_slots()  # the next look at the table: the job is installed
    assert daemon.scheduler.get_job("slot:Trưa", jobstore="memory") is not None
    clock[0] = AT_NOON
    assert [(r.script_id, r.outcome) for r in daemon.air_slot("Trưa")] == [(script_id, "aired")]
    with services(station, FIXED_NOW) as ctx:
        slots.pause_slot(ctx, LEADER, "Trưa", slots.find_slot(ctx, "Trưa").version, True)
    daemon.follow_slots()
    assert daemon.scheduler.get_job("slot:Trưa", jobstore="memory") is None
    clock[0] = AT_NOON + timedelta(days=7)
    assert daemon.air_slot("Trưa") == []  # paused: the next Monday airs nothing


class DeletingOutput(NullOutput):
    """Plays the first bulletin while a leader deletes its slot (the daemon takes it at once)."""

    def __init__(self, station: Station, daemon: list[Daemon]) -> None:
        self.station, self.daemon, self.played = station, daemon, 0

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ):  # type: ignore[no-untyped-def]
        self.played += 1
        if self.played == 1:
            with services(self.station, AT_NOON) as ctx:  # while the slot airs
                slots.delete_slot(ctx, LEADER, "Trưa", slots.find_slot(ctx, "Trưa").version)
            self.daemon[0].follow_slots()
        return super().play(audio, label, duration_s, cancel)


def test_a_slot_deleted_while_it_airs_finishes_its_bulletin_and_airs_no_more(
    station: Station,
) -> None:
    first = approved_rendered(station, FIXED_NOW, "Bản tin thứ nhất về dịch vụ công.")
    second = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai về một cửa.")
    with services(station, FIXED_NOW) as ctx:
        slots.add_slot(ctx, LEADER, NOON)
    clock = [AT_NOON]
    holder: list[Daemon] = []
    output = DeletingOutput(station, holder)
    holder.append(daemon_of(station, clock, output))
    holder[0].follow_slots()

    results = holder[0].air_slot("Trưa")

    assert [(r.script_id, r.outcome) for r in results] == [(first, "aired"), (second, "missed")]
    assert output.played == 1
    with station.sessions() as session:
        error = session.scalars(select(Airing.error).where(Airing.script_id == second)).one()
    assert NoteCode.MISSED_SLOT_CHANGED in (error or "")
    assert "Trưa" not in holder[0].slots
    assert holder[0].scheduler.get_job("slot:Trưa", jobstore="memory") is None
