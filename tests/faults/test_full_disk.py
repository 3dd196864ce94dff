"""A full disk under var/: `status` still answers in a sentence, and (to come) the air goes on.

var/ (database, audio, ledger) is a 30 MB tmpfs that the test fills to the last byte.
Mounting needs root: elsewhere these tests are skipped with that reason, unless
BROADCASTER_REQUIRE_TMPFS is set (CI runs as root, where they must run).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from broadcaster.clock import utc_now
from broadcaster.services.station import Station
from tests.helpers import (
    approved_rendered,
    begun_slot_file,
    planned_entries,
    run_cli,
    running_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")


class Disk:
    """The small filesystem that holds var/, and a file that takes up all of its space."""

    def __init__(self, var: Path) -> None:
        self.var = var
        self.filler = var / "filler"

    def fill(self) -> None:
        """Write until the filesystem refuses another byte."""
        with open(self.filler, "ab", buffering=0) as out:
            for size in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        out.write(b"\0" * size)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
        assert os.statvfs(self.var).f_bavail == 0

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def disk(project: Path) -> Iterator[Disk]:
    """A 30 MB tmpfs mounted on the project's var/ before the station is made in it."""
    required = bool(os.environ.get("BROADCASTER_REQUIRE_TMPFS"))
    if os.geteuid() != 0:
        if required:
            pytest.fail("BROADCASTER_REQUIRE_TMPFS is set but the tests do not run as root")
        pytest.skip("needs root to mount a tmpfs")
    var = project / "var"
    var.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=30m", "tmpfs", str(var)],
        capture_output=True, text=True,
    )  # fmt: skip
    if mounted.returncode != 0:
        if required:
            pytest.fail(f"could not mount a tmpfs: {mounted.stderr.strip()}")
        pytest.skip(f"could not mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield Disk(var)
    finally:
        subprocess.run(["umount", "--lazy", str(var)], check=True)


def _no_traceback(done: subprocess.CompletedProcess[str]) -> str:
    """The command's output, once it is clear that it answered with sentences."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    return done.stdout + done.stderr


def test_status_on_a_full_disk_says_the_disk_is_full(
    disk: Disk, station: Station, project: Path
) -> None:
    approved_rendered(station, utc_now(), "Bản tin thứ nhất. Bà con nộp hồ sơ tại nhà.")
    station.engine.dispose()  # nobody holds the database open: on a full disk it cannot be opened
    disk.fill()
    for args in (("status",), ("status", "--json")):
        said = _no_traceback(run_cli(project, None, *args))
        assert f"the disk that holds {disk.var.resolve()} is full" in said, said
    disk.free()
    said = _no_traceback(run_cli(project, None, "status"))
    assert "Disk:" in said and "FULL" not in said, said  # it answers again, from the database


def test_status_while_the_daemon_runs_on_a_full_disk_shows_the_full_disk(
    disk: Disk, station: Station, project: Path
) -> None:
    with running_daemon(project, None, "--output", "null"):
        disk.fill()
        done = run_cli(project, None, "status")
    said = _no_traceback(done)
    assert done.returncode == 0, said
    assert "The disk is FULL" in said


@contextmanager
def _daemon_before_slot(
    project: Path, station: Station, disk: Disk, output: str
) -> Iterator[float]:
    """A daemon that is ready, then a full disk, before a slot starts; yield the slot's start.

    A machine too busy to get there before the slot gets a longer lead.
    """
    for lead in (12, 30, 90):
        start = begun_slot_file(project, station.settings.tz, seconds_ago=-lead).timestamp()
        with running_daemon(project, None, "--output", output):
            # render-ahead plans the day at start; a town's slots are planned hours ahead
            wait_for(lambda: planned_entries(project) > 0, "the slot to be planned", limit=30)
            disk.fill()
            if time.time() < start - 0.5:
                yield start
                return
        disk.free()
    raise AssertionError("the daemon was never ready before a slot, even with 90 s of lead")


@pytest.fixture
def brief_audio(project: Path) -> None:
    """Bulletins of a second or two: no chime before and after."""
    (project / "broadcaster.toml").write_text('intro = ""\noutro = ""\n', encoding="utf-8")


def test_a_slot_that_comes_on_a_full_disk_is_still_aired_once(
    brief_audio: None, disk: Disk, station: Station, project: Path
) -> None:
    """The `started` rows cannot be committed: the bulletins air from the plan, their
    evidence waits in memory (the journal file cannot be written either), and once space
    is freed it is written, and the daemon still serves a request (before, the scheduler's
    thread died on its job store and nothing aired again)."""
    now = utc_now()
    script_ids = [
        approved_rendered(station, now, f"Bản tin số {n}. Xin cảm ơn bà con.") for n in (1, 2)
    ]
    log = project / "played.log"  # outside var/: the player's notes are not on the full disk
    output = f"command:{sys.executable} {PLAYER} {log} {{file}}"
    with _daemon_before_slot(project, station, disk, output) as start:
        wait_for(
            lambda: log.exists() and log.read_text().count("end ") == 2,
            "both bulletins to play in full", limit=start - time.time() + 15,
        )  # fmt: skip
        disk.free()
        handed = run_cli(project, None, "air-now", str(script_ids[0]), "--wait", "30")
        assert handed.returncode == 0, handed.stdout + handed.stderr  # the daemon still works
    lines = [line.split() for line in log.read_text().splitlines()]
    assert [kind for kind, _, _ in lines if kind != "tick"] == ["start", "end"] * 3
    said = run_cli(project, None, "log", "verify")
    assert "intact" in said.stdout, said.stdout + said.stderr
