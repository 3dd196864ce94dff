"""A relay slot from the station to a loudspeaker cluster, every part real: the station's side
(ClusterRelay: the programme, the re-publishing to its own Icecast mount, the report intake) on
a real Mosquitto, a real Icecast fed by ffmpeg as the upper station, a real database and the
real `broadcaster agent`. The slot is kept as the page keeps it; the agent plays the station's
mount from the slot's start and the station seals what it received. Mid-slot the upper station
goes down: the station fills its mount with the slot's fallback, and the cluster hears no gap;
then the slot is deleted: the agent stops, the station's mount ends.

The station's jobs are called as the daemon's scheduler calls them (programmes every 15 s, the
mounts every 5 s); times are the machine's (the agent plays by its own clock), and nothing is
timed: the test waits for the sealed rows with a deadline for a busy machine.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import select

from broadcaster.clock import utc_now
from broadcaster.clusters.coordinator import ClusterRelay
from broadcaster.enums import Outcome, SlotKind
from broadcaster.evidence.verify import verify
from broadcaster.notes import english
from broadcaster.programme.slots import SlotDef
from broadcaster.services import clusters as service
from broadcaster.services import reports
from broadcaster.services.station import Station
from broadcaster.store.db import Airing
from tests.agent_station import agent_command
from tests.broker import Broker
from tests.helpers import services, use_slots, wait_for
from tests.icecast import SOURCE_PASSWORD, Icecast, icecast, make_tone  # noqa: F401  (fixture)
from tests.station_side import station_side, write_agent_toml

pytestmark = pytest.mark.slow
LEAD_S = 8.0  # the slot starts this long after the test begins: programme sent, mount up
SLOT_MINUTES = 1
UPPER_DOWN_S, DELETED_S = 4.0, 20.0  # into the slot: the upper station stops; the slot goes


@pytest.fixture
def relayed(
    station: Station,
    icecast: Icecast,  # noqa: F811
) -> Iterator[tuple[Station, Broker, ClusterRelay]]:
    """The station with a broker and its own Icecast for the clusters, its side running."""
    source = f"http://source:{SOURCE_PASSWORD}@127.0.0.1:{icecast.port}"
    with station_side(station, relay_icecast=source) as side:
        yield side


def relay_slot_soon(station: Station, url: str, fallback: Path) -> datetime:
    """A one-off relay slot for Thôn 1 starting LEAD_S from now (local time, to the second)."""
    start = (utc_now() + timedelta(seconds=LEAD_S)).replace(microsecond=0)
    local = start.astimezone(station.settings.tz)
    slot = SlotDef(
        "Tiếp sóng VOV1", (), local.time(), SLOT_MINUTES, zones=("Thôn 1",), on_date=local.date(),
        kind=SlotKind.RELAY, url=url, fallback=str(fallback),
    )  # fmt: skip
    use_slots(station, [slot])
    return start


def start_agent(
    station: Station, folder: Path, issued: service.Credentials
) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    out = folder / "aired"
    out.mkdir(parents=True)
    write_agent_toml(folder, station.settings, issued, f"file:{out}")
    log = open(folder / "agent.log", "wb")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen([*agent_command(), "--config", "agent.toml"], cwd=folder,
                               stdout=log, stderr=log)  # fmt: skip
    return process, log


def test_a_relay_slot_reaches_the_cluster_through_the_stations_mount_and_is_sealed(
    relayed: tuple[Station, Broker, ClusterRelay],
    icecast: Icecast,  # noqa: F811
    tmp_path: Path,
) -> None:
    station, _, relay = relayed
    upper = icecast.feed("/vov1.mp3")
    fallback = make_tone(tmp_path / "fallback.mp3", seconds=3.0)
    with services(station, utc_now()) as ctx:
        service.add_zone(ctx, "Thôn 1")
        service.add_zone(ctx, "Thôn 2")
        issued = service.add_cluster(ctx, "thon-1", "Thôn 1")
        service.add_cluster(ctx, "thon-2", "Thôn 2")  # another zone: not sent the relay
    url = icecast.url("/vov1.mp3").replace("http://", "http://tram:bi-mat@")
    start = relay_slot_soon(station, url, fallback)
    agent, log = start_agent(station, tmp_path / "agent", issued)
    upper_down, deleted = False, None

    def sealed() -> list[Airing]:
        nonlocal upper_down, deleted
        relay.send_programmes()  # the daemon's jobs, as its scheduler runs them
        relay.republish()
        into = (utc_now() - start).total_seconds()
        if not upper_down and into > UPPER_DOWN_S:
            upper.kill()  # the upper station goes down mid-slot
            upper_down = True
        if deleted is None and into > DELETED_S:
            use_slots(station, [])  # the slot deleted on the page mid-relay
            deleted = utc_now()
        with station.sessions() as session:
            rows = session.scalars(select(Airing).where(Airing.cluster.is_not(None))).all()
            session.expunge_all()
        return [r for r in rows if r.outcome != Outcome.STARTED]

    try:
        wait_for(sealed, "the cluster's relay sealed by the station", limit=LEAD_S + 120)
        (row,) = sealed()
        relay.republish()
        feeds_left = list(relay.republisher.feeds)
    finally:
        agent.terminate()
        agent.wait(60)
        log.close()
    assert (row.cluster, row.kind, row.outcome, row.attempt) == (
        "thon-1",
        "relay",
        "interrupted",
        1,
    )
    assert row.error is not None and "the station withdrew the relay" in english(row.error)
    assert (row.script_id, row.slot_name) == (None, "Tiếp sóng VOV1")
    assert row.relay_url == icecast.url("/vov1.mp3")  # the upper station, without credentials
    # it started at the slot's start (the agent's clock is this machine's), before the delete
    assert deleted is not None and row.started_at is not None
    assert start - timedelta(seconds=1) <= row.started_at < deleted
    # and stopped when the slot was deleted, before the slot's end
    assert row.ended_at is not None
    assert deleted <= row.ended_at < start + timedelta(minutes=SLOT_MINUTES)
    # the agent received all of it: the upper station's audio, silence while the station
    # retried, then the fallback, all on one mount (the cluster lost nothing)
    heard = (row.ended_at - row.started_at).total_seconds()
    assert row.received_s is not None and heard - 3 < row.received_s <= heard + 1, row.received_s
    assert json.loads(row.gaps or "[]") == []
    assert feeds_left == []  # the station's mount ended with the slot
    assert "bi-mat" not in json.dumps([str(vars(row))])
    with station.sessions() as session:
        assert verify(session, station.settings.var_path / "ledger").ok
    later = start + timedelta(minutes=SLOT_MINUTES + 1)
    with services(station, later) as ctx:
        day = start.astimezone(station.settings.tz).date().isoformat()
        summary = reports.report_summary(ctx, reports.period(ctx, day, day))
    assert [name for name, _ in summary.by_cluster_relay] == ["thon-1"]
    assert summary.by_cluster_relay[0][1].parts == 1
