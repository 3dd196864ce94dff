"""The station: one installation's settings, database and slots, opened once at an entry point."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, make_url, select
from sqlalchemy.exc import IntegrityError, OperationalError

from broadcaster import town as names
from broadcaster.config import Settings, load_settings
from broadcaster.errors import BroadcasterError, Code
from broadcaster.programme.slot_rows import file_rows
from broadcaster.programme.slots import DEFAULT_SLOTS_TOML, load_slots
from broadcaster.reports.plan import write_from_template
from broadcaster.store.authors import DEMO_AUTHOR
from broadcaster.store.engine import make_engine, make_session_factory
from broadcaster.store.migrate import MigrationReport as MigrationReport
from broadcaster.store.migrate import check_database, upgrade_database
from broadcaster.store.tables import user_account

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

DEMO_LOGIN_FILE = "demo-login.txt"


class NotInitialised(BroadcasterError):
    """The database is missing, unreachable, or not at this version's schema."""


@dataclass
class Station:
    """An open installation: settings plus database engine and session factory (made, with
    the ORM, on first use: `broadcaster status` reads through the engine alone)."""

    settings: Settings
    engine: Engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory of the engine."""
        return make_session_factory(self.engine)

    def secret_key(self) -> str:
        """The web session key, made once and kept under var/."""
        path = self.settings.var_path / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()


def _why(exc: OperationalError) -> str:
    """What the driver said (its first line: psycopg adds a hint), and what to do about it."""
    detail = str(exc.orig or exc).strip().splitlines()[0].rstrip(".")
    said = detail.lower()
    if "locked" in said:
        return detail + " (another program holds it: close that program or wait, then start again)"
    if any(word in said for word in ("refused", "timeout", "timed out", "resolve", "no route")):
        return detail + (" (check that the database server is running and reachable, and the "
                         "database_url in broadcaster.toml, then start again)")  # fmt: skip
    return detail


def _unreachable(shown: str, exc: OperationalError) -> NotInitialised:
    """The refusal for a database that does not answer: its URL (password masked) and why."""
    return NotInitialised(Code.DATABASE_UNREACHABLE, url=shown, detail=_why(exc))


def _connect(settings: Settings) -> tuple[Engine, str]:
    """The engine of an existing Broadcaster database and its URL fit to show, or refuse."""
    url = make_url(settings.db_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        # connecting would create an empty file
        raise NotInitialised(Code.NOT_INITIALISED, url=shown)
    engine = make_engine(settings.db_url)
    try:
        ready = inspect(engine).has_table("script")
    except OperationalError as exc:
        engine.dispose()
        raise _unreachable(shown, exc) from exc
    if not ready:
        engine.dispose()
        raise NotInitialised(Code.NOT_INITIALISED, url=shown)
    return engine, shown


def open_station(settings: Settings) -> Station:
    """Open an initialised installation at this code's schema, or raise NotInitialised."""
    engine, shown = _connect(settings)
    try:
        check_database(engine, shown)
    except BroadcasterError as exc:
        engine.dispose()
        raise NotInitialised(exc.code, **exc.data) from exc
    return Station(settings, engine)


# How long the daemon's statements wait for a lock before it airs from its plan and
# journals the evidence instead.
DAEMON_BUSY_SECONDS = 2.0


def unreachable(settings: Settings, exc: OperationalError) -> BroadcasterError:
    """The one sentence for a database that is locked or does not answer."""
    return BroadcasterError(Code.DATABASE_UNREACHABLE, url=settings.db_url_shown, detail=_why(exc))


def open_station_for_daemon(settings: Settings, now: datetime) -> tuple[Station, MigrationReport]:
    """Open an initialised installation for `broadcaster run`, upgrading its schema first."""
    engine, _shown = _connect(settings)
    try:
        report = upgrade_database(settings, engine, now, lambda: file_rows(settings.schedules_path))
    except BroadcasterError as exc:
        engine.dispose()
        raise NotInitialised(exc.code, **exc.data) from exc
    except OperationalError as exc:  # locked by another program, or the server is down
        engine.dispose()
        raise unreachable(settings, exc) from exc
    engine.dispose()  # the upgrade may wait for locks; airing does not (see journal.py)
    engine = make_engine(settings.db_url, busy_seconds=DAEMON_BUSY_SECONDS)
    return Station(settings, engine), report


@dataclass(frozen=True)
class InitReport:
    """What `initialise` did."""

    created: bool
    admin_password: str | None
    wrote_default_slots: bool
    demo_scripts: int
    migration: MigrationReport | None = None
    plan_made: Path | None = None  # this year's plan file, made from the template


