"""Schema versions: bring a town's database up to this code's schema in place, after a backup.

Alembic keeps the revisions (`broadcaster/store/migrations/versions`); this module decides what
to do with the database in front of it. A database without Alembic's version table is
recognised by its tables and columns (the schema of each known revision), stamped and
upgraded; one this code does not know is refused and left as it is. Every upgrade runs in
one transaction, so a process killed half-way leaves the old schema and data behind.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sqlalchemy import (
    URL,
    Connection,
    Engine,
    column,
    create_engine,
    event,
    inspect,
    make_url,
    select,
    table,
)
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from broadcaster.config import Settings
from broadcaster.errors import BroadcasterError, Code
from broadcaster.store.migrations import FOREIGN_TABLES, revisions_in_order

if TYPE_CHECKING:  # Alembic loads only to change a schema, not to check one (issue 25)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

logger = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
# A schema fingerprint: each table's name and the names of its columns.
Fingerprint = dict[str, frozenset[str]]


@dataclass(frozen=True)
class MigrationReport:
    """What `upgrade_database` found and did."""

    from_revision: str | None  # None: the database was empty
    to_revision: str
    # The database had no version table and was recognised by its tables, then stamped.
    stamped_baseline: bool
    backup_path: Path | None

    @property
    def changed(self) -> bool:
        """Whether the schema or its version stamp changed."""
        return self.stamped_baseline or self.from_revision != self.to_revision


@dataclass(frozen=True)
class _State:
    """The database as found: its revision (None when empty) and whether it was stamped."""

    revision: str | None
    versioned: bool


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration made in code, running on `connection` (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def alembic_scripts() -> ScriptDirectory:
    """Alembic's own view of the revisions (tests check `known_revisions` against it)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this code knows."""
    return known_revisions()[-1]


def known_revisions() -> list[str]:
    """Every revision this code knows, oldest first."""
    return list(revisions_in_order())


@lru_cache(maxsize=1)
def _fingerprints() -> dict[str, Fingerprint]:
    """The tables and columns of each known revision, by running them on an in-memory SQLite."""
    from alembic import command

    engine = _migration_engine(make_url("sqlite://"))
    found: dict[str, Fingerprint] = {}
    try:
        with engine.begin() as conn:
            config = alembic_config(conn)
            for revision in known_revisions():
                command.upgrade(config, revision)
                found[revision] = _fingerprint(conn)
    finally:
        engine.dispose()
    return found


def _fingerprint(conn: Connection) -> Fingerprint:
    inspector = inspect(conn)
    return {
        name: frozenset(column["name"] for column in inspector.get_columns(name))
        for name in inspector.get_table_names()
        if name not in FOREIGN_TABLES and name != VERSION_TABLE
    }


def _differences(found: Fingerprint, known: Fingerprint) -> list[str]:
    missing = sorted(known.keys() - found.keys())
    extra = sorted(found.keys() - known.keys())
    changed = sorted(name for name in found.keys() & known.keys() if found[name] != known[name])
    return (
        ([f"no table {', '.join(missing)}"] if missing else [])
        + ([f"unknown table {', '.join(extra)}"] if extra else [])
        + ([f"other columns in {', '.join(changed)}"] if changed else [])
    )


def _read_state(conn: Connection, shown: str) -> _State:
    """Which known revision the database is at; refuse a newer or unrecognised one."""
    tables = set(inspect(conn).get_table_names()) - FOREIGN_TABLES
    if VERSION_TABLE in tables:
        # Read directly: Alembic's own reader logs at INFO on every command.
        stamps: list[str] = list(
            conn.scalars(select(column("version_num")).select_from(table(VERSION_TABLE)))
        )
        for revision in stamps:
            if revision not in known_revisions():
                raise BroadcasterError(Code.SCHEMA_NEWER, url=shown, revision=revision)
        if len(stamps) > 1:
            raise BroadcasterError(
                Code.SCHEMA_UNKNOWN, url=shown, detail=f"several versions: {', '.join(stamps)}"
            )
        if stamps:
            return _State(stamps[0], versioned=True)
    found = _fingerprint(conn)
    if not found:
        return _State(None, versioned=False)
    nearest: list[str] | None = None
    for revision, known in reversed(_fingerprints().items()):
        differences = _differences(found, known)
        if not differences:
            return _State(revision, versioned=False)
        if nearest is None or len(differences) < len(nearest):
            nearest = differences
    raise BroadcasterError(Code.SCHEMA_UNKNOWN, url=shown, detail="; ".join(nearest or []))


