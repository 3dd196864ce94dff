"""One voice on air: a paused daemon is taken over, and when it wakes it stays silent.

Real processes throughout: two `broadcaster run` daemons, a player that writes down
when it sounds, SIGSTOP past the lease and SIGCONT after the takeover.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from broadcaster.config import load_settings
from tests.helpers import (
    airing_rows,
    begun_slot_file,
    run_cli,
    running_daemon,
    stop_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow

BULLETIN = "Thông báo của Ủy ban nhân dân thị trấn. Bà con nộp hồ sơ trực tuyến tại nhà. "
PLAYER = Path(__file__).with_name("player.py")
LEASE_SECONDS = "6"


def _lease_age(project: Path, database_url: str | None) -> float:
    engine = create_engine(database_url or f"sqlite:///{project / 'var' / 'broadcaster.db'}")
    try:
        with engine.connect() as conn:
            beat = conn.execute(text("SELECT heartbeat_at FROM daemon_lease")).scalar_one()
    finally:
        engine.dispose()
    if isinstance(beat, str):
        beat = datetime.fromisoformat(beat)
    return (datetime.now(timezone.utc) - beat.replace(tzinfo=timezone.utc)).total_seconds()


def _sounding(log: Path) -> dict[int, tuple[float, float]]:
    """Each player's first and last sign of sound, from its own log lines."""
    spans: dict[int, tuple[float, float]] = {}
    for line in log.read_text().splitlines():
        _, pid, moment = line.split()
        first, _last = spans.get(int(pid), (float(moment), float(moment)))
        spans[int(pid)] = (first, float(moment))
    return spans


def _station_on_air(
    project: Path, database_url: str | None, bulletins: list[str]
) -> tuple[Path, str]:
    """Approved, rendered bulletins in a slot that has begun; the play log and player spec."""
    names = []
    for number, words in enumerate(bulletins, start=1):
        (project / f"{number}.txt").write_text(words, encoding="utf-8")
        names.append(f"{number}.txt")
    steps = [
        ("init", "--admin-password", "admin-pass-1"),
        ("users", "add", "Chủ tịch", "--role", "leader"),
        ("scripts", "add", *names, "--topic", "a"),
    ]
    steps += [("scripts", "approve", str(n), "--by", "Chủ tịch") for n in range(1, len(names) + 1)]
    steps.append(("render", "--all"))
    for args in steps:
        assert run_cli(project, database_url, *args).returncode == 0, args
    begun_slot_file(project, load_settings(project, environ={}).tz, seconds_ago=1)
    log = project / "played.log"
    return log, f"command:{sys.executable} {PLAYER} {log} {{file}}"


def test_a_paused_daemon_is_taken_over_and_never_plays_again(
    project: Path, database_url: str | None
) -> None:
    (project / "broadcaster.toml").write_text(f"lease_seconds = {LEASE_SECONDS}\n")
    log, player = _station_on_air(
        project, database_url, [BULLETIN * 5, "Bản tin thứ hai. Xin cảm ơn bà con."]
    )

    with running_daemon(project, database_url, "--output", player) as first:
        wait_for(lambda: log.exists() and "tick" in log.read_text(), "the first bulletin to sound")
        os.kill(first.pid, signal.SIGSTOP)
        wait_for(
            lambda: _lease_age(project, database_url) > float(LEASE_SECONDS),
            "the paused daemon's lease to run out",
        )
        with running_daemon(project, database_url, "--output", player) as second:
            wait_for(
                lambda: (
                    [r["outcome"] for r in airing_rows(project, database_url)]
                    == ["interrupted", "aired"]
                ),
                "the new daemon to finish the slot",
            )
            os.kill(first.pid, signal.SIGCONT)  # it wakes up inside someone else's slot
            first.wait()
            stop_daemon(second)
        assert second.returncode == 0
    assert first.returncode == 1  # it found the new epoch and stopped, with a sentence

    rows = airing_rows(project, database_url)
    assert [(r["script_id"], r["outcome"], r["epoch"]) for r in rows] == [
        (1, "interrupted", 1),  # cut when the new daemon took over; never aired again
        (2, "aired", 2),
    ]
    spans = sorted(_sounding(log).values())
    assert len(spans) == 2
    (_, first_silent), (second_sounds, _) = spans
    assert first_silent < second_sounds, "two players sounded at the same time"
    assert "intact" in run_cli(project, database_url, "log", "verify").stdout


