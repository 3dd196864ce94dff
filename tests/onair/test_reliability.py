"""Exactly once, crash evidence, missed slots, render-ahead, priorities, emergencies, the ledger."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.daemon.process import Daemon
from broadcaster.evidence import witness
from broadcaster.evidence.verify import verify
from broadcaster.notes import english
from broadcaster.onair.command_output import CommandOutput
from broadcaster.onair.outputs import NullOutput
from broadcaster.programme.planning import plan_occurrence
from broadcaster.programme.slots import SlotDef, occurrences_between, parse_slots
from broadcaster.store.db import Airing, AirRequest, Problem, ProgrammeEntry, Rendering, Script
from broadcaster.store.renderings import file_sha256
from tests.conftest import FIXED_NOW
from tests.helpers import (
    Mute,
    airing_rows,
    approved_rendered,
    begun_slot_file,
    run_cli,
    running_daemon,
    stop_daemon,
    wait_for,
)

BULLETIN = "Thông báo của Ủy ban nhân dân thị trấn. Bà con nộp hồ sơ trực tuyến tại nhà."
MORNING = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")
# A player that takes as long as the audio, like a sound card would.
REALTIME_PLAYER = (
    f'{sys.executable} -c "import sys, time; from mutagen.mp3 import MP3; '
    f'time.sleep(MP3(sys.argv[1]).info.length)" {{file}}'
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def daemon_for(station, slots: list[SlotDef], output=None, clock=None, voices=None) -> Daemon:  # type: ignore[no-untyped-def]
    extra = {"voices": voices} if voices else {}
    return Daemon(
        station.settings, station.sessions, slots, output or NullOutput(),
        clock=clock or (lambda: FIXED_NOW), sleep=lambda _: None, **extra,
    )  # fmt: skip


def airings(station) -> list[Airing]:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        return list(session.scalars(select(Airing).order_by(Airing.id)))


# --- missed slots and catching up -----------------------------------------------------------


def test_a_slot_later_than_the_grace_gets_one_missed_row_per_planned_bulletin(station) -> None:  # type: ignore[no-untyped-def]
    first = approved_rendered(station, FIXED_NOW, BULLETIN)
    second = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai.")
    third = approved_rendered(station, FIXED_NOW, "Bản tin duyệt sau khi đã lập chương trình.")
    with station.sessions() as session:
        session.get_one(Script, third).status = "draft"
        session.commit()
    clock = Clock(FIXED_NOW - timedelta(hours=1))  # 08:00: the daemon starts tracking
    daemon = daemon_for(station, MORNING, clock=clock)
    daemon.lease.acquire()
    daemon.render_ahead()  # plans the 09:00 slot: the first two bulletins
    with station.sessions() as session:
        session.get_one(Script, third).status = "approved"  # approved after planning
        session.commit()
    clock.now = FIXED_NOW + timedelta(minutes=11)  # 09:11, grace is 10 minutes
    assert daemon.settle() == []  # nothing to air: recorded missed instead
    assert daemon.air_slot("Sáng") == []  # a late firing adds nothing
    daemon.settle()  # settling again adds nothing
    rows = airings(station)
    # Missed is recorded from what was planned for the slot, not from what is approved now.
    assert sorted((r.script_id, r.outcome) for r in rows) == [(first, "missed"), (second, "missed")]
    # The daemon ran all along (since 08:00) but the slot never started: that is the reason.
    assert all(
        english(r.error)
        == "Not aired in the slot Sáng at 09:00 11/03/2024: the slot did not start "
        "within 10 minutes of its time."
        for r in rows
    ), [r.error for r in rows]
    with station.sessions() as session:
        assert verify(session, station.settings.var_path / "ledger").ok


def test_a_missed_row_says_no_daemon_was_airing_when_none_was(station) -> None:  # type: ignore[no-untyped-def]
    approved_rendered(station, FIXED_NOW, BULLETIN)
    clock = Clock(FIXED_NOW - timedelta(hours=1))
    first = daemon_for(station, MORNING, clock=clock)
    first.lease.acquire()  # tracking from 08:00
    first.render_ahead()
    first.lease.release()  # stopped at 08:00
    clock.now = FIXED_NOW + timedelta(minutes=40)  # the next daemon starts at 09:40
    second = daemon_for(station, MORNING, clock=clock)
    second.lease.acquire()
    second.air.since = clock.now  # what `run` sets when it starts
    second.settle()
    (row,) = airings(station)
    assert row.outcome == "missed" and english(row.error) == (
        "Not aired in the slot Sáng at 09:00 11/03/2024: no daemon was airing at the slot's "
        "time (this one started at 09:40 11/03/2024)."
    )


def test_a_missed_row_says_the_slot_ended_before_its_turn(station) -> None:  # type: ignore[no-untyped-def]
    """Bulletins that do not fit in what is left of the slot are missed for that reason."""
    first = approved_rendered(station, FIXED_NOW, BULLETIN)
    second = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    clock = Clock(FIXED_NOW - timedelta(hours=1))
    daemon = daemon_for(station, MORNING, clock=clock)
    daemon.lease.acquire()
    daemon.render_ahead()
    slot_end = FIXED_NOW + timedelta(minutes=MORNING[0].minutes)

    class SlowOutput(NullOutput):
        def play(self, path, label, duration, cancel=None):  # type: ignore[no-untyped-def]
            clock.now = slot_end  # the first bulletin plays until the slot's end
            return None

    daemon.air.output = SlowOutput()
    clock.now = FIXED_NOW
    daemon.air_slot("Sáng")
    clock.now = slot_end + timedelta(minutes=1)
    daemon.settle()
    rows = {r.script_id: r for r in airings(station)}
    assert rows[first].outcome == "aired" and rows[second].outcome == "missed"
    assert "the slot ended before its turn" in english(rows[second].error)


def test_a_slot_within_the_grace_airs_late(station) -> None:  # type: ignore[no-untyped-def]
    approved_rendered(station, FIXED_NOW, BULLETIN)
    daemon = daemon_for(station, MORNING, clock=lambda: FIXED_NOW + timedelta(minutes=9))
    (result,) = daemon.air_slot("Sáng")
    assert result.outcome == "aired"


def test_slots_before_the_first_start_are_not_called_missed(station) -> None:  # type: ignore[no-untyped-def]
    approved_rendered(station, FIXED_NOW, BULLETIN)
    clock = Clock(
        FIXED_NOW + timedelta(hours=2)
    )  # first start at 11:00, the 09:00 slot was never ours
    daemon = daemon_for(station, MORNING, clock=clock)
    daemon.lease.acquire()
    daemon.settle()
    assert airings(station) == []


def test_a_whole_week_on_the_injected_clock_airs_every_slot_exactly_once(station) -> None:  # type: ignore[no-untyped-def]
    """The real cron triggers, the real job function, a clock that jumps from slot to slot."""
    from apscheduler.triggers.cron import CronTrigger

    ids = [approved_rendered(station, FIXED_NOW, f"Bản tin số {n}. Xin cảm ơn.") for n in range(3)]
    slots = parse_slots(
        '[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = 30\n[[slot]]\nname = "Chiều"\nstart = "17:00"\nminutes = 30\n',
        "t.toml",
    )
    tz = station.settings.tz
    clock = Clock(FIXED_NOW)
    daemon = daemon_for(station, slots, clock=clock)
    daemon.lease.acquire()
    fires = []
    for slot in slots:
        trigger = CronTrigger(hour=slot.start.hour, minute=slot.start.minute, timezone=tz)
        when = trigger.get_next_fire_time(None, FIXED_NOW)
        while when < FIXED_NOW + timedelta(days=7):
            fires.append((when, slot.name))
            when = trigger.get_next_fire_time(when, when + timedelta(seconds=1))
    started = time.perf_counter()
    for when, name in sorted(fires):
        clock.now = when + timedelta(seconds=1)
        daemon.air_slot(name)
        daemon.air_slot(name)  # a second, late firing changes nothing
    elapsed = time.perf_counter() - started
    rows = airings(station)
    assert len(fires) == 14 and elapsed < 60
    assert len(rows) == 14 * 3 and {r.outcome for r in rows} == {"aired"}
    assert len({r.programme_entry_id for r in rows}) == len(rows)
    assert sorted({r.script_id for r in rows}) == ids


# --- crash evidence: a real daemon killed with SIGKILL -----------------------------------------


@pytest.mark.slow
def test_a_daemon_killed_mid_airing_leaves_an_interrupted_row_and_never_repeats_it(
    project: Path, database_url: str | None
) -> None:
    from broadcaster.config import load_settings

    (project / "a.txt").write_text(BULLETIN * 3, encoding="utf-8")
    (project / "b.txt").write_text("Bản tin thứ hai. Xin cảm ơn bà con.", encoding="utf-8")
    for args in (
        ("init", "--admin-password", "admin-pass-1"),
        ("users", "add", "Chủ tịch", "--role", "leader"),
        ("scripts", "add", "a.txt", "--topic", "a"),
        ("scripts", "add", "b.txt", "--topic", "a"),
        ("scripts", "approve", "1", "--by", "Chủ tịch"),
        ("scripts", "approve", "2", "--by", "Chủ tịch"),
        ("render", "--all"),
    ):
        assert run_cli(project, database_url, *args).returncode == 0
    begun_slot_file(project, load_settings(project, environ={}).tz, seconds_ago=1)
    player = f"command:{REALTIME_PLAYER}"
    with running_daemon(project, database_url, "--output", player) as daemon:
        wait_for(
            lambda: any(r["outcome"] == "started" for r in airing_rows(project, database_url)),
            "the airing to start",
        )
        started = _utc(airing_rows(project, database_url)[0]["started_at"])
        wait_for(lambda: _heartbeat(project, database_url) > started, "a heartbeat on air")
        daemon.send_signal(signal.SIGKILL)
        killed_at = datetime.now(timezone.utc)
        daemon.wait()
    assert daemon.returncode == -signal.SIGKILL
    # Its lease names a process that is gone from this machine, so a restart takes over at once.
    with running_daemon(project, database_url, "--output", "null") as restarted:
        wait_for(
            lambda: (
                [r["outcome"] for r in airing_rows(project, database_url)]
                == ["interrupted", "aired"]
            ),
            "the slot to resume with what was left",
        )
        stop_daemon(restarted)
    assert restarted.returncode == 0
    rows = json.loads(run_cli(project, database_url, "log", "--json").stdout)
    by_script = {r["script_id"]: r for r in rows}
    assert by_script[1]["outcome"] == "interrupted" and "stopped" in by_script[1]["error"]
    assert [r["script_id"] for r in rows].count(1) == 1  # the interrupted one is not aired again
    assert by_script[2]["outcome"] == "aired"  # the slot resumed with what was left
    assert "intact" in run_cli(project, database_url, "log", "verify").stdout
    # Its end is the killed daemon's last heartbeat (an estimate, said so), not the restart.
    cut = airing_rows(project, database_url)[0]
    assert started <= _utc(cut["ended_at"]) <= killed_at
    assert "estimate" in by_script[1]["error"]


def _utc(value: object) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _heartbeat(project: Path, database_url: str | None) -> datetime:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url or f"sqlite:///{project / 'var' / 'broadcaster.db'}")
    try:
        with engine.connect() as conn:
            return _utc(conn.execute(text("SELECT heartbeat_at FROM daemon_lease")).scalar_one())
    finally:
        engine.dispose()


# --- render ahead and damaged audio --------------------------------------------------------------


def test_render_ahead_replaces_missing_audio_before_air_time(station) -> None:  # type: ignore[no-untyped-def]
    script_id = approved_rendered(station, FIXED_NOW, BULLETIN)
    daemon = daemon_for(station, MORNING, clock=lambda: FIXED_NOW - timedelta(hours=1))
    with station.sessions() as session:
        path = (
            station.settings.var_path / session.get_one(Script, script_id).renderings[0].audio_path
        )
    path.unlink()
    daemon.render_ahead()
    with station.sessions() as session:
        entries = session.scalars(select(ProgrammeEntry)).all()  # the next 48 hours: two mornings
        assert len(entries) == 2
        for entry in entries:
            assert (
                file_sha256(station.settings.var_path / entry.rendering.audio_path)
                == entry.rendering.sha256
            )


def test_audio_that_cannot_be_rendered_is_skipped_logged_and_shown(station) -> None:  # type: ignore[no-untyped-def]

    broken = approved_rendered(station, FIXED_NOW, BULLETIN)
    fine = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    with station.sessions() as session:
        (
            station.settings.var_path / session.get_one(Script, broken).renderings[0].audio_path
        ).write_bytes(b"damaged")

    results = daemon_for(
        station, MORNING, clock=lambda: FIXED_NOW + timedelta(seconds=5),
        voices=lambda choice, settings: [Mute()],
    ).air_slot("Sáng")  # fmt: skip
    assert [(r.script_id, r.outcome) for r in results] == [(fine, "aired")]
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem)).all()
        assert f"Audio of script {broken}" in english(
            problem.message
        ) and "no voice today" in english(problem.message)


# --- priorities and emergencies -------------------------------------------------------------------


def test_a_priority_bulletin_leads_the_next_slot(station) -> None:  # type: ignore[no-untyped-def]
    normal = approved_rendered(station, FIXED_NOW, BULLETIN)
    urgent = approved_rendered(station, FIXED_NOW, "Thông báo khẩn về lịch tiếp dân.")
    with station.sessions() as session:
        session.get_one(Script, urgent).priority = "priority"
        session.commit()
        occurrence = occurrences_between(
            MORNING, FIXED_NOW, FIXED_NOW + timedelta(days=1), station.settings.tz
        )[0]
        entries = plan_occurrence(session, occurrence, station.settings.tz)
        assert [e.script_id for e in entries] == [urgent, normal]


@pytest.mark.slow
def test_an_emergency_preempts_the_bulletin_on_air_and_the_slot_resumes(station) -> None:  # type: ignore[no-untyped-def]
    first = approved_rendered(station, FIXED_NOW, BULLETIN * 2)
    second = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    tz = station.settings.tz
    start = (datetime.now(timezone.utc) - timedelta(seconds=1)).astimezone(tz)  # begun: no lead
    slots = parse_slots(
        f'[[slot]]\nname = "Thử"\nstart = "{start:%H:%M:%S}"\nminutes = 5\n', "t.toml"
    )
    daemon = Daemon(station.settings, station.sessions, slots, CommandOutput(REALTIME_PLAYER))
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop, None))
    thread.start()
    try:
        wait_for(lambda: any(a.outcome == "started" for a in airings(station)), "the slot to start")
        storm = approved_rendered(station, FIXED_NOW, "Khẩn cấp: bão số ba sắp đổ bộ.")
        with station.sessions() as session:
            session.get_one(Script, storm).priority = "emergency"
            session.add(
                AirRequest(script_id=storm, emergency=True, requested_at=datetime.now(timezone.utc))
            )
            session.commit()
        wait_for(
            lambda: len([a for a in airings(station) if a.outcome != "started"]) >= 3,
            "the emergency and the rest of the slot",
        )
    finally:
        stop.set()
        thread.join()
    rows = airings(station)
    assert [(r.script_id, r.outcome) for r in rows] == [
        (first, "preempted"),
        (storm, "aired"),
        (second, "aired"),
    ]
    assert rows[1].programme_entry_id is None and rows[1].slot_name is None
    with station.sessions() as session:
        assert session.scalars(select(AirRequest)).one().airing_id == rows[1].id


# --- damaged folders and a failing witness ---------------------------------------------------


def test_an_audio_folder_that_cannot_be_written_airs_what_is_intact_and_says_why(station) -> None:  # type: ignore[no-untyped-def]
    """A damaged file cannot be rendered again into a broken folder: the others still air."""
    import shutil

    first = approved_rendered(station, FIXED_NOW, BULLETIN)
    second = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    daemon = daemon_for(station, MORNING, clock=lambda: FIXED_NOW + timedelta(seconds=5))
    daemon.render_ahead()  # planned, both files intact
    with station.sessions() as session:
        kept = {
            r.script_id: (station.settings.var_path / r.audio_path).read_bytes()
            for r in session.scalars(select(Rendering))
        }
    shutil.rmtree(station.settings.audio_dir)
    station.settings.audio_dir.write_text("not a folder")  # mkdir and writes fail: OSError
    good = station.settings.var_path / "good"
    good.mkdir()
    with station.sessions() as session:
        for rendering in session.scalars(select(Rendering)):
            if rendering.script_id == second:  # only the second one's audio is still there
                (good / "b.mp3").write_bytes(kept[second])
                rendering.audio_path = "good/b.mp3"
        session.commit()
    results = daemon.air_slot("Sáng")
    assert [(r.script_id, r.outcome) for r in results] == [(second, "aired")]
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem)).all()
        assert f"Audio of script {first}" in english(problem.message)


def test_a_failing_witness_is_a_problem_not_a_stop(station) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    approved_rendered(station, FIXED_NOW, BULLETIN)
    settings = dataclasses.replace(station.settings, witness="false")
    (result,) = Daemon(
        settings, station.sessions, MORNING, NullOutput(),
        clock=lambda: FIXED_NOW + timedelta(seconds=5), sleep=lambda _: None,
    ).air_slot("Sáng")  # fmt: skip
    assert result.outcome == "aired"
    witness.flush_witnesses()
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem)).all()
        assert "witness command 'false' exited with code 1" in english(problem.message)


def test_a_hung_witness_never_delays_the_air_and_is_killed_at_its_timeout(  # type: ignore[no-untyped-def]
    station, tmp_path, monkeypatch
) -> None:
    """Both bulletins air and seal while the first witness process still hangs; at its
    timeout it is killed (not left behind) and the failure is one problem."""
    import dataclasses

    monkeypatch.setattr(witness, "WITNESS_TIMEOUT_SECONDS", 5.0)
    approved_rendered(station, FIXED_NOW, BULLETIN)
    approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    pids = tmp_path / "witness.pids"
    hung = f"sh -c 'echo $$ >> {pids}; sleep 600'"  # takes nothing, answers never
    settings = dataclasses.replace(station.settings, witness=hung)
    results = Daemon(
        settings, station.sessions, MORNING, NullOutput(),
        clock=lambda: FIXED_NOW + timedelta(seconds=5), sleep=lambda _: None,
    ).air_slot("Sáng")  # fmt: skip
    assert [r.outcome for r in results] == ["aired", "aired"]
    wait_for(pids.exists, "the witness to start")
    first = int(pids.read_text().split()[0])
    os.kill(first, 0)  # still hanging: the four seals did not wait for it
    witness.flush_witnesses(timeout=60)  # returns once the tries have timed out
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # killed at the timeout, not left behind
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem)).all()
        said = english(problem.message)
        assert "could not take the chain head" in said and "timed out after 5" in said
