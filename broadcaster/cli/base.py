"""Shared pieces of the command line: the error boundary, settings and station, the main group."""

from __future__ import annotations

import logging
from datetime import date

import click

from broadcaster.clock import utc_now
from broadcaster.config import ConfigError, Settings, load_settings
from broadcaster.ingest import ScriptRejected
from broadcaster.lease import DaemonBusy
from broadcaster.outputs import OutputError
from broadcaster.render import RenderFailed
from broadcaster.scripts import ScriptNotFound
from broadcaster.slots import SlotError
from broadcaster.spoken import LexiconError
from broadcaster.station import NotInitialised, Station, demo_login, initialise, open_station
from broadcaster.users import UserError

USER_ERRORS = (
    ConfigError, ScriptRejected, ScriptNotFound, SlotError, OutputError, RenderFailed,
    DaemonBusy, NotInitialised, UserError, LexiconError,
)  # fmt: skip


class Group(click.Group):
    """Turns the core's errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from exc


def settings_of(ctx: click.Context) -> Settings:
    settings = ctx.obj.get("settings")
    if settings is None:
        settings = ctx.obj["settings"] = load_settings()
    return settings


def station_of(ctx: click.Context) -> Station:
    station = ctx.obj.get("station")
    if station is None:
        station = ctx.obj["station"] = open_station(settings_of(ctx))
        ctx.call_on_close(station.engine.dispose)
    return station


def local_date(raw: str | None, label: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(
            f"'{raw}' is not a date like 2024-03-31.", param_hint=label
        ) from None


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
    for noisy in ("apscheduler", "urllib3", "waitress"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)


@main.command()
@click.option(
    "--demo", is_flag=True, help="Also import, approve and render the scripts in ./scripts_vi."
)
@click.option("--admin-password", help="Password for the 'admin' user (generated when not given).")
@click.pass_context
def init(ctx: click.Context, demo: bool, admin_password: str | None) -> None:
    """Create var/ and the database here, reading slots from ./schedules/."""
    settings = settings_of(ctx)
    result = initialise(settings, admin_password, utc_now(), demo=demo)
    if result.wrote_default_slots:
        click.echo(
            f"Wrote default slots (06:00 and 17:00 daily) to {settings.schedules_path}/town.toml."
        )
    if result.created:
        click.echo(f"Created the database at {settings.db_url}.")
    else:
        click.echo(f"The database at {settings.db_url} already exists; it was kept as it is.")
    if result.demo_scripts:
        click.echo(f"Imported, approved and rendered {result.demo_scripts} sample scripts.")
    if result.admin_password:
        click.echo(f"Web login: user 'admin', password '{result.admin_password}' (write it down).")
    elif demo and demo_login(settings):
        click.echo("Web login (from the first run):\n" + demo_login(settings).strip())
