"""The daemon airs a real slot a few seconds ahead, once, and leaves evidence that matches the audio."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.config import load_settings
from broadcaster.daemon.process import Daemon
from broadcaster.notes import english
from broadcaster.onair.lease import DaemonBusy
from broadcaster.onair.outputs import FileOutput, NullOutput
from broadcaster.programme.slots import parse_slots
from broadcaster.store.db import Airing, DaemonLease, ProgrammeEntry
from broadcaster.store.renderings import file_sha256
from tests.conftest import FIXED_NOW
from tests.helpers import (
    airing_rows,
    approved_rendered,
    begun_slot_file,
    run_cli,
    running_daemon,
    stop_daemon,
    wait_for,
)

BULLETIN = "Thông báo của Ủy ban nhân dân thị trấn.\nBà con nộp hồ sơ trực tuyến tại nhà."


@pytest.mark.slow
def test_script_file_to_aired_log_row_whose_hash_matches_what_the_output_received(
    project: Path, database_url: str | None
) -> None:
    """The whole path with real processes: file in, approved, rendered, aired by the daemon, logged."""
    (project / "ban-tin.txt").write_text(BULLETIN, encoding="utf-8")
    assert (
        run_cli(project, database_url, "init", "--admin-password", "admin-pass-1").returncode == 0
    )
    assert (
        run_cli(project, database_url, "users", "add", "Chủ tịch", "--role", "leader").returncode
        == 0
    )
    added = run_cli(
        project, database_url, "scripts", "add", "ban-tin.txt", "--topic", "c", "--json"
    )
    script_id = json.loads(added.stdout)[0]["id"]
    approved = run_cli(
        project, database_url, "scripts", "approve", str(script_id), "--by", "Chủ tịch"
    )
    assert approved.returncode == 0, approved.stderr
    assert run_cli(project, database_url, "render", str(script_id)).returncode == 0
    tz = load_settings(project, environ={}).tz
    slot_start = begun_slot_file(project, tz, seconds_ago=1)
    with running_daemon(project, database_url) as daemon:
        wait_for(
            lambda: any(r["outcome"] == "aired" for r in airing_rows(project, database_url)),
            "the slot to be aired",
        )
        assert "1 airing(s)" in stop_daemon(daemon)
    assert daemon.returncode == 0

    rows = json.loads(run_cli(project, database_url, "log", "--json").stdout)
    assert len(rows) == 1
    row = rows[0]
    assert row["outcome"] == "aired" and row["script_id"] == script_id and row["slot"] == "Thử"
    assert datetime.fromisoformat(row["planned_start"]) == slot_start
    assert datetime.fromisoformat(row["started_at"]) >= slot_start
    received = list((project / "var" / "aired").glob("*.mp3"))
    assert len(received) == 1
    assert file_sha256(received[0]) == row["audio_sha256"]
    script = json.loads(
        run_cli(project, database_url, "scripts", "show", str(script_id), "--json").stdout
    )
    assert script["status"] == "approved"


@pytest.mark.slow
def test_a_second_daemon_on_the_same_database_is_refused(
    project: Path, database_url: str | None
) -> None:
    assert (
        run_cli(project, database_url, "init", "--admin-password", "admin-pass-1").returncode == 0
    )
    with running_daemon(project, database_url, "--output", "null") as first:
        second = run_cli(project, database_url, "run", "--output", "null", "--for", "1")
        assert second.returncode == 1
        assert "Another daemon" in second.stderr and f"pid {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
        stop_daemon(first)
    assert first.returncode == 0
    # The first daemon released its lease on SIGTERM, so a new one starts at once.
    assert run_cli(project, database_url, "run", "--output", "null", "--for", "1").returncode == 0


def test_air_slot_airs_each_entry_once_even_when_fired_twice(station, project: Path) -> None:  # type: ignore[no-untyped-def]
    first = approved_rendered(station, FIXED_NOW, BULLETIN)
    second = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    slot = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")[0]
    clock_time = [FIXED_NOW + timedelta(seconds=5)]  # 09:00:05 local on Monday
    (project / "drop").mkdir()
    output = FileOutput(project / "drop")
    daemon = Daemon(
        station.settings,
        station.sessions,
        [slot],
        output,
        clock=lambda: clock_time[0],
    )
    results = daemon.air_slot("Sáng")
    assert [(r.script_id, r.outcome) for r in results] == [(first, "aired"), (second, "aired")]
    clock_time[0] += timedelta(seconds=30)
    assert daemon.air_slot("Sáng") == []  # a late second firing finds both entries aired
    with station.sessions() as session:
        airings = session.scalars(select(Airing).order_by(Airing.id)).all()
        assert len(airings) == 2 and len({a.programme_entry_id for a in airings}) == 2
        assert all(a.planned_start == FIXED_NOW for a in airings)
        assert session.query(ProgrammeEntry).count() == 2
    assert len(list((project / "drop").glob("*.mp3"))) == 2


def test_a_failing_output_is_retried_within_the_slot_and_each_failure_logged(
    station, project: Path
) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.onair.airing import MAX_ATTEMPTS
    from broadcaster.onair.command_output import CommandOutput

    approved_rendered(station, FIXED_NOW, BULLETIN)
    slot = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")[0]
    waits: list[float] = []
    daemon = Daemon(
        station.settings, station.sessions, [slot], CommandOutput("false"),
        clock=lambda: FIXED_NOW, sleep=waits.append,
    )  # fmt: skip
    (result,) = daemon.air_slot("Sáng")
    assert result.outcome == "failed" and "exited with code 1" in english(result.error)
    assert len(waits) == MAX_ATTEMPTS - 1
    with station.sessions() as session:
        rows = session.scalars(select(Airing).order_by(Airing.id)).all()
        assert [(r.attempt, r.outcome) for r in rows] == [
            (n, "failed") for n in range(1, MAX_ATTEMPTS + 1)
        ]
        assert all(
            r.ended_at is not None and r.programme_entry_id == rows[0].programme_entry_id
            for r in rows
        )
    # Settling or a late firing later in the slot does not start a fresh round of attempts.
    assert daemon.air_slot("Sáng") == []
    with station.sessions() as session:
        assert session.query(Airing).count() == MAX_ATTEMPTS


def test_a_retry_that_works_airs_once(station, project: Path) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.onair.command_output import CommandOutput

    approved_rendered(station, FIXED_NOW, BULLETIN)
    flag = project / "second-time"
    player = f"sh -c 'test -e {flag} || {{ touch {flag}; exit 3; }}'"
    slot = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")[0]
    daemon = Daemon(
        station.settings, station.sessions, [slot], CommandOutput(player),
        clock=lambda: FIXED_NOW, sleep=lambda _: None,
    )  # fmt: skip
    (result,) = daemon.air_slot("Sáng")
    assert result.outcome == "aired"
    with station.sessions() as session:
        rows = session.scalars(select(Airing).order_by(Airing.id)).all()
        assert [(r.attempt, r.outcome) for r in rows] == [(1, "failed"), (2, "aired")]
        assert "exited with code 3" in english(rows[0].error)
    assert daemon.air_slot("Sáng") == []  # aired: never again


def test_a_slot_that_is_already_over_airs_nothing(station) -> None:  # type: ignore[no-untyped-def]
    approved_rendered(station, FIXED_NOW, BULLETIN)
    slot = parse_slots('[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = 30\n', "t.toml")[0]
    daemon = Daemon(
        station.settings,
        station.sessions,
        [slot],
        NullOutput(),
        clock=lambda: FIXED_NOW,
    )
    assert daemon.air_slot("Sáng") == []


def test_rows_left_started_become_interrupted_and_lease_is_checked(station) -> None:  # type: ignore[no-untyped-def]
    script_id = approved_rendered(station, FIXED_NOW, BULLETIN)
    with station.sessions() as session:
        session.add(
            Airing(
                script_id=script_id,
                planned_start=FIXED_NOW,
                started_at=FIXED_NOW,
                outcome="started",
            )
        )
        session.add(  # a cluster playing it: only its agent's report may close this one
            Airing(
                script_id=script_id, planned_start=FIXED_NOW, started_at=FIXED_NOW,
                outcome="started", cluster="cum-1", cluster_entry="e1",
            )
        )  # fmt: skip
        session.add(
            DaemonLease(id=1, holder="other-host pid 1", heartbeat_at=datetime.now(timezone.utc))
        )
        session.commit()
    later = (datetime.now(station.settings.tz) + timedelta(hours=3)).strftime("%H:%M")
    slot = parse_slots(f'[[slot]]\nname = "Sáng"\nstart = "{later}"\nminutes = 30\n', "t.toml")[0]
    daemon = Daemon(station.settings, station.sessions, [slot], NullOutput())  # none due now
    with pytest.raises(DaemonBusy, match="other-host pid 1"):
        daemon.run(threading.Event(), 0.1)
    with station.sessions() as session:
        assert {a.outcome for a in session.scalars(select(Airing))} == {"started"}
        session.get_one(DaemonLease, 1).heartbeat_at = datetime.now(timezone.utc) - timedelta(
            minutes=5
        )
        session.commit()
    daemon.run(threading.Event(), 0.1)  # a stale lease is taken over
    with station.sessions() as session:
        row, cluster_row = session.scalars(select(Airing).order_by(Airing.id))
        assert row.outcome == "interrupted" and "stopped" in english(row.error)
        assert cluster_row.outcome == "started"  # the station's restart says nothing of it


@pytest.mark.slow
def test_a_slot_that_began_while_the_daemon_was_down_airs_late_within_the_grace(
    project: Path, database_url: str | None
) -> None:
    """A daemon started inside a slot's grace airs it late, once (a restart at 06:00:30)."""
    (project / "ban-tin.txt").write_text(BULLETIN, encoding="utf-8")
    for args in (
        ("init", "--admin-password", "admin-pass-1"),
        ("users", "add", "Chủ tịch", "--role", "leader"),
        ("scripts", "add", "ban-tin.txt", "--topic", "a"),
        ("scripts", "approve", "1", "--by", "Chủ tịch"),
        ("render", "1"),
    ):
        assert run_cli(project, database_url, *args).returncode == 0
    slot_start = begun_slot_file(project, load_settings(project, environ={}).tz, seconds_ago=30)
    with running_daemon(project, database_url) as daemon:
        wait_for(lambda: airing_rows(project, database_url), "the late slot to start airing")
        wait_for(
            lambda: airing_rows(project, database_url)[0]["outcome"] != "started",
            "the late airing to end",
        )
        stop_daemon(daemon)
    (row,) = json.loads(run_cli(project, database_url, "log", "--json").stdout)
    assert row["outcome"] == "aired"
    assert datetime.fromisoformat(row["planned_start"]) == slot_start
    assert datetime.fromisoformat(row["started_at"]) >= slot_start + timedelta(seconds=30)
    assert row["error_code"] == "late_daemon_started"  # the late start says why
    assert "the daemon started at" in row["error"]
    # Started again within the same slot, the daemon does not air it a second time.
    with running_daemon(project, database_url) as again:
        assert "0 airing(s)" in stop_daemon(again)
    assert len(airing_rows(project, database_url)) == 1


