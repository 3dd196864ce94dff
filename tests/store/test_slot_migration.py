"""Revision 0015: the slot table becomes the source; the slot files are imported once."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, update

from broadcaster.errors import BroadcasterError
from broadcaster.services.planning import slot_files_changed, station_slots
from broadcaster.services.station import Station, open_station_for_daemon
from broadcaster.store.db import Slot
from broadcaster.store.migrate import downgrade_database, upgrade_database
from tests.conftest import FIXED_NOW
from tests.helpers import services

NOON = '[[slot]]\nname = "Trưa"\ndays = ["mon"]\nstart = "11:00"\nminutes = 15\n'


def upgrade(station: Station) -> None:
    """Upgrade as the daemon does at its start, which hands in the station's slot files."""
    opened, _report = open_station_for_daemon(station.settings, FIXED_NOW)
    opened.engine.dispose()


def slot_columns(station: Station) -> list[str]:
    return [column["name"] for column in inspect(station.engine).get_columns("slot")]


def rows(station: Station) -> list[tuple[object, ...]]:
    with station.sessions() as session:
        return [
            (row.name, row.days, row.start, row.minutes, row.kind, row.on_date, row.paused)
            for row in session.scalars(select(Slot).order_by(Slot.name))
        ]


def test_the_upgrade_imports_the_slot_files_once(station: Station, project: Path) -> None:
    downgrade_database(station.engine, "0013")
    assert "version" not in slot_columns(station)
    (project / "schedules" / "town.toml").write_text(NOON, encoding="utf-8")

    upgrade(station)

    assert rows(station) == [("Trưa", "mon", "11:00:00", 15, "bulletins", None, False)]
    # From now on the database is the source: a change of the files does nothing...
    (project / "schedules" / "town.toml").write_text(NOON.replace("11:00", "12:00"), "utf-8")
    upgrade(station)
    with services(station, FIXED_NOW) as ctx:
        assert [s.start for s in station_slots(ctx)] == [time(11)]
        # ...but status says the files differ and how to import them.
        assert "differ from the slots in the database" in (slot_files_changed(ctx) or "")


def test_a_bad_slot_file_refuses_the_upgrade_and_changes_nothing(
    station: Station, project: Path
) -> None:
    downgrade_database(station.engine, "0013")
    before = rows_at_0013(station)
    (project / "schedules" / "town.toml").write_text('[[slot]]\nname = "Trưa"\n', "utf-8")

    with pytest.raises(BroadcasterError, match="town.toml, slot 1 \\(Trưa\\): minutes must be"):
        upgrade(station)

    assert "version" not in slot_columns(station)
    assert rows_at_0013(station) == before


def rows_at_0013(station: Station) -> list[tuple[object, ...]]:
    with station.engine.connect() as conn:
        return sorted(conn.exec_driver_sql("SELECT name, days, start, minutes FROM slot").all())


def test_downgrading_0015_drops_one_off_slots_and_keeps_the_weekly_ones(station: Station) -> None:
    with station.sessions() as session:
        session.add(
            Slot(name="Tết", days="", start="08:00:00", minutes=20, on_date=date(2025, 1, 29))
        )
        session.execute(update(Slot).where(Slot.name == "Chiều").values(paused=True))
        session.commit()

    downgrade_database(station.engine, "0013")

    assert not {"kind", "on_date", "paused", "version"} & set(slot_columns(station))
    assert [name for name, *_ in rows_at_0013(station)] == ["Chiều", "Sáng"]
    upgrade_database(station.settings, station.engine, FIXED_NOW)
    assert [row[0] for row in rows(station)] == ["Chiều", "Sáng"]
