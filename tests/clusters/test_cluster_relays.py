"""Relay slots at the loudspeaker clusters, on the station's side, with a real database: each
cluster in a relay slot's zones is sent the station's Icecast mount for each occurrence (none
when the station has no Icecast for its clusters), with a dispatch row naming the upper station
without its credentials; the cluster's reports of each part become sealed relay rows with what
it received; the Office's report counts them apart from the station's own relay time; a relay
never confirmed is listed as unconfirmed by its slot's name; a slot withdrawn is retracted.

The reports go through the station's intake as the broker hands them over (`agent_reports.take`);
the MQTT path itself is tested in test_clusters.py and, with the real agent, in
tests/agent/test_agent_relay.py.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import select

from broadcaster.clusters import agent_reports as intake
from broadcaster.clusters import fanout, wire
from broadcaster.clusters.relay_fanout import mount
from broadcaster.config import Settings
from broadcaster.enums import SlotKind
from broadcaster.evidence.verify import verify
from broadcaster.notes import english
from broadcaster.programme.slots import DAYS, SlotDef
from broadcaster.services import clusters as service
from broadcaster.services import reports
from broadcaster.services.station import Station
from broadcaster.store.db import Airing, Dispatch, Problem
from tests.conftest import FIXED_NOW
from tests.helpers import services, use_slots

NOW = FIXED_NOW  # Monday 09:00 in Hà Nội
UPPER = "http://relay:s3cret@vov.example:8000/vov1.mp3"
ICECAST = "http://source:hackme@127.0.0.1:8000"
RELAY = SlotDef("VOV trưa", DAYS, clock_time(11, 0), 30, zones=("Thôn 2",),
                kind=SlotKind.RELAY, url=UPPER)  # fmt: skip


def clustered(station: Station, icecast: str = ICECAST) -> Settings:
    """Zones Thôn 1 and 2 with a cluster each, the relay slot for Thôn 2; the settings with the
    station's Icecast for its clusters."""
    use_slots(station, [RELAY])
    with services(station, NOW) as ctx:
        for number in (1, 2):
            service.add_zone(ctx, f"Thôn {number}")
            service.add_cluster(ctx, f"thon-{number}", f"Thôn {number}")
    return dataclasses.replace(station.settings, relay_icecast=icecast)


def programmes(station: Station, settings: Settings, now=NOW) -> dict[str, wire.Programme]:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        sent = fanout.programmes(session, settings, now)
        session.commit()
    return {item.cluster: item.message for item in sent}


def take(station: Station, settings: Settings, *sent: wire.Report) -> intake.Tally:
    batch = [
        intake.Received(wire.topic("report", r.cluster), wire.encode(r), r.reported_at)
        for r in sent
    ]
    with station.sessions() as session:
        return intake.take(session, settings, batch)


def part(relay: wire.Relay, number: int, kind: str, offset_s: float, seconds: float,
         **more: object) -> wire.Report:  # fmt: skip
    began = relay.start + timedelta(seconds=offset_s)
    ended = None if kind == "started" else began + timedelta(seconds=seconds)
    values: dict[str, object] = {
        "cluster": "thon-2", "entry": wire.part_key(relay.key, number), "kind": kind,
        "sha256": None, "started_at": began, "ended_at": ended,
        "reported_at": (ended or began) + timedelta(seconds=1),
    }  # fmt: skip
    return wire.Report(**(values | more))  # type: ignore[arg-type]


def test_only_the_clusters_of_the_slots_zones_are_sent_the_stations_mount(
    station: Station,
) -> None:
    settings = clustered(station)
    sent = programmes(station, settings)
    assert sent["thon-1"].relays == ()
    relays = sent["thon-2"].relays
    assert relays, "the relay slot's occurrences were not sent"
    first = relays[0]
    assert (first.slot, first.end - first.start) == ("VOV trưa", timedelta(minutes=30))
    assert first.start.astimezone(settings.tz).hour == 11
    assert first.url == "http://127.0.0.1:8000" + mount("VOV trưa")  # no source password
    assert all(r.end > NOW for r in relays)
    with station.sessions() as session:
        rows = session.scalars(select(Dispatch).where(Dispatch.entry.like("r-%"))).all()
    assert len(rows) == len(relays)
    assert {(r.script_id, r.sha256, r.relay_url) for r in rows} == {
        (None, None, "http://vov.example:8000/vov1.mp3")
    }
    # the same programme again changes nothing; without the station's Icecast, no relays
    with station.sessions() as session:
        again = fanout.programmes(session, settings, NOW)
        assert not any(item.changed for item in again)
    assert programmes(station, station.settings)["thon-2"].relays == ()


