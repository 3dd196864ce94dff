"""`broadcaster init`: create var/ and the database, and the first admin."""

from __future__ import annotations

import click

from broadcaster.cli.base import settings_of, upgraded
from broadcaster.clock import utc_now
from broadcaster.services.station import demo_login, initialise


@click.command()
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
