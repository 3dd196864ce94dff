"""`broadcaster init`: create var/ and the database, and the first admin."""

from __future__ import annotations

import os

import click

from broadcaster.cli.base import settings_of, upgraded
from broadcaster.clock import utc_now
from broadcaster.services.station import demo_login, initialise, name_town
from broadcaster.town import is_sample, is_set


@click.command()
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
    """Create var/ and the database here, importing slots from ./schedules/ when it creates it."""
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