def _migration_engine(url: URL) -> Engine:
    """An engine whose transactions hold DDL too, so one upgrade commits or rolls back whole."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url)
    # pysqlite would run DDL outside any transaction; SQLAlchemy's documented recipe: let
    # the driver begin nothing and say BEGIN ourselves (IMMEDIATE: take the write lock now).
    # Foreign keys stay off here: SQLite's batch mode drops and re-creates referenced tables.
    in_memory = {"poolclass": StaticPool} if not url.database else {}
    engine = create_engine(url, connect_args={"timeout": 30}, **in_memory)

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(
        dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry
    ) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _backup(conn: Connection, settings: Settings, now: datetime, revision: str) -> Path | None:
    """Copy a SQLite database with SQLite's online backup; other servers are backed up by hand."""
    if conn.dialect.name != "sqlite" or not conn.engine.url.database:
        return None
    folder = settings.var_path / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"broadcaster-{stamp}-{revision}.db"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"broadcaster-{stamp}-{revision}-{number}.db"
    # A second connection reads the last committed state; ours holds the write lock, so no
    # one can change the database between this copy and the upgrade.
    source = sqlite3.connect(conn.engine.url.database, timeout=30)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return path


def upgrade_database(
    settings: Settings,
    engine: Engine,
    now: datetime,
    slot_files: Callable[[], list[dict[str, object]]] | None = None,
) -> MigrationReport:
    """Create an empty database at head, or back up and upgrade an older one, in one transaction.

    `slot_files` gives the rows of the station's schedule files, imported once by 0015."""
    from alembic import command

    shown = engine.url.render_as_string(hide_password=True)
    head = head_revision()
    migrator = _migration_engine(engine.url)
    try:
        with migrator.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two processes starting at once: the second waits, then finds nothing to do.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242017)")
            state = _read_state(conn, shown)
            if state.versioned and state.revision == head:
                return MigrationReport(head, head, False, None)
            backup = (
                None if state.revision is None else _backup(conn, settings, now, state.revision)
            )
            config = alembic_config(conn)
            config.attributes["slot_files"] = slot_files
            if state.revision is not None and not state.versioned:
                command.stamp(config, state.revision)
            command.upgrade(config, "head")
    finally:
        migrator.dispose()
    stamped = state.revision is not None and not state.versioned
    report = MigrationReport(state.revision, head, stamped, backup)
    logger.info(
        "database at %s: %s -> %s (backup %s)", shown, state.revision or "empty", head, backup
    )
    return report


def downgrade_database(engine: Engine, revision: str) -> None:
    """Step the schema back to `revision` ('base' for nothing) in one transaction, or refuse."""
    from alembic import command

    migrator = _migration_engine(engine.url)
    try:
        with migrator.begin() as conn:
            command.downgrade(alembic_config(conn), revision)
    finally:
        migrator.dispose()


def check_database(engine: Engine, url_shown: str) -> None:
    """Refuse a database that is empty, older or newer than this code, or not ours."""
    with engine.connect() as conn:
        state = _read_state(conn, url_shown)
    if state.revision is None:
        raise BroadcasterError(Code.NOT_INITIALISED, url=url_shown)
    if not state.versioned or state.revision != head_revision():
        raise BroadcasterError(Code.SCHEMA_OUTDATED, url=url_shown)
