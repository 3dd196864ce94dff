"""The files under deploy/ that docs/installation.md shows: the systemd units pass
`systemd-analyze verify` and start real commands, each file shown is the file in deploy/, and a
copy made by deploy/backup.sh restores into a station whose log verifies."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from datetime import timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from broadcaster.cli import main
from broadcaster.daemon.process import Daemon
from broadcaster.onair.outputs import NullOutput
from broadcaster.programme.slots import parse_slots
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
INSTALLATION = REPO / "docs" / "installation.md"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
INSTALLED = "/opt/broadcaster/bin/broadcaster"  # where docs/installation.md installs it
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def test_each_deploy_file_is_shown_in_the_installation_guide_as_it_is() -> None:
    """The guide links every file under deploy/ and shows its text unchanged."""
    guide = INSTALLATION.read_text(encoding="utf-8")
    # each link [`deploy/NAME`](../deploy/NAME), then the first code block after it
    shown = dict(
        re.findall(r"\[`(deploy/[^`]+)`\]\(\.\./\1\)(?:(?!```).)*?\n```\w*\n(.*?)```", guide, re.S)
    )
    files = sorted(p.relative_to(REPO).as_posix() for p in DEPLOY.rglob("*") if p.is_file())
    assert sorted(shown) == files
    for name, block in shown.items():
        assert block == (REPO / name).read_text(encoding="utf-8"), name


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_starts_a_command_the_program_has(unit: Path) -> None:
    """ExecStart names the installed console script and one of its commands."""
    line = re.search(r"^ExecStart=(.+)$", unit.read_text(encoding="utf-8"), re.MULTILINE)
    assert line is not None
    program, command, *_ = shlex.split(line.group(1))
    assert program == INSTALLED and command in main.list_commands(click.Context(main))


@pytest.fixture
def analyze() -> str:
    """systemd-analyze, or a skip; CI sets BROADCASTER_REQUIRE_SYSTEMD so it cannot skip there."""
    if SYSTEMD_ANALYZE:
        return SYSTEMD_ANALYZE
    if os.environ.get("BROADCASTER_REQUIRE_SYSTEMD"):
        pytest.fail("BROADCASTER_REQUIRE_SYSTEMD is set but systemd-analyze is not installed")
    pytest.skip("systemd-analyze not installed (apt-get install systemd)")


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_passes_systemd_analyze_verify(unit: Path, analyze: str, tmp_path: Path) -> None:
    """Verified as written, with ExecStart pointed at this checkout's console script.

    systemd-analyze refuses a unit whose program is not there, and only warns (exit code 0) for
    an unknown key or a bad value: so any output at all fails the test.
    """
    here = Path(sys.executable).parent / "broadcaster"
    assert here.exists()
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text(encoding="utf-8").replace(INSTALLED, str(here)))
    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_a_backup_restores_into_a_station_whose_log_verifies(  # type: ignore[no-untyped-def]
    station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An airing sealed, a copy taken with deploy/backup.sh, restored as the guide says."""
    approved_rendered(station, FIXED_NOW, "Thông báo lịch tiếp công dân. Xin cảm ơn.")
    morning = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")
    aired_at = FIXED_NOW + timedelta(seconds=5)  # 09:00:05 in Hà Nội
    Daemon(
        station.settings, station.sessions, morning, NullOutput(),
        clock=lambda: aired_at, sleep=lambda _: None,
    ).air_slot("Sáng")  # fmt: skip
    home = station.settings.base_dir
    assert list((home / "var" / "ledger").glob("*.log"))

    backups = tmp_path / "backups"
    made = subprocess.run(
        ["sh", str(DEPLOY / "backup.sh"), str(home), str(backups)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "BROADCASTER_PYTHON": sys.executable},
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    copy = Path(made.stdout.strip())
    assert sorted(p.name for p in copy.iterdir()) == ["broadcaster.db", "files.tar"]

    restored = tmp_path / "restored"
    restored.mkdir()
    with tarfile.open(copy / "files.tar") as files:
        names = files.getnames()
        files.extractall(restored, filter="data")
    assert "./var/broadcaster.db" not in names and "./var/ledger" in names
    shutil.copyfile(copy / "broadcaster.db", restored / "var" / "broadcaster.db")

    monkeypatch.chdir(restored)
    verified = CliRunner().invoke(main, ["log", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "The airing log is intact: 1 airing(s)" in verified.output


def test_the_backup_refuses_a_station_without_its_database(tmp_path: Path) -> None:
    """A station on PostgreSQL (no var/broadcaster.db) must name its URL: nothing is written."""
    result = subprocess.run(
        ["sh", str(DEPLOY / "backup.sh"), str(tmp_path), str(tmp_path / "backups")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and "for PostgreSQL give its URL" in result.stderr
    assert not (tmp_path / "backups").exists()
