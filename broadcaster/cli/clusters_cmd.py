"""`broadcaster zones add|list` and `broadcaster clusters add|list|disable`: where the
loudspeakers are, and the credentials of each cluster's agent (shown once)."""

from __future__ import annotations

import json

import click

from broadcaster.cli.base import Group, services_of
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import clusters as service


@click.group(cls=Group)
def zones() -> None:
    """Zones of the town (thôn, tổ dân phố) that slots, bulletins and air-nows can target."""


@zones.command("add")
@click.argument("name")
@click.option("--description", default="", help="What the zone covers, for people.")
@click.pass_context
def zones_add(ctx: click.Context, name: str, description: str) -> None:
    """Add a zone."""
    with services_of(ctx) as services:
        zone = service.add_zone(services, name, description)
        click.echo(f"Added zone {zone.name}.")


@zones.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def zones_list(ctx: click.Context, as_json: bool) -> None:
    """List the zones and their clusters."""
    with services_of(ctx) as services:
        found = service.zones(services.session)
    if as_json:
        rows = [{"name": z.name, "description": z.description, "clusters": list(z.clusters)}
                for z in found]  # fmt: skip
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("No zones yet: add one with 'broadcaster zones add NAME'.")
    for zone in found:
        click.echo(f"{zone.name:<24} {', '.join(zone.clusters) or '(no cluster)'}")


@zones.command("of-script")
@click.argument("script_id", type=int)
@click.argument("names", nargs=-1)
@click.pass_context
def zones_of_script(ctx: click.Context, script_id: int, names: tuple[str, ...]) -> None:
    """Air a bulletin only in these zones (no zone named: every zone)."""
    with services_of(ctx) as services:
        chosen = service.set_script_zones(services, script_id, list(names))
    where = ", ".join(chosen) if chosen else "every zone"
    click.echo(f"Script {script_id} airs in {where}.")


@click.group(cls=Group)
def clusters() -> None:
    """Loudspeaker clusters: the agents that play the programme in each zone."""


@clusters.command("add")
@click.argument("name")
@click.option("--zone", required=True, help="The zone it covers ('broadcaster zones list').")
@click.option("--lat", "latitude", type=click.FloatRange(-90, 90), help="Latitude, for the map.")
@click.option("--lon", "longitude", type=click.FloatRange(-180, 180), help="Longitude.")
@click.pass_context
def clusters_add(
    ctx: click.Context, name: str, zone: str, latitude: float | None, longitude: float | None
) -> None:
    """Add a cluster; its broker password and audio token are shown once."""
    with services_of(ctx) as services:
        if not services.settings.clusters_on:
            raise BroadcasterError(Code.CLUSTERS_OFF)
        issued = service.add_cluster(services, name, zone, latitude, longitude)
        settings = services.settings
    click.echo(
        f"Added cluster {issued.cluster} in {zone}. Its credentials are shown only now;\n"
        f"put them in the agent's agent.toml on the cluster's machine:\n\n"
        f'cluster = "{issued.cluster}"\n'
        f'password = "{issued.password}"\n'
        f'token = "{issued.token}"\n'
        f'broker_host = "{settings.mqtt_host}"\n'
        f"broker_port = {settings.mqtt_port}\n"
        f'station_url = "http://{settings.agent_api_host}:{settings.agent_api_port}"\n'
        + (
            f'tls_ca = "ca.crt"  # copy {settings.broker_path / "ca.crt"} beside agent.toml\n'
            if settings.mqtt_tls == "on"
            else "tls = false\n"
        )
        + (f'prefix = "{settings.mqtt_prefix}"\n' if settings.mqtt_prefix != "broadcaster" else "")
    )
    click.echo(_broker_state(issued.broker_updated))


def _broker_state(updated: bool) -> str:
    if updated:
        return "The broker has the new accounts (reloaded)."
    return (
        "The broker was not reloaded: run 'broadcaster broker setup' if it is not set up, "
        "or restart Mosquitto so it reads the new accounts."
    )


@clusters.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def clusters_list(ctx: click.Context, as_json: bool) -> None:
    """List the clusters by zone with their last heartbeat."""
    with services_of(ctx) as services:
        found = service.clusters(services.session)
        tz = services.settings.tz
    if as_json:
        rows = [
            {"name": c.name, "zone": c.zone, "disabled": c.disabled, "online": c.online,
             "seen_at": c.seen_at.isoformat() if c.seen_at else None,
             "clock_offset_s": c.clock_offset_s}
            for c in found
        ]  # fmt: skip
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("No clusters yet: add one with 'broadcaster clusters add NAME --zone ZONE'.")
    for c in found:
        seen = c.seen_at.astimezone(tz).strftime("%H:%M:%S %d/%m/%Y") if c.seen_at else "never"
        state = "disabled" if c.disabled else ("online" if c.online else "offline")
        click.echo(f"{c.name:<20} {c.zone:<20} {state:<8} last heard {seen}")


@clusters.command("disable")
@click.argument("name")
@click.pass_context
def clusters_disable(ctx: click.Context, name: str) -> None:
    """Disable a cluster: its token stops at once, its broker account at the reload."""
    with services_of(ctx) as services:
        updated = service.disable_cluster(services, name)
    click.echo(f"Cluster {name} is disabled. " + _broker_state(updated))
