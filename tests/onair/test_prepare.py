"""A slot made ready before its time (issue 25): planned and its files hashed about half a
minute ahead, so at the slot's time the daemon opens the row and hands the audio over. What
happens meanwhile still counts: a bulletin taken back after its slot was prepared does not air,
a file changed since it was hashed is caught, and a bulletin approved after is left for the
next slot (the documented rule)."""

from __future__ import annotations

import os
from datetime import timedelta

from broadcaster.daemon.process import Daemon
from broadcaster.onair.outputs import NullOutput
from broadcaster.services import scripts
from broadcaster.store.db import Rendering
from broadcaster.store.renderings import file_sha256, rendering_intact
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered, services
from tests.onair.test_reliability import BULLETIN, MORNING, Clock, airings


def _daemon(station, clock: Clock, played: list) -> Daemon:  # type: ignore[no-untyped-def]
    class Recording(NullOutput):
        def play(self, path, label, duration, cancel=None):  # type: ignore[no-untyped-def]
            played.append(path)
            return None

    daemon = Daemon(
        station.settings, station.sessions, MORNING, Recording(), clock=clock,
        sleep=lambda _: None,
    )  # fmt: skip
    daemon.lease.acquire()
    return daemon


def test_a_prepared_slot_airs_its_plan_and_nothing_taken_back(station) -> None:  # type: ignore[no-untyped-def]
    first = approved_rendered(station, FIXED_NOW, BULLETIN)
    second = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    clock, played = Clock(FIXED_NOW - timedelta(seconds=25)), []
    daemon = _daemon(station, clock, played)
    daemon.prepare()
    assert list(daemon.air.prepared) == [("Sáng", FIXED_NOW)]
    daemon.prepare()  # once is enough: nothing planned again
    with services(station, FIXED_NOW) as ctx:
        scripts.retire_script(ctx, second)  # taken back after it was prepared
    late = approved_rendered(station, FIXED_NOW, "Bản tin duyệt muộn. Xin cảm ơn.")
    clock.now = FIXED_NOW + timedelta(milliseconds=5)
    results = daemon.air_slot("Sáng")
    assert [(r.script_id, r.outcome) for r in results] == [(first, "aired")]
    assert late not in [r.script_id for r in airings(station)]  # it waits for the next slot
    assert len(played) == 1


def test_a_file_changed_after_it_was_hashed_is_caught(station) -> None:  # type: ignore[no-untyped-def]
    script_id = approved_rendered(station, FIXED_NOW, BULLETIN)
    clock, played = Clock(FIXED_NOW - timedelta(seconds=25)), []
    daemon = _daemon(station, clock, played)
    daemon.prepare()
    with station.sessions() as session:
        rendering = session.query(Rendering).filter_by(script_id=script_id).one()
    path = station.settings.var_path / rendering.audio_path
    assert rendering_intact(station.settings, rendering, recent=True)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF  # one byte damaged, the size the same
    path.write_bytes(bytes(data))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later write
    assert not rendering_intact(station.settings, rendering, recent=True)
    clock.now = FIXED_NOW + timedelta(milliseconds=5)
    (result,) = daemon.air_slot("Sáng")  # the slot's check finds it changed and makes it again
    assert result.outcome == "aired" and len(played) == 1
    (row,) = airings(station)
    assert file_sha256(played[0]) == row.audio_sha256  # what aired is what the row says