def test_each_part_a_cluster_relayed_is_sealed_with_what_it_received(station: Station) -> None:
    settings = clustered(station)
    relay = programmes(station, settings)["thon-2"].relays[0]
    gaps = ((120.0, 3.5, "stalled"),)
    tally = take(
        station, settings,
        part(relay, 1, "started", 0.2, 0),
        part(relay, 1, "preempted", 0.2, 600, received_s=598.7, gaps=gaps),
        part(relay, 2, "started", 660, 0),
        part(relay, 2, "aired", 660, 1140, received_s=1139.9),
        part(relay, 2, "aired", 660, 1140, received_s=1139.9),  # a redelivery: once only
    )  # fmt: skip
    assert (tally.sealed, tally.duplicates, tally.refused) == (4, 1, [])
    with station.sessions() as session:
        rows = session.scalars(select(Airing).order_by(Airing.attempt)).all()
        assert [(r.kind, r.attempt, r.outcome, r.cluster) for r in rows] == [
            ("relay", 1, "preempted", "thon-2"), ("relay", 2, "aired", "thon-2"),
        ]  # fmt: skip
        assert {r.script_id for r in rows} == {None}
        assert [r.received_s for r in rows] == [598.7, 1139.9]
        assert [r.duration_s for r in rows] == [598.7, 1139.9]
        assert json.loads(rows[0].gaps or "") == [[120.0, 3.5, "stalled"]]
        assert {r.relay_url for r in rows} == {"http://vov.example:8000/vov1.mp3"}
        assert [r.cluster_entry for r in rows] == [relay.key, relay.key + ".2"]
        assert verify(session, settings.var_path / "ledger").ok
    with services(station, relay.end + timedelta(days=1)) as ctx:
        summary = reports.report_summary(ctx, reports.period(ctx, "2024-03-01", "2024-03-31"))
    assert summary.by_relay == []  # the station itself relayed nothing
    assert [(n, f.cells()) for n, f in summary.by_cluster_relay] == [
        ("thon-2", [2, 29.0, 0.0, 0, 1]),  # parts, minutes received, fallback, lost, cut
    ]
    files = office_files(station, relay.end + timedelta(days=1))
    assert "Cụm loa (tiếp sóng);Số lượt tiếp sóng" in files["csv"]
    assert "thon-2;2;29,0;0,0;0;1" in files["csv"]
    assert json.loads(files["json"])["summary"]["by_cluster_relay"][0][0] == "thon-2"
    assert "Tiếp sóng do các cụm loa xác nhận" in files["docx"]
    assert "Tiếp sóng do các cụm loa xác nhận" in files["xlsx"]


def office_files(station: Station, now: datetime) -> dict[str, str]:
    """The Office's report of March 2024 in each format, as text to look into."""
    import io

    import docx
    import openpyxl

    found = {}
    with services(station, now) as ctx:
        days = reports.period(ctx, "2024-03-01", "2024-03-31")
        for fmt in ("csv", "json", "docx", "xlsx"):
            body = reports.office_report(ctx, days, fmt, record=False).body
            if fmt == "docx":
                document = docx.Document(io.BytesIO(body))
                found[fmt] = "\n".join(p.text for p in document.paragraphs)
            elif fmt == "xlsx":
                book = openpyxl.load_workbook(io.BytesIO(body))
                cells = [
                    c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
                ]
                found[fmt] = "\n".join(str(c) for c in cells if c is not None)
            else:
                found[fmt] = body.decode("utf-8-sig")
    return found


def test_a_relay_report_the_cluster_was_not_sent_is_refused(station: Station) -> None:
    settings = clustered(station)
    relay = programmes(station, settings)["thon-2"].relays[0]
    other = dataclasses.replace(relay, key="r-0000000000-20240311T0400Z")
    stranger = dataclasses.replace(part(relay, 1, "aired", 0, 10), cluster="thon-1")
    tally = take(
        station, settings, part(other, 1, "aired", 0, 10),
        dataclasses.replace(part(relay, 1, "aired", 0, 10), sha256="a" * 64), stranger,
    )  # fmt: skip
    assert tally.sealed == 0 and len(tally.refused) == 3
    with station.sessions() as session:
        assert session.scalars(select(Airing)).all() == []
        assert len(session.scalars(select(Problem)).all()) == 3


def test_a_relay_never_confirmed_is_unconfirmed_by_its_slot_and_a_withdrawn_one_retracted(
    station: Station,
) -> None:
    settings = clustered(station)
    relays = programmes(station, settings)["thon-2"].relays
    first, second = relays[0], relays[1]
    later = first.end + timedelta(hours=1)
    with services(station, later) as ctx:
        missing = service.unconfirmed_between(ctx.session, None, later, later)
    assert [(u.cluster, u.entry, u.title) for u in missing] == [("thon-2", first.key, "VOV trưa")]
    use_slots(station, [])  # the relay slot deleted
    assert programmes(station, settings, later)["thon-2"].relays == ()
    with station.sessions() as session:
        row = session.scalar(select(Dispatch).where(Dispatch.entry == second.key))
        assert row is not None and row.retracted_at == later


def test_a_relay_for_clusters_without_the_stations_icecast_is_a_problem_once(
    station: Station,
) -> None:
    """The technician forgot relay_icecast: the status page says so once per occurrence, and
    nothing is published; with it set, the occurrence's feed starts and nothing is said."""
    from broadcaster.clusters.coordinator import ClusterRelay

    settings = clustered(station)
    first = programmes(station, settings)["thon-2"].relays[0]
    during = first.start + timedelta(minutes=1)
    plain = dataclasses.replace(settings, mqtt_host="127.0.0.1", mqtt_tls="off")
    forgot = ClusterRelay(dataclasses.replace(plain, relay_icecast=""), station.sessions,
                          lambda: during)  # fmt: skip
    assert forgot.republish() == [] and forgot.republish() == []
    said = problems(station)
    assert len(said) == 1, said
    assert english(said[0]) == (
        "Relay slot VOV trưa at 11:00 11/03/2024 is not sent to the loudspeaker clusters: set "
        "relay_icecast (docs/installation.md, Relays at the clusters)."
    )
    ready = ClusterRelay(plain, station.sessions, lambda: during)
    try:  # the upper stream is unreachable here: the feed starts and retries it
        assert ready.republish() == [first.key]
    finally:
        ready.republisher.stop()
    assert len(problems(station)) == 1


def problems(station: Station) -> list[str]:
    with station.sessions() as session:
        return [p.message for p in session.scalars(select(Problem).order_by(Problem.id))]
