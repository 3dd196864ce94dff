"""A read-only audio folder under a real daemon: what is intact airs, the rest says why.

The audio folder is bind-mounted read-only (root ignores file modes, so a chmod would
prove nothing). One bulletin's file was damaged before: it cannot be rendered again into
that folder. The daemon must air the other bulletin, record a problem for the damaged
one, and never crash the slot (the campaign saw an uncaught OSError end the slot after
bulletin 1, so bulletin 3, whose audio was intact, never aired).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.clock import utc_now
from broadcaster.notes import english
from broadcaster.services.station import Station
from broadcaster.store.db import Problem, Rendering
from tests.helpers import approved_rendered, begun_slot_file, running_daemon, stop_daemon, wait_for

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")


@pytest.fixture
def read_only(station: Station) -> Iterator[Path]:
    """The station's audio folder, bind-mounted read-only over itself (root only)."""
    folder = station.settings.audio_dir
    required = bool(os.environ.get("BROADCASTER_REQUIRE_TMPFS"))  # the same root-only mounts
    if os.geteuid() != 0:
        if required:
            pytest.fail("BROADCASTER_REQUIRE_TMPFS is set but the tests do not run as root")
        pytest.skip("needs root to bind-mount a folder read-only")
    done = subprocess.run(
        ["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        if required:
            pytest.fail(f"could not bind-mount {folder}: {done.stderr.strip()}")
        pytest.skip(f"could not bind-mount {folder}: {done.stderr.strip()}")
    try:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True
        )
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def test_a_read_only_audio_folder_airs_what_is_intact_and_records_why(
    station: Station, project: Path, request: pytest.FixtureRequest
) -> None:
    (project / "broadcaster.toml").write_text('intro = ""\noutro = ""\n', encoding="utf-8")
    now = utc_now()
    damaged = approved_rendered(station, now, "Bản tin có tệp âm thanh bị hỏng. Xin cảm ơn.")
    intact = approved_rendered(station, now, "Bản tin còn nguyên vẹn. Xin cảm ơn bà con.")
    with station.sessions() as session:
        for rendering in session.scalars(select(Rendering).where(Rendering.script_id == damaged)):
            path = station.settings.var_path / rendering.audio_path
            path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])  # cut in half
    request.getfixturevalue("read_only")  # from now on nothing can be written there
    assert not os.access(station.settings.audio_dir, os.W_OK) or _really_read_only(station)
    log = project / "played.log"
    names = project / "played-files.log"
    begun_slot_file(project, station.settings.tz, seconds_ago=1)
    player = f"command:{sys.executable} {PLAYER} {log} {{file}} --names {names}"
    with running_daemon(project, None, "--output", player) as daemon:
        wait_for(lambda: log.exists() and "end" in log.read_text(), "the intact bulletin to play")
        wait_for(lambda: _problems(station), "the problem to be recorded")
        stop_daemon(daemon)
    assert daemon.returncode == 0
    played = [line.split()[1] for line in names.read_text().splitlines()]
    with station.sessions() as session:
        kept = session.scalars(select(Rendering).where(Rendering.script_id == intact)).one()
    assert played == [Path(kept.audio_path).name]  # the intact one, once; the damaged never
    problems = _problems(station)  # render-ahead and the slot each tried, and said why
    assert problems and all(
        f"Audio of script {damaged}" in p and "could not be re-rendered" in p for p in problems
    ), problems


def _problems(station: Station) -> list[str]:
    with station.sessions() as session:
        return [english(p.message) for p in session.scalars(select(Problem))]


def _really_read_only(station: Station) -> bool:
    try:
        (station.settings.audio_dir / "probe").write_bytes(b"x")
    except OSError:
        return True
    return False
