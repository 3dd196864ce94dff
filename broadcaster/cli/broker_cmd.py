"""`broadcaster broker setup`: the installation's CA, the broker's certificate, accounts and
config under var/broker/, ready for a Mosquitto on this machine (README "Running Mosquitto as
a system service")."""

from __future__ import annotations

import getpass
import secrets

import click

from broadcaster.clusters import broker as files
from broadcaster.cli.base import Group, main, settings_of


@main.group(cls=Group)
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
    folder = settings.broker_path
    folder.mkdir(parents=True, exist_ok=True)
    ca = folder / files.CA_CERT
    if tls:
        if ca.exists():
            click.echo(f"Kept the installation's CA {ca} (the clusters already trust it).")
        else:
            files.make_ca(folder)
            click.echo(f"Made the installation's CA {ca} (its key {folder / files.CA_KEY}, 0600).")
        cert, key = files.issue_server_certificate(folder, names)
        click.echo(f"Issued the broker's certificate {cert} for {', '.join(names)}.")
    password = settings.mqtt_password
    if not password:
        password = secrets.token_urlsafe(18)
        click.echo(
            f"The station's broker password: {password}\n"
            "It is shown only now. Put it in broadcaster.toml as\n"
            f'    mqtt_password = "{password}"\n'
            "(or in the environment as BROADCASTER_MQTT_PASSWORD), then run this again "
            "whenever the clusters change."
        )
    agents = files.existing_agents(folder, settings.mqtt_user)
    files.write_accounts(
        folder, settings.mqtt_user, files.password_line(settings.mqtt_user, password),
        agents, settings.mqtt_prefix,
    )  # fmt: skip
    user = getpass.getuser()
    config = files.mosquitto_config(
        folder,
        port=settings.mqtt_port,
        # Without TLS, passwords would cross the network in clear: loopback only.
        bind="" if tls else "127.0.0.1",
        cafile=ca if tls else None,
        certfile=folder / files.SERVER_CERT if tls else None,
        keyfile=folder / files.SERVER_KEY if tls else None,
        user=user,
    )
    conf = folder / files.CONFIG_FILE
    files.write_private(conf, config)
    (folder / files.PERSISTENCE_DIR).mkdir(exist_ok=True)
    click.echo(
        f"Wrote the accounts (the station '{settings.mqtt_user}' and {len(agents)} clusters) "
        f"and {conf}.\n"
        f"Run the broker as {user} (it reads these files again on every reload):\n"
        f"    mosquitto -c {conf}\n"
        "or as a system service: see README, Running Mosquitto as a system service."
        + (f"\nGive each cluster the CA file {ca}." if tls else "")
    )
