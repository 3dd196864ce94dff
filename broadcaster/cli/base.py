"""Shared pieces of the command line: the error boundary, settings and station, the main group."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from broadcaster.clock import utc_now
from broadcaster.config import Settings, load_settings
from broadcaster.errors import BroadcasterError, Code, english
from broadcaster.services.context import Context, cli_actor
from broadcaster.services.station import (
    MigrationReport,
    Station,
    demo_login,
    initialise,
    name_town,
    open_station,
)
from broadcaster.town import is_sample, is_set


class Group(click.Group):
    """Turns the core's errors into one English sentence on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a refusal becomes its sentence, chosen by its code."""
        try:
            return super().invoke(ctx)
        except BroadcasterError as exc:
            raise click.ClickException(english(exc.code, exc.data)) from exc


# Commands that take script ids read '-1' as an id (no such script), not as an unknown option.
ID_COMMAND = {"ignore_unknown_options": True}


def existing_file(path: Path) -> Path:
    """The path of a file named on the command line, or a refusal naming what it is instead."""
    if path.is_dir():
        raise BroadcasterError(Code.FILE_FOLDER, name=path)
    if not path.is_file():
        raise BroadcasterError(Code.FILE_MISSING, name=path)
    return path


def at_most(limit: int) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A click callback refusing a value longer than its database column."""

    def check(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and len(value) > limit:
            raise click.BadParameter(f"at most {limit} characters, got {len(value)}.")
        return value

    return check


def settings_of(ctx: click.Context) -> Settings:
    """The settings, read once per command from broadcaster.toml and the environment."""
    settings = ctx.obj.get("settings")
    if settings is None:
        settings = ctx.obj["settings"] = load_settings()
    return settings


def station_of(ctx: click.Context) -> Station:
    """The opened installation (database engine and sessions), once per command."""
    station = ctx.obj.get("station")
    if station is None:
        station = ctx.obj["station"] = open_station(settings_of(ctx))
        ctx.call_on_close(station.engine.dispose)
    return station


def upgraded(report: MigrationReport) -> str:
    """One sentence on a schema upgrade and where the backup is."""
    before = report.from_revision or "the first release (unversioned)"
    backup = (
        f"; the old database was copied to {report.backup_path}"
        if report.backup_path
        else "; PostgreSQL is not backed up automatically (see docs/installation.md, Upgrading)"
    )
    return f"Upgraded the database from {before} to revision {report.to_revision}{backup}."


@contextmanager
def services_of(ctx: click.Context) -> Iterator[Context]:
    """A service context over a fresh session, closed when the command is done."""
    station = station_of(ctx)
    with station.sessions() as session:
        yield Context(station.settings, session, utc_now, actor=cli_actor())


@click.group(cls=Group)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Broadcaster: CCHC bulletins from script to the town's loudspeakers."""
    ctx.ensure_object(dict)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("apscheduler", "urllib3", "waitress", "alembic"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)


@main.command()
@click.option(
    "--demo", is_flag=True, help="Also import, approve and render the scripts in ./scripts_vi."
)
@click.option("--admin-password", help="Password for the 'admin' user (generated when not given).")
@click.option("--town", help='The commune\'s name as reports write it, e.g. "xã Yên Mỹ".')
@click.option("--province", help='Its province, e.g. "tỉnh Hưng Yên".')
@click.pass_context
def init(
    ctx: click.Context,
    demo: bool,
    admin_password: str | None,
    town: str | None,
    province: str | None,
) -> None:
    """Create var/ and the database here, reading slots from ./schedules/."""
    settings = name_town(settings_of(ctx), town, province, demo, dict(os.environ))
    ctx.obj["settings"] = settings
    result = initialise(settings, admin_password, utc_now(), demo=demo)
    if not is_set(settings.town, settings.province):
        click.echo(
            'The commune\'s name is not set: run broadcaster init --town "xã …" --province "…" '
            "(until then the web page says so and reports are refused)."
        )
    elif is_sample(settings.town, settings.province):
        click.echo(f"Sample commune name: {settings.town}, {settings.province}.")
    if result.plan_made is not None:
        click.echo(
            f"Wrote this year's plan from the template (example figures): {result.plan_made}."
        )
    if result.wrote_default_slots:
        click.echo(
            f"Wrote default slots (06:00 and 17:00 daily) to {settings.schedules_path}/town.toml."
        )
    if result.created:
        click.echo(f"Created the database at {settings.db_url_shown}.")
    elif result.migration is not None and result.migration.changed:
        click.echo(upgraded(result.migration))
    else:
        click.echo(f"The database at {settings.db_url_shown} already exists and is up to date.")
    if result.demo_scripts:
        click.echo(f"Imported, approved and rendered {result.demo_scripts} sample scripts.")
    if result.admin_password:
        click.echo(f"Web login: user 'admin', password '{result.admin_password}' (write it down).")
    elif demo and (login := demo_login(settings)):
        click.echo("Web login (from the first run):\n" + login.strip())
