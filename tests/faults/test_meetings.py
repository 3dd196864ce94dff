"""Where paths meet, with real processes: a `broadcaster run` daemon, the `air-now`, `scripts
return` and `scripts retire` commands as their own processes, and a player that writes down
when it sounds (`player.py`), so the order of what sounded is read from the player's own log.

- An emergency during an air-now bulletin cuts it (before: it waited 1 min 46 s behind it).
- An emergency during a slot's bulletin cuts it, and the rest of the slot airs after it.
- A bulletin returned or retired while its slot runs never starts; one retired while on air
  stops (before: both started, 3.8 s after the command said they were removed).
"""

from __future__ import annotations

import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from broadcaster.config import load_settings
from tests.helpers import (
    airing_rows,
    begun_slot_file,
    cli_env,
    run_cli,
    running_daemon,
    stop_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")
# About a minute of speech: still on air after two commands start on a busy machine (a stress
# run once saw the 4-sentence version end before the emergency's `air-now` was through).
LONG = "Thông báo của Ủy ban nhân dân thị trấn về thủ tục hành chính trực tuyến. " * 12
SHORT = "Bản tin ngắn của thị trấn. Xin cảm ơn bà con."
STORM = "Khẩn cấp: bão số ba sắp đổ bộ, bà con ở trong nhà."


def _station(project: Path, database_url: str | None, bulletins: list[tuple[str, str]]) -> Path:
    """Approved, rendered bulletins (words, priority), numbered 1, 2, … in order."""
    steps: list[tuple[str, ...]] = [
        ("init", "--admin-password", "admin-pass-1"),
        ("users", "add", "Chủ tịch", "--role", "leader"),
    ]
    for number, (words, priority) in enumerate(bulletins, start=1):
        (project / f"{number}.txt").write_text(words, encoding="utf-8")
        steps.append(("scripts", "add", f"{number}.txt", "--topic", "a", "--priority", priority))
    steps += [
        ("scripts", "approve", str(n), "--by", "Chủ tịch") for n in range(1, len(bulletins) + 1)
    ]
    steps.append(("render", "--all"))
    for args in steps:
        result = run_cli(project, database_url, *args)
        assert result.returncode == 0, (args, result.stderr)
    return project / "played.log"


def _player(project: Path, log: Path) -> str:
    return f"command:{sys.executable} {PLAYER} {log} {{file}} --names {project / 'names.log'}"


def _played(project: Path) -> list[str]:
    """The files the players were given, in the order they started."""
    names = project / "names.log"
    return [line.split()[1] for line in names.read_text().splitlines()] if names.exists() else []


def _spans(log: Path) -> list[tuple[float, float]]:
    """Each player's first and last sign of sound, in the order they started."""
    spans: dict[str, tuple[float, float]] = {}
    for line in log.read_text().splitlines():
        kind, pid, moment = line.split()
        if kind != "fail":
            first, _ = spans.get(pid, (float(moment), 0.0))
            spans[pid] = (first, float(moment))
    return sorted(spans.values())


def _one_at_a_time(log: Path) -> None:
    spans = _spans(log)
    for (_, end), (start, _) in pairwise(spans):
        assert end <= start, f"two players sounded at once: {spans}"


def _air_now(project: Path, database_url: str | None, script_id: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "broadcaster.cli", "air-now", str(script_id)],
        cwd=project, env=cli_env(database_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _outcomes(project: Path, database_url: str | None) -> list[tuple[object, object]]:
    return [(r["script_id"], r["outcome"]) for r in airing_rows(project, database_url)]


def _sounding(log: Path) -> bool:
    return log.exists() and "tick" in log.read_text()


def test_an_emergency_cuts_an_air_now_bulletin_and_then_a_slot_bulletin(
    project: Path, database_url: str | None
) -> None:
    log = _station(
        project, database_url,
        [(LONG, "normal"), (STORM, "emergency"), (LONG, "normal"), (SHORT, "normal")],
    )  # fmt: skip
    tz = load_settings(project, environ={}).tz
    begun_slot_file(project, tz, seconds_ago=-3600)  # no slot during the first meeting
    with running_daemon(project, database_url, "--output", _player(project, log)) as daemon:
        bulletin = _air_now(project, database_url, 1)
        wait_for(lambda: _sounding(log), "the air-now bulletin to sound")
        status = run_cli(project, database_url, "status").stdout
        assert re.search(
            r"On air: .* \(air-now, asked by cli:\S+\) since [\d:]+ until [\d:]+\.", status
        )
        assert run_cli(project, database_url, "air-now", "2").returncode == 0  # waits for it
        bulletin.communicate(timeout=120)  # closes its pipes too
        assert _outcomes(project, database_url) == [(1, "preempted"), (2, "aired")]
        stop_daemon(daemon)
    assert bulletin.returncode != 0  # the command says the bulletin did not air to its end
    assert run_cli(project, database_url, "scripts", "retire", "1").returncode == 0

    # The second meeting: a slot of bulletins 3 and 4 has begun; the emergency cuts the first.
    begun_slot_file(project, tz, seconds_ago=1)
    with running_daemon(project, database_url, "--output", _player(project, log)) as daemon:
        wait_for(lambda: len(_played(project)) == 3, "the slot's first bulletin to sound")
        assert run_cli(project, database_url, "air-now", "2").returncode == 0
        wait_for(lambda: len(_outcomes(project, database_url)) == 5, "the rest of the slot")
        wait_for(lambda: _outcomes(project, database_url)[-1][1] != "started", "its end")
        stop_daemon(daemon)
    cut, storm, rest = _outcomes(project, database_url)[2:]
    assert (cut[1], storm, rest[1]) == ("preempted", (2, "aired"), "aired")
    assert {cut[0], rest[0]} == {3, 4}  # the cut one is not aired again; the other airs
    assert len(_played(project)) == 5
    _one_at_a_time(log)
    assert "intact" in run_cli(project, database_url, "log", "verify").stdout


def test_bulletins_returned_and_retired_while_their_slot_runs_never_start(
    project: Path, database_url: str | None
) -> None:
    log = _station(
        project, database_url,
        [(LONG, "normal"), (SHORT, "normal"), (SHORT + " Hai.", "normal"), (SHORT + " Ba.", "normal")],
    )  # fmt: skip
    begun_slot_file(project, load_settings(project, environ={}).tz, seconds_ago=1)
    with running_daemon(project, database_url, "--output", _player(project, log)) as daemon:
        wait_for(lambda: _sounding(log), "the slot's first bulletin to sound")
        returned = run_cli(
            project, database_url, "scripts", "return", "2", "--note", "Sai số liệu."
        )
        retired = run_cli(project, database_url, "scripts", "retire", "3")
        assert "draft again; removed from" in returned.stdout, returned.stdout
        assert "retired; removed from" in retired.stdout, retired.stdout
        on_air = run_cli(project, database_url, "scripts", "retire", "1")  # the one sounding
        assert on_air.returncode == 0, on_air.stderr
        wait_for(lambda: len(_outcomes(project, database_url)) == 2, "the rest of the slot")
        wait_for(lambda: _outcomes(project, database_url)[-1][1] != "started", "its end")
        stop_daemon(daemon)
    rows = airing_rows(project, database_url)
    assert [(r["script_id"], r["outcome"]) for r in rows] == [(1, "interrupted"), (4, "aired")]
    assert "taken_back" in str(rows[0]["error"])
    assert len(_played(project)) == 2  # bulletins 2 and 3 never reached a player
    _one_at_a_time(log)


def test_the_emergency_benchmark_measures_a_cut_then_the_emergency() -> None:
    from broadcaster.bench.emergency import bench_emergency

    figures = bench_emergency(rounds=1)
    assert len(figures.start_ms) == 1 and len(figures.stop_ms) == 1
    assert 0 < figures.stop_ms[0] < figures.start_ms[0]  # the bulletin stops, then it sounds