def test_kill_9_of_the_daemon_silences_the_loudspeaker_at_once(
    project: Path, database_url: str | None
) -> None:
    log, player = _station_on_air(project, database_url, [BULLETIN * 5])
    with running_daemon(project, database_url, "--output", player) as daemon:
        wait_for(lambda: log.exists() and "tick" in log.read_text(), "the bulletin to sound")
        os.kill(daemon.pid, signal.SIGKILL)  # the daemon only: its player is its own group
        daemon.wait()
        killed_at = datetime.now(timezone.utc).timestamp()
        wait_for(lambda: "end" in log.read_text() or _quiet_since(log, 1.5), "silence")
    assert "end" not in log.read_text()  # it never played to the end
    (_, last_sound) = next(iter(_sounding(log).values()))
    assert last_sound - killed_at < 1.0


def _quiet_since(log: Path, seconds: float) -> bool:
    last = float(log.read_text().splitlines()[-1].split()[2])
    return datetime.now(timezone.utc).timestamp() - last > seconds


@pytest.mark.parametrize(
    "shape",
    ["{player} | cat", "{player}; true"],
    ids=["a pipeline", "a player with a child"],
)
def test_kill_9_silences_a_player_started_through_a_shell_children_too(
    project: Path, shape: str
) -> None:
    """`sh -c` forks the player as its child: the daemon's death must reach it too."""
    log, _ = _station_on_air(project, None, [BULLETIN * 5])
    inner = shape.format(player=f"{sys.executable} {PLAYER} {log} {{file}}")
    with running_daemon(project, None, "--output", f"command:sh -c '{inner}'") as daemon:
        wait_for(lambda: log.exists() and "tick" in log.read_text(), "the bulletin to sound")
        os.kill(daemon.pid, signal.SIGKILL)
        daemon.wait()
        killed_at = datetime.now(timezone.utc).timestamp()
        wait_for(lambda: "end" in log.read_text() or _quiet_since(log, 1.5), "silence")
    assert "end" not in log.read_text()
    (_, last_sound) = next(iter(_sounding(log).values()))
    assert last_sound - killed_at < 1.0, "the player's child played on after the daemon died"


def test_the_next_daemon_silences_a_player_the_database_has_no_record_of(
    project: Path,
) -> None:
    """A daemon paused while the database lost its player's record (it was down when the
    player started): the next daemon on this machine finds the group on disk and silences it
    before it airs anything."""
    (project / "broadcaster.toml").write_text(f"lease_seconds = {LEASE_SECONDS}\n")
    log, player = _station_on_air(project, None, [BULLETIN * 5, "Bản tin thứ hai. Xin cảm ơn."])
    database = project / "var" / "broadcaster.db"
    with running_daemon(project, None, "--output", player) as first:
        wait_for(lambda: log.exists() and "tick" in log.read_text(), "the first bulletin to sound")
        os.kill(first.pid, signal.SIGSTOP)
        engine = create_engine(f"sqlite:///{database}")
        with engine.begin() as conn:  # as if the record had never reached the database
            conn.execute(text("UPDATE daemon_lease SET player_pgid = NULL"))
        engine.dispose()
        wait_for(lambda: _lease_age(project, None) > float(LEASE_SECONDS), "the lease to lapse")
        with running_daemon(project, None, "--output", player) as second:
            wait_for(
                lambda: [r["outcome"] for r in airing_rows(project, None)][-1:] == ["aired"],
                "the new daemon to air the rest",
            )
            os.kill(first.pid, signal.SIGCONT)
            first.wait()
            stop_daemon(second)
    spans = sorted(_sounding(log).values())
    assert len(spans) == 2
    (_, first_silent), (second_sounds, _) = spans
    assert first_silent < second_sounds, "the orphan played on under the new daemon's bulletin"
