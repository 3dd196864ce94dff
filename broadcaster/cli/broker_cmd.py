"""`broadcaster broker setup`: the installation's CA, the broker's certificate, accounts and
config under var/broker/, ready for a Mosquitto on this machine (docs/installation.md "Running Mosquitto as
a system service")."""

from __future__ import annotations

import click

from broadcaster.cli.base import Group, settings_of
from broadcaster.services.broker import setup_broker


@click.group(cls=Group)
def broker() -> None:
    """The MQTT broker the loudspeaker clusters listen on (Mosquitto)."""


@broker.command("setup")
@click.option(
    "--host", "hosts", multiple=True, metavar="NAME_OR_IP",
    help="A name or IP address the clusters reach the broker by (repeat; default mqtt_host).",
)  # fmt: skip
@click.pass_context
def broker_setup(ctx: click.Context, hosts: tuple[str, ...]) -> None:
    """Write the CA (kept if present), the broker's certificate, accounts and mosquitto.conf."""
    settings = settings_of(ctx)
    names = list(hosts) or ([settings.mqtt_host.strip()] if settings.clusters_on else [])
    tls = settings.mqtt_tls == "on"
    if tls and not names:
        raise click.UsageError(
            "Give the name or IP address the clusters reach the broker by: --host NAME_OR_IP "
            "(or set mqtt_host)."
        )
    made = setup_broker(settings, names)
    if made.ca is not None:
        if made.ca_made:
            click.echo(f"Made the installation's CA {made.ca} (its key {made.ca_key}, 0600).")
        else:
            click.echo(f"Kept the installation's CA {made.ca} (the clusters already trust it).")
        click.echo(f"Issued the broker's certificate {made.certificate} for {', '.join(names)}.")
    if made.new_password:
        click.echo(
            f"The station's broker password: {made.new_password}\n"
            "It is shown only now. Put it in broadcaster.toml as\n"
            f'    mqtt_password = "{made.new_password}"\n'
            "(or in the environment as BROADCASTER_MQTT_PASSWORD), then run this again "
            "whenever the clusters change."
        )
    click.echo(
        f"Wrote the accounts (the station '{settings.mqtt_user}' and {made.agents} clusters) "
        f"and {made.config}.\n"
        f"Run the broker as {made.user} (it reads these files again on every reload):\n"
        f"    mosquitto -c {made.config}\n"
        "or as a system service: see docs/installation.md, Running Mosquitto as a system service."
        + (f"\nGive each cluster the CA file {made.ca}." if made.ca is not None else "")
    )
