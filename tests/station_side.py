"""The station's real side of the loudspeaker clusters for the tests that run the real agent
against it: a broker (plain MQTT on loopback) and `ClusterRelay` on the machine's clock, and
the `agent.toml` a cluster gets (the lines `clusters add` prints, plus tls off, the output and
a quick heartbeat). Used by tests/agent/test_agent_with_station.py and test_relay_with_station.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from broadcaster.clock import utc_now
from broadcaster.clusters.coordinator import ClusterRelay
from broadcaster.config import Settings
from broadcaster.services import clusters as service
from broadcaster.services.station import Station, open_station
from tests.broker import Broker, free_port, require_mosquitto
from tests.helpers import wait_for


@contextmanager
def station_side(
    station: Station, **more: object
) -> Iterator[tuple[Station, Broker, ClusterRelay]]:
    """The station with its broker and its side of the clusters running (`more`: settings)."""
    require_mosquitto()
    broker = Broker(station.settings.broker_path)
    settings = dataclasses.replace(
        station.settings, mqtt_host=broker.host, mqtt_port=broker.port, mqtt_tls="off",
        mqtt_password=broker.station_password, agent_api_port=free_port(), **more,
    )  # fmt: skip
    opened = open_station(settings)
    relay = ClusterRelay(settings, opened.sessions, utc_now)
    try:
        broker.start()
        relay.start()
        wait_for(relay.link.ready.is_set, "the station connected to the broker")
        yield opened, broker, relay
    finally:
        relay.stop()
        broker.kill()
        opened.engine.dispose()


def write_agent_toml(folder: Path, settings: Settings, issued: service.Credentials,
                     output: str) -> None:  # fmt: skip
    """The agent's settings file in `folder`, for the cluster `issued`, playing to `output`."""
    (folder / "agent.toml").write_text(
        f'cluster = "{issued.cluster}"\npassword = "{issued.password}"\n'
        f'token = "{issued.token}"\nbroker_host = "{settings.mqtt_host}"\n'
        f"broker_port = {settings.mqtt_port}\ntls = false\n"
        f'station_url = "http://127.0.0.1:{settings.agent_api_port}"\n'
        f'output = "{output}"\nheartbeat_seconds = 1\n'
    )
