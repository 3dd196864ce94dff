"""Shared fixtures: a temporary town radio installation with a real SQLite file."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, make_url, select, text

from broadcaster.config import Settings, load_settings
from broadcaster.services.station import Station, initialise, open_station
from broadcaster.store.users import create_user

from tests.agent_station import hub, server, tones  # noqa: F401  (fixtures of the agent tests)
from tests.broker import broker, tls_broker  # noqa: F401  (fixtures: a real Mosquitto)

REPO = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "test-admin-pass"
# The leader who approves in tests (scripts approve --by must name a leader account).
LEADER, LEADER_PASSWORD = "Chủ tịch", "lanh-dao-thu-nghiem"
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


# Database tests run on SQLite always, and on PostgreSQL when a server is given.
DATABASE_MODULES = {
    "test_daemon", "test_reliability", "test_programme", "test_migrations", "test_one_voice",
    "test_tamper", "test_kill_points", "test_web_search", "test_report",
    "test_web_planning", "test_clusters",
}  # fmt: skip
PG_ADMIN_URL = os.environ.get("BROADCASTER_TEST_DATABASE_URL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the database modules once per backend."""
    if "database_url" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        both = module in DATABASE_MODULES or metafunc.definition.get_closest_marker(
            "both_databases"
        )
        backends = ["sqlite", "postgresql"] if both else ["sqlite"]
        metafunc.parametrize("database_url", backends, indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None for the default SQLite file, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    if not PG_ADMIN_URL:
        if os.environ.get("BROADCASTER_REQUIRE_POSTGRES"):
            pytest.fail(
                "BROADCASTER_REQUIRE_POSTGRES is set but BROADCASTER_TEST_DATABASE_URL is not"
            )
        pytest.skip(
            "no PostgreSQL server given (set BROADCASTER_TEST_DATABASE_URL to run these on one)"
        )
    name = f"broadcaster_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(project: Path, database_url: str | None) -> Settings:
    """Settings for the project folder; the offline voice so tests never wait on the network."""
    overrides = {"engine": "espeak", "output": "file:var/aired"}
    if database_url:
        overrides["database_url"] = database_url
    return load_settings(project, environ={}, overrides=overrides)


@pytest.fixture
def station(settings: Settings) -> Station:
    """An initialised installation (admin user, the leader "Chủ tịch", slots, no scripts)."""
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    opened = open_station(settings)
    with opened.sessions() as session:
        create_user(session, LEADER, LEADER_PASSWORD, "leader")
        session.commit()
    yield opened
    opened.engine.dispose()


@pytest.fixture
def runner(project: Path, database_url: str | None) -> CliRunner:
    """Click's runner; commands run in the project folder with the offline voice."""
    env = {"BROADCASTER_ENGINE": "espeak", "BROADCASTER_OUTPUT": "file:var/aired"}
    if database_url:
        env["BROADCASTER_DATABASE_URL"] = database_url
    return CliRunner(env=env)


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
