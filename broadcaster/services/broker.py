"""The MQTT broker's files under var/broker/: the installation's CA (kept once made), the
broker's certificate, the accounts (the station and every cluster) and mosquitto.conf, ready
for a Mosquitto on this machine (`broadcaster broker setup`)."""

from __future__ import annotations

import getpass
import secrets
from dataclasses import dataclass
from pathlib import Path

from broadcaster.clusters import broker as files
from broadcaster.config import Settings


@dataclass(frozen=True)
class BrokerFiles:
    """What was written, for the person who runs the broker."""

    ca: Path | None  # None without TLS
    ca_made: bool  # False: an existing CA was kept (the clusters already trust it)
    ca_key: Path
    certificate: Path | None
    names: list[str]
    new_password: str | None  # generated now: shown once, then kept in broadcaster.toml
    agents: int
    config: Path
    user: str  # the system account the broker should run as


def setup_broker(settings: Settings, names: list[str]) -> BrokerFiles:
    """Write the CA (kept if present), the broker's certificate, accounts and mosquitto.conf."""
    tls = settings.mqtt_tls == "on"
    folder = settings.broker_path
    folder.mkdir(parents=True, exist_ok=True)
    ca = folder / files.CA_CERT
    ca_made = False
    certificate = None
    if tls:
        if not ca.exists():
            files.make_ca(folder)
            ca_made = True
        certificate, _key = files.issue_server_certificate(folder, names)
    password = settings.mqtt_password
    new_password = None if password else secrets.token_urlsafe(18)
    agents = files.existing_agents(folder, settings.mqtt_user)
    files.write_accounts(
        folder, settings.mqtt_user, files.password_line(settings.mqtt_user, password or new_password or ""),
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
    return BrokerFiles(
        ca if tls else None, ca_made, folder / files.CA_KEY, certificate, names, new_password,
        len(agents), conf, user,
    )  # fmt: skip
