"""The real `broadcaster agent` against the station's own side (ClusterRelay: fan-out, audio
endpoint, report intake) on a real Mosquitto and a real database: an emergency reaches the
agent, which fetches the audio with its token, plays it and confirms; the station seals it."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.clock import utc_now
from broadcaster.clusters.coordinator import ClusterRelay
from broadcaster.enums import Outcome
from broadcaster.services import clusters as service
from broadcaster.services.station import Station
from broadcaster.store.db import Airing, AirRequest
from tests.agent_station import agent_command, copy_of
from tests.broker import Broker
from tests.helpers import approved_rendered, services, wait_for
from tests.station_side import station_side, write_agent_toml

pytestmark = pytest.mark.slow


@pytest.fixture
def relayed(station: Station) -> Iterator[tuple[Station, Broker, ClusterRelay]]:
    """The station with a broker (plain MQTT on loopback) and its relay running on the real clock."""
    with station_side(station) as side:
        yield side


def test_an_emergency_from_the_station_is_played_by_the_agent_and_sealed(
    relayed: tuple[Station, Broker, ClusterRelay], tmp_path: Path
) -> None:
    station, broker, relay = relayed
    with services(station, utc_now()) as ctx:
        service.add_zone(ctx, "Thôn 1")
        issued = service.add_cluster(ctx, "thon-1", "Thôn 1")
    script_id = approved_rendered(station, utc_now(), "Thông báo khẩn: nước lên, di dời ngay.")
    folder, out = tmp_path / "agent", tmp_path / "aired"
    folder.mkdir()
    out.mkdir()
    write_agent_toml(folder, station.settings, issued, f"file:{out}")
    log = open(folder / "agent.log", "wb")
    agent = subprocess.Popen([*agent_command(), "--config", "agent.toml"], cwd=folder,
                             stdout=log, stderr=log)  # fmt: skip
    try:
        with station.sessions() as session:
            session.add(AirRequest(script_id=script_id, emergency=True, requested_at=utc_now(),
                                   requested_by="Chủ tịch"))  # fmt: skip
            session.commit()
        assert relay.send_emergencies() == 1

        def sealed() -> list[Airing]:
            relay.send_emergencies()
            with station.sessions() as session:
                rows = session.scalars(select(Airing).where(Airing.cluster == "thon-1"))
                return [r for r in rows if r.outcome == Outcome.AIRED]

        wait_for(sealed, "the agent's confirmation sealed by the station")
        row = sealed()[0]
        (played,) = list(out.iterdir())  # the file output names it by the emergency's key
        audio = copy_of(played)
        assert played.name.startswith("x-") and audio is not None
        assert hashlib.sha256(audio).hexdigest() == row.audio_sha256
        assert row.output == "cluster:thon-1" and row.started_at is not None
    finally:
        agent.terminate()
        agent.wait(60)
        log.close()


def test_a_killed_agent_is_marked_offline_at_once_by_its_last_will(
    relayed: tuple[Station, Broker, ClusterRelay], tmp_path: Path
) -> None:
    """Heartbeats keep the cluster online on the station; SIGKILL (a power cut at the cluster)
    makes the broker send the agent's last will, and the station marks it offline."""
    import os
    import signal

    from broadcaster.store.db import Cluster

    station, broker, relay = relayed
    with services(station, utc_now()) as ctx:
        service.add_zone(ctx, "Thôn 1")
        issued = service.add_cluster(ctx, "thon-1", "Thôn 1")
    folder = tmp_path / "agent"
    folder.mkdir()
    write_agent_toml(folder, station.settings, issued, "null")

    def online() -> bool:
        with station.sessions() as session:
            return bool(session.scalars(select(Cluster)).one().online)

    with open(folder / "agent.log", "wb") as log:
        agent = subprocess.Popen([*agent_command(), "--config", "agent.toml"], cwd=folder,
                                 stdout=log, stderr=log, start_new_session=True)  # fmt: skip
    try:
        wait_for(online, "the agent's heartbeat kept by the station")
        os.killpg(agent.pid, signal.SIGKILL)
        agent.wait(60)
        wait_for(lambda: not online(), "the last will marking the cluster offline")
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait(60)
