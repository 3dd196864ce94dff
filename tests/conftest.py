"""Shared fixtures: a temporary town radio installation with a real SQLite file."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import URL, Engine, MetaData, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

from broadcaster.config import Settings, load_settings
from broadcaster.services.station import Station, initialise, open_station
from broadcaster.store.users import create_user
from tests.agent_station import hub, server, tones  # noqa: F401  (fixtures of the agent tests)
from tests.broker import broker, tls_broker  # noqa: F401  (fixtures: a real Mosquitto)
from tests.icecast import icecast  # noqa: F401  (a fixture: a real Icecast, for relays)

# Hypothesis: no per-example deadline (a busy machine is slow, not wrong). `make test` runs the
# default number of examples; `make test-stress` runs the "stress" profile, thousands per
# property and state machine (docs/development.md).
hypothesis_settings.register_profile("default", deadline=None)
hypothesis_settings.register_profile(
    "stress", deadline=None, max_examples=5000, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile(os.environ.get("BROADCASTER_HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "test-admin-pass"
# The leader who approves in tests (scripts approve --by must name a leader account).
LEADER, LEADER_PASSWORD = "Chủ tịch", "lanh-dao-thu-nghiem"
TOWN, PROVINCE = "thị trấn Yên Mỹ", "tỉnh Hưng Yên"
FIXED_NOW = datetime(2024, 3, 11, 2, 0, tzinfo=timezone.utc)  # Monday 09:00 in Hà Nội


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with the repo's schedules and sample scripts, as a town PC would have."""
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    shutil.copytree(REPO / "scripts_vi", tmp_path / "scripts_vi")
    # The commune is named, as `init --town … --province …` leaves it (the reports need it).
    (tmp_path / "broadcaster.toml").write_text(
        f'town = "{TOWN}"\nprovince = "{PROVINCE}"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("BROADCASTER_"):
            monkeypatch.delenv(name)
    return tmp_path


# Database tests run on SQLite always, and on PostgreSQL when a server is given.
DATABASE_MODULES = {
    "test_daemon", "test_reliability", "test_programme", "test_migrations", "test_one_voice",
    "test_tamper", "test_kill_points", "test_web_search", "test_report",
    "test_web_planning", "test_clusters", "test_slot_migration", "test_slot_service",
    "test_web_slots", "test_rule_service", "test_web_rules", "test_date_rules",
    "test_relay_slots", "test_relay_air",
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
    _create_database(name)
    yield _database_url(name)
    _drop_database(name)


def _admin() -> Engine:
    """One engine on the PostgreSQL server's admin database, for this worker."""
    global _ADMIN
    if _ADMIN is None:
        _ADMIN = create_engine(PG_ADMIN_URL or "", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    return _ADMIN


_ADMIN: Engine | None = None


def _database_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    return make_url(PG_ADMIN_URL or "").set(database=name).render_as_string(hide_password=False)


def _create_database(name: str) -> None:
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))


def _clone_database(url: URL, template: str) -> None:
    """Replace the (empty) database of `url` by a copy of `template`."""
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"'))


def _drop_database(name: str) -> None:
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(project: Path, database_url: str | None) -> Settings:
    """Settings for the project folder; the offline voice so tests never wait on the network."""
    overrides = {"engine": "espeak", "output": "file:var/aired"}
    if database_url:
        overrides["database_url"] = database_url
    return load_settings(project, environ={}, overrides=overrides)


def _initialise_station(settings: Settings) -> None:
    """What every test station holds: the database, the admin user, the leader, the slots."""
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    opened = open_station(settings)
    with opened.sessions() as session:
        create_user(session, LEADER, LEADER_PASSWORD, "leader")
        session.commit()
    opened.engine.dispose()


class StationTemplates:
    """Initialised stations made once per test worker and copied for each test.

    Initialising (migrations, two password hashes) costs most of a second; copying a SQLite
    file or cloning a PostgreSQL database from a template costs a few milliseconds. A copy
    is exactly what initialise would have made, as long as the slot files are the repo's:
    a test whose schedules differ gets its own initialise."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: dict[tuple[str, str], str] = {}  # (backend, schedules) -> file or database
        self.schedules = _folder_digest(REPO / "schedules")

    def fill(self, settings: Settings) -> None:
        """Give `settings` an initialised station, from the template when one fits."""
        if _folder_digest(settings.schedules_path) != self.schedules:
            _initialise_station(settings)
            return
        url = make_url(settings.db_url)
        backend = url.get_backend_name()
        key = (backend, self.schedules)
        if key not in self.made:
            self.made[key] = self._make(settings, backend)
        settings.var_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        (settings.var_path / "aired").mkdir(exist_ok=True)
        if backend == "sqlite":
            database = Path(url.database or "")
            shutil.copyfile(self.made[key], database)
            database.chmod(0o600)
        else:
            _clone_database(url, self.made[key])

    def _make(self, settings: Settings, backend: str) -> str:
        """Initialise a template of this backend; its file (SQLite) or database name."""
        project = self.root / f"{backend}-{len(self.made)}"
        shutil.copytree(REPO / "schedules", project / "schedules")
        overrides = {"engine": "espeak", "output": "file:var/aired"}
        name = ""
        if backend != "sqlite":
            name = f"broadcaster_template_{uuid.uuid4().hex[:12]}"
            _create_database(name)
            overrides["database_url"] = _database_url(name)
        template = load_settings(project, environ={}, overrides=overrides)
        _initialise_station(template)
        if backend != "sqlite":
            return name
        database = make_url(template.db_url).database or ""
        with sqlite3.connect(database) as conn:  # everything into the one file
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return database

    def drop(self) -> None:
        """Drop the PostgreSQL templates (the SQLite ones go with the temporary folder)."""
        for (backend, _), name in self.made.items():
            if backend != "sqlite":
                _drop_database(name)


def _folder_digest(folder: Path) -> str:
    """One hash of every file under `folder`, by relative name and content."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def station_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StationTemplates]:
    """This worker's initialised stations, made on first use."""
    templates = StationTemplates(tmp_path_factory.mktemp("station-templates"))
    yield templates
    templates.drop()


@pytest.fixture
def station(settings: Settings, station_templates: StationTemplates) -> Iterator[Station]:
    """An initialised installation (admin user, the leader "Chủ tịch", slots, no scripts)."""
    station_templates.fill(settings)
    opened = open_station(settings)
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
