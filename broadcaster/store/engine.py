"""Opening the database: the engine (SQLite in WAL mode, or PostgreSQL), the session factory,
and the tables of `tables` created where none exist. Core only until a session factory is
asked for: a command that only reads does not load the ORM (issue 25)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, TypeAlias

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import ConnectionPoolEntry

from broadcaster.store.tables import metadata

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

# What a read through Core runs on: a Connection (`broadcaster status`, without the ORM) or a
# Session (the daemon and the web page, inside their own transaction).
Reader: TypeAlias = "Connection | Session"


def make_engine(url: str, busy_seconds: float = 30) -> Engine:
    """Create the engine; SQLite gets WAL and a busy timeout so daemon and web can share it.

    `busy_seconds` is how long a statement waits for a lock: the daemon uses a short one,
    because it airs from its plan and journals the evidence rather than wait.
    """
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        connect_args: dict[str, object] = {"check_same_thread": False, "timeout": busy_seconds}
    else:
        connect_args = {"options": f"-c lock_timeout={int(busy_seconds * 1000)}"}
    engine = create_engine(url, connect_args=connect_args)
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker:
    """A session factory whose objects stay readable after commit ."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    """Create any missing tables."""
    import broadcaster.store.partial_index  # noqa: F401  (declares the index on `airing`)

    metadata.create_all(engine)