def initialise(
    settings: Settings, admin_password: str | None, now: datetime, demo: bool = False
) -> InitReport:
    """Create var/, the database, the admin user and (demo) the sample bulletins; safe to repeat.

    Everything is checked before anything is made, and several `init`s started at once
    (a service manager, a script on each of several PCs) end with one database, one set of
    slots and one admin user, whose generated password exactly one of them prints.
    """
    from broadcaster.store.users import check_password  # argon2 and the ORM: only for init

    if admin_password is not None:
        check_password(admin_password, "admin")  # the rule of create_user, before anything
    wrote_slots = False
    if not settings.schedules_path.exists():
        settings.schedules_path.mkdir(parents=True)
        (settings.schedules_path / "town.toml").write_text(DEFAULT_SLOTS_TOML, encoding="utf-8")
        wrote_slots = True
    load_slots(settings.schedules_path)  # refuse bad slot files before creating anything
    url = make_url(settings.db_url)
    if url.get_backend_name() == "sqlite":
        # var/ is the owner's only (the database, secret key and logins); the database is
        # made 0600 before SQLite makes it (it gives its -wal and -shm files the same mode)
        settings.var_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings.var_path.chmod(0o700)
        database = Path(url.database or ":memory:")
        if database.parent.is_dir() and database.name != ":memory:":
            os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
            database.chmod(0o600)
    engine = make_engine(settings.db_url)
    try:
        try:
            migration = upgrade_database(
                settings, engine, now, lambda: file_rows(settings.schedules_path)
            )
        except OperationalError as exc:
            raise _unreachable(url.render_as_string(hide_password=True), exc) from exc
        except BroadcasterError as exc:
            raise NotInitialised(exc.code, **exc.data) from exc
        settings.var_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings.var_path.chmod(0o700)
        (settings.var_path / "aired").mkdir(exist_ok=True)  # the default drop folder
        created = migration.changed and migration.from_revision is None
        sessions = make_session_factory(engine)  # the upgrade imported the slot files (0015)
        password = _first_admin(sessions, admin_password, now)
        demo_count = _import_demo(settings, sessions, now) if demo and created else 0
    finally:
        engine.dispose()
    if demo and password:
        login = settings.var_path / DEMO_LOGIN_FILE
        login.write_text(f"user: admin\npassword: {password}\n", encoding="utf-8")
        login.chmod(0o600)
    local_year = now.astimezone(settings.tz).year
    plan = write_from_template(settings.schedules_path / "plans", local_year)
    return InitReport(created, password, wrote_slots, demo_count, migration, plan)


def name_town(
    settings: Settings, town: str | None, province: str | None, demo: bool, environ: dict[str, str]
) -> Settings:
    """Write the commune's name and province (those given) into the settings file; `demo`
    gives the sample names while none is set. The settings, read again."""
    values = {key: value for key, value in (("town", town), ("province", province)) if value}
    if demo and not values and not names.is_set(settings.town, settings.province):
        values = {"town": names.SAMPLE_TOWN, "province": names.SAMPLE_PROVINCE}
    if not values:
        return settings
    names.write_names(names.settings_file(settings.base_dir, environ), values)
    return load_settings(settings.base_dir, environ)


def _first_admin(
    sessions: sessionmaker[Session], admin_password: str | None, now: datetime
) -> str | None:
    """Create the admin user when there is no user yet; its password, or None if one existed.

    A generated password is changed at the first login (and demo-login.txt goes then)."""
    from broadcaster.store.users import UserError, create_user, new_password

    with sessions() as session:
        if session.scalar(select(user_account.c.id).limit(1)) is not None:
            return None
        password = admin_password or new_password()
        try:
            create_user(
                session, "admin", password, "admin", must_change=admin_password is None, now=now
            )
            session.commit()
        except IntegrityError:  # another init made it between our look and our write
            return None
        except UserError as exc:
            if exc.code != Code.USER_EXISTS:
                raise
            return None
    return password


def _import_demo(settings: Settings, sessions: sessionmaker[Session], now: datetime) -> int:
    """Add, approve and render the sample scripts in ./scripts_vi."""
    from broadcaster.intake.parse import parse_script
    from broadcaster.services import audio, scripts
    from broadcaster.services.context import Context

    folder = settings.base_dir / "scripts_vi"
    files = sorted(p for p in folder.glob("*") if p.suffix in (".txt", ".md", ".docx"))
    items = [parse_script(path.read_bytes(), path.name) for path in files]
    with sessions() as session:
        ctx = Context(settings, session, lambda: now)
        added = scripts.add_scripts(ctx, items, DEMO_AUTHOR)
        for script in added:
            scripts.approve_script(ctx, script.id, "admin")
        audio.render_scripts(ctx, [script.id for script in added])
    return len(files)


def demo_login(settings: Settings) -> str | None:
    """The demo login written at init, if any."""
    path = settings.var_path / DEMO_LOGIN_FILE
    return path.read_text(encoding="utf-8") if path.exists() else None
