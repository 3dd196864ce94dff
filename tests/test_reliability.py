"""Exactly once, crash evidence, missed slots, render-ahead, priorities, emergencies, the ledger."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from broadcaster import ledger
from broadcaster.audio import file_sha256
from broadcaster.daemon import Daemon
from broadcaster.db import Airing, AirRequest, Problem, ProgrammeEntry, Rendering, Script
from broadcaster.outputs import CommandOutput, NullOutput
from broadcaster.programme import plan_occurrence
from broadcaster.slots import SlotDef, occurrences_between, parse_slots

from .conftest import FIXED_NOW
from .helpers import (
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
        station.settings, station.engine, station.sessions, slots, output or NullOutput(),
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
    assert all("passed while the daemon was stopped" in (r.error or "") for r in rows)
    with station.sessions() as session:
        assert ledger.verify(session, station.settings.var_path / "ledger").ok


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
        daemon.send_signal(signal.SIGKILL)
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
        (entry,) = session.scalars(select(ProgrammeEntry)).all()
        assert (
            file_sha256(station.settings.var_path / entry.rendering.audio_path)
            == entry.rendering.sha256
        )


def test_audio_that_cannot_be_rendered_is_skipped_logged_and_shown(station) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.voices import EngineUnavailable

    broken = approved_rendered(station, FIXED_NOW, BULLETIN)
    fine = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    with station.sessions() as session:
        (
            station.settings.var_path / session.get_one(Script, broken).renderings[0].audio_path
        ).write_bytes(b"damaged")

    class Mute:
        name, voice = "espeak", "vi"

        def start_bulletin(self) -> None:
            pass

        def synthesise(self, text):  # type: ignore[no-untyped-def]
            raise EngineUnavailable("no voice today")

    results = daemon_for(
        station, MORNING, clock=lambda: FIXED_NOW + timedelta(seconds=5),
        voices=lambda choice, settings: [Mute()],
    ).air_slot("Sáng")  # fmt: skip
    assert [(r.script_id, r.outcome) for r in results] == [(fine, "aired")]
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem)).all()
        assert (
            f"Audio of script {broken}" in problem.message and "no voice today" in problem.message
        )


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
    daemon = Daemon(
        station.settings, station.engine, station.sessions, slots, CommandOutput(REALTIME_PLAYER)
    )
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


# --- the tamper-evident ledger ---------------------------------------------------------------------


@pytest.fixture
def sealed(station):  # type: ignore[no-untyped-def]
    """Three aired bulletins, sealed into the chain."""
    for n in range(3):
        approved_rendered(station, FIXED_NOW, f"Bản tin số {n}. Xin cảm ơn.")
    daemon_for(station, MORNING, clock=lambda: FIXED_NOW + timedelta(seconds=5)).air_slot("Sáng")
    return station


def _verdict(station):  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        return ledger.verify(session, station.settings.var_path / "ledger")


def test_an_untouched_chain_verifies(sealed) -> None:  # type: ignore[no-untyped-def]
    verdict = _verdict(sealed)
    assert verdict.ok and verdict.checked == 3 and verdict.head_seq == 3
    rows = airings(sealed)
    assert rows[0].prev_hash == ledger.GENESIS and rows[1].prev_hash == rows[0].row_hash


@pytest.mark.parametrize(
    ("statement", "bad_row", "reason"),
    [
        ("UPDATE airing SET outcome = 'failed' WHERE id = 2", 2, "content no longer matches"),
        (
            "UPDATE airing SET duration_s = duration_s + 60 WHERE id = 1",
            1,
            "content no longer matches",
        ),
        ("DELETE FROM airing WHERE id = 2", 3, "deleted"),
        (
            "UPDATE airing SET seq = NULL, prev_hash = NULL, row_hash = NULL WHERE id = 3",
            3,
            "never sealed",
        ),
        ("UPDATE airing SET title = 'Tin khác' WHERE id = 2", 2, "content no longer matches"),
        ("UPDATE airing SET topic = 'b' WHERE id = 1", 1, "content no longer matches"),
        ("UPDATE airing SET script_id = 2 WHERE id = 3", 3, "content no longer matches"),
        ("UPDATE airing SET epoch = 7 WHERE id = 2", 2, "content no longer matches"),
        ("UPDATE airing SET seal_format = NULL WHERE id = 2", 2, "content no longer matches"),
    ],
    ids=[
        "edit-outcome",
        "edit-time",
        "delete-middle",
        "unseal-newest",
        "edit-title",
        "edit-topic",
        "edit-script",
        "edit-epoch",
        "downgrade-format",
    ],
)
def test_edits_and_deletions_in_the_database_are_detected(
    sealed, statement, bad_row, reason
) -> None:  # type: ignore[no-untyped-def]
    with sealed.engine.begin() as conn:
        conn.execute(text(statement))
    verdict = _verdict(sealed)
    assert not verdict.ok and verdict.first_bad_id == bad_row and reason in (verdict.reason or "")


def test_deleting_the_newest_row_is_caught_by_the_anchor_file(sealed) -> None:  # type: ignore[no-untyped-def]
    with sealed.engine.begin() as conn:
        conn.execute(text("DELETE FROM airing WHERE id = 3"))
    verdict = _verdict(sealed)
    assert not verdict.ok and "anchor file names row 3" in (verdict.reason or "")
    assert "altered at the newest rows" in verdict.sentence()


def test_log_verify_and_exports_carry_the_hashes(sealed, runner) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.cli import main

    result = runner.invoke(main, ["log", "verify"])
    assert result.exit_code == 0 and "intact: 3 sealed row(s)" in result.output
    rows = json.loads(runner.invoke(main, ["log", "--json"]).output)
    assert all(len(r["row_hash"]) == 64 and len(r["prev_hash"]) == 64 for r in rows)
    with sealed.engine.begin() as conn:
        conn.execute(text("UPDATE airing SET error = 'edited' WHERE id = 1"))
    bad = runner.invoke(main, ["log", "verify"])
    assert bad.exit_code == 1 and "altered at row 1" in bad.output


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
        assert f"Audio of script {first}" in problem.message


def test_the_log_shows_what_was_heard_whatever_the_script_says_now(sealed, runner) -> None:  # type: ignore[no-untyped-def]
    """Editing or retitling a script after it aired changes no evidence and breaks no chain."""
    from broadcaster.cli import main

    before = json.loads(runner.invoke(main, ["log", "--json"]).output)
    with sealed.engine.begin() as conn:
        conn.execute(text("UPDATE script SET title = 'Tiêu đề mới', topic = 'b' WHERE id = 1"))
    after = json.loads(runner.invoke(main, ["log", "--json"]).output)
    assert after == before and before[0]["title"] == "Bản tin số 0. Xin cảm ơn."
    assert _verdict(sealed).ok


# --- the witness: a copy of every head off the machine -------------------------------------


def _recompute_chain(station) -> None:  # type: ignore[no-untyped-def]
    """What an attacker with the database does after an edit: re-hash every row in order."""
    with station.sessions() as session:
        previous = ledger.GENESIS
        for airing in session.scalars(select(Airing).order_by(Airing.seq)):
            airing.prev_hash = previous
            airing.row_hash = ledger.row_hash(airing)
            previous = airing.row_hash
        session.commit()


@pytest.fixture
def witnessed(station):  # type: ignore[no-untyped-def]
    """Three aired bulletins whose heads a witness command copied to a file."""
    import dataclasses

    copy = station.settings.base_dir / "witness-copy.log"
    settings = dataclasses.replace(station.settings, witness=f"sh -c 'cat >> {copy}'")
    for n in range(3):
        approved_rendered(station, FIXED_NOW, f"Bản tin số {n}. Xin cảm ơn.")
    Daemon(
        settings, station.engine, station.sessions, MORNING, NullOutput(),
        clock=lambda: FIXED_NOW + timedelta(seconds=5), sleep=lambda _: None,
    ).air_slot("Sáng")  # fmt: skip
    return station, copy


@pytest.mark.parametrize(
    "attack",
    ["recompute after an edit", "recompute after a deletion", "delete the newest with its line"],
)
def test_a_rewritten_chain_is_caught_by_the_witness_copy(witnessed, runner, attack: str) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from broadcaster.cli import main

    station, copy = witnessed
    assert len(copy.read_text().splitlines()) == 3
    with station.engine.begin() as conn:
        if attack == "recompute after an edit":
            conn.execute(text("UPDATE airing SET outcome = 'failed' WHERE id = 2"))
        elif attack == "recompute after a deletion":
            conn.execute(text("DELETE FROM airing WHERE id = 2"))
            conn.execute(text("UPDATE airing SET seq = 2 WHERE id = 3"))
        else:
            conn.execute(text("DELETE FROM airing WHERE id = 3"))
    _recompute_chain(station)
    shutil.rmtree(station.settings.var_path / "ledger")  # the local anchor goes too
    fooled = runner.invoke(main, ["log", "verify"])
    assert fooled.exit_code == 0  # this is what a witness is for
    caught = runner.invoke(main, ["log", "verify", "--witness", str(copy)])
    assert caught.exit_code == 1 and "the witness copy" in caught.output


def test_a_failing_witness_is_a_problem_not_a_stop(station) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    approved_rendered(station, FIXED_NOW, BULLETIN)
    settings = dataclasses.replace(station.settings, witness="false")
    (result,) = Daemon(
        settings, station.engine, station.sessions, MORNING, NullOutput(),
        clock=lambda: FIXED_NOW + timedelta(seconds=5), sleep=lambda _: None,
    ).air_slot("Sáng")  # fmt: skip
    assert result.outcome == "aired"
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem)).all()
        assert "witness command 'false' exited with code 1" in problem.message


def test_a_witness_copy_that_is_not_one_is_refused(sealed, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.cli import main

    junk = tmp_path / "copy.log"
    junk.write_text("hello\n")
    result = runner.invoke(main, ["log", "verify", "--witness", str(junk)])
    assert result.exit_code == 1 and "is not a list of chain heads" in result.output


def test_every_ledger_line_is_checked_not_only_the_last(sealed) -> None:  # type: ignore[no-untyped-def]
    with sealed.engine.begin() as conn:
        conn.execute(text("UPDATE airing SET outcome = 'failed' WHERE id = 2"))
    _recompute_chain(sealed)
    (anchor,) = (sealed.settings.var_path / "ledger").glob("*.log")
    lines = anchor.read_text().splitlines()
    with sealed.sessions() as session:
        head = session.scalars(select(Airing).order_by(Airing.seq.desc())).first()
        lines[-1] = f"{head.seq} {head.row_hash} {lines[-1].split()[2]}"  # the attacker's head
    anchor.write_text("\n".join(lines) + "\n")
    verdict = _verdict(sealed)
    assert not verdict.ok and "row 2 differs from the hash kept in the anchor file" in (
        verdict.reason or ""
    )