def test_a_clock_stepped_back_is_recorded_and_the_jobs_are_re_armed(station) -> None:  # type: ignore[no-untyped-def]
    """An NTP step back of an hour leaves APScheduler's next run times an hour ahead of the
    new clock: settling, the journal and render-ahead would sleep for that hour. The
    heartbeat sees the step (wall against monotonic) and re-arms them, and says so."""
    import dataclasses
    import time

    from broadcaster.clock import StepWatch
    from broadcaster.store.db import Problem

    settings = dataclasses.replace(station.settings, lease_seconds=6)  # a heartbeat a second
    slots = parse_slots('[[slot]]\nname = "Xa"\nstart = "03:00"\nminutes = 1\n', "t.toml")
    daemon = Daemon(settings, station.sessions, slots, NullOutput())
    offset = [0.0]
    daemon.steps = StepWatch(wall=lambda: time.time() + offset[0])
    stop, ready = threading.Event(), threading.Event()
    runner = threading.Thread(target=daemon.run, args=(stop, None, ready.set))
    runner.start()
    try:
        wait_for(ready.is_set, "the daemon")
        later = datetime.now(timezone.utc) + timedelta(hours=1)
        daemon.scheduler.modify_job("settle_job", jobstore="memory", next_run_time=later)
        offset[0] = -3600.0  # the step: what the scheduler's next run times now look like

        def stepped() -> list[str]:
            with station.sessions() as session:
                return [english(p.message) for p in session.scalars(select(Problem))]

        wait_for(lambda: any("stepped by -3600 s" in m for m in stepped()), "the step's problem")
        settle = daemon.scheduler.get_job("settle_job", jobstore="memory")
        assert settle.next_run_time < datetime.now(timezone.utc) + timedelta(minutes=2)
    finally:
        stop.set()
        runner.join()
    (said,) = [m for m in stepped() if "stepped" in m]
    assert "re-armed its jobs" in said and "NTP" in said
