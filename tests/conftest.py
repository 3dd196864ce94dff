"""Shared fixtures: a temporary town radio installation with a real SQLite file."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, select

from broadcaster.config import Settings, load_settings
from broadcaster.station import Station, initialise, open_station

REPO = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "test-admin-pass"
FIXED_NOW = datetime(2024, 3, 11, 2, 0, tzinfo=timezone.utc)  # Monday 09:00 in Hà Nội


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with the repo's schedules and sample scripts, as a town PC would have."""
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    shutil.copytree(REPO / "scripts_vi", tmp_path / "scripts_vi")
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("BROADCASTER_"):
            monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture
def settings(project: Path) -> Settings:
    """Settings for the project folder; the offline voice so tests never wait on the network."""
    return load_settings(
        project, environ={}, overrides={"engine": "espeak", "output": "file:var/aired"}
    )


@pytest.fixture
def station(settings: Settings) -> Station:
    """An initialised installation (admin user, slots, empty script table)."""
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    opened = open_station(settings)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def runner(project: Path) -> CliRunner:
    """Click's runner; commands run in the project folder with the offline voice."""
    return CliRunner(env={"BROADCASTER_ENGINE": "espeak", "BROADCASTER_OUTPUT": "file:var/aired"})


def db_snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, to show that a refused action changed nothing."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        snapshot = {
            name: sorted(map(tuple, conn.execute(select(table))), key=repr)
            for name, table in meta.tables.items()
        }
    engine.dispose()
    return snapshot
