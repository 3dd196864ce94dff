"""The station's side of the loudspeaker clusters against a real Mosquitto and a real database:
each cluster gets the programme of its zones, audio only with its own token, emergencies of its
zones until they expire; each report becomes one sealed row per (cluster, entry) — never two,
never for an entry it was not sent, never for other audio — and the chain still verifies.

The agents here are plain MQTT clients with the clusters' real credentials (the real
`broadcaster agent` is in test_agent*.py and test_cluster_daemon.py)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import queue
import re
import time
from collections.abc import Iterator
from datetime import time as clock_time
from datetime import timedelta

import openpyxl
import paho.mqtt.client as mqtt
import pytest
import requests
from sqlalchemy import func, select

from broadcaster.clusters import fanout, wire
from broadcaster.clusters.coordinator import ClusterRelay
from broadcaster.enums import Outcome
from broadcaster.errors import BroadcasterError
from broadcaster.evidence.verify import verify
from broadcaster.programme.slots import DAYS, SlotDef
from broadcaster.services import clusters as service
from broadcaster.services import reports
from broadcaster.services.planning import plan_week
from broadcaster.services.station import Station, open_station
from broadcaster.store.db import Airing, AiringEvent, AirRequest, Cluster, Dispatch, Problem
from tests.broker import Broker, free_port, require_mosquitto
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW
from tests.helpers import approved_rendered, services, use_slots, wait_for

SLOTS = [
    SlotDef("Sáng", DAYS, clock_time(6, 0), 30, zones=("Thôn 1",)),
    SlotDef("Chiều", DAYS, clock_time(17, 0), 30),
]
NOW = FIXED_NOW  # Monday 09:00 in Hà Nội; the week's slots are ahead
pytestmark = pytest.mark.slow  # a real Mosquitto process per test


class PlainAgent:
    """An MQTT client with a cluster's credentials that keeps what it receives."""

    def __init__(self, broker: Broker, name: str, password: str) -> None:
        self.name = name
        self.got: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.refused: list[object] = []
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{name}", protocol=mqtt.MQTTv5
        )
        client.username_pw_set(name, password)
        client.on_message = lambda _c, _u, message: self.got.put(message)
        client.on_connect = self._connected
        self.client = client
        self.ready = False
        client.connect(broker.host, broker.port, 30)
        client.loop_start()
        wait_for(lambda: self.ready or self.refused, f"{name} connected")

    def _connected(self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:  # fmt: skip
        if getattr(reason, "is_failure", False):
            self.refused.append(reason)
            return
        client.subscribe(
            [(wire.topic("programme", self.name), 1), (wire.topic("emergency", self.name), 1),
             (wire.topic("emergency", wire.EVERY), 1)]
        )  # fmt: skip
        self.ready = True

    def next(self, kind: str, within: float = 60) -> wire.Programme | wire.Emergency:
        """The next message on its `kind` topic (others are dropped)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                message = self.got.get(timeout=0.2)
            except queue.Empty:
                continue
            if message.topic.split("/")[1] == kind:
                decoded = wire.decode(message.payload)
                assert isinstance(decoded, (wire.Programme, wire.Emergency))
                return decoded
        raise AssertionError(f"{self.name} got no {kind} within {within} s")

    def report(self, report: wire.Report, cluster: str | None = None) -> None:
        topic = wire.topic("report", cluster or self.name)
        self.client.publish(topic, wire.encode(report), qos=1).wait_for_publish(30)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def clustered(station: Station) -> Iterator[tuple[Station, Broker]]:
    """The station with a broker configured (plain MQTT on loopback), zones Thôn 1 and 2."""
    require_mosquitto()
    broker = Broker(station.settings.broker_path)
    settings = dataclasses.replace(
        station.settings, mqtt_host=broker.host, mqtt_port=broker.port, mqtt_tls="off",
        mqtt_password=broker.station_password, agent_api_port=free_port(),
    )  # fmt: skip
    opened = open_station(settings)
    try:
        broker.start()
        use_slots(opened, SLOTS)
        with services(opened, NOW) as ctx:
            service.add_zone(ctx, "Thôn 1")
            service.add_zone(ctx, "Thôn 2")
        yield opened, broker
    finally:
        broker.kill()
        opened.engine.dispose()


@pytest.fixture
def relay(clustered: tuple[Station, Broker]) -> Iterator[ClusterRelay]:
    station, _ = clustered
    running = ClusterRelay(station.settings, station.sessions, lambda: NOW)
    running.start()
    try:
        wait_for(running.link.ready.is_set, "the station connected to the broker")
        yield running
    finally:
        running.stop()


def _cluster(station: Station, name: str, zone: str) -> service.Credentials:
    with services(station, NOW) as ctx:
        issued = service.add_cluster(ctx, name, zone)
    assert issued.broker_updated  # the broker's files were rewritten and it reloaded
    return issued


def _planned(station: Station) -> int:
    script_id = approved_rendered(station, NOW, "Thông báo lịch tiếp công dân tháng 3.")
    with services(station, NOW) as ctx:
        plan_week(ctx, "2024-W11")
    return script_id


def _report(programme: wire.Programme, entry: wire.Entry, kind: str, **kw: object) -> wire.Report:
    started = entry.start + timedelta(milliseconds=3)
    values: dict[str, object] = {
        "cluster": programme.cluster, "entry": entry.key, "kind": kind, "sha256": entry.sha256,
        "started_at": started,
        "ended_at": started + timedelta(seconds=entry.duration_s) if kind != "started" else None,
        "reported_at": started + timedelta(seconds=entry.duration_s + 1),
    }  # fmt: skip
    return wire.Report(**(values | kw))  # type: ignore[arg-type]


def _rows(station: Station) -> list[Airing]:
    with station.sessions() as session:
        return list(session.scalars(select(Airing).where(Airing.cluster.is_not(None))))


def test_each_cluster_gets_the_programme_of_its_zone_and_audio_only_with_its_token(
    clustered, relay: ClusterRelay
) -> None:
    station, broker = clustered
    one, two = _cluster(station, "thon-1", "Thôn 1"), _cluster(station, "thon-2", "Thôn 2")
    _planned(station)
    assert relay.send_programmes() == 2
    agents = [PlainAgent(broker, c.cluster, c.password) for c in (one, two)]
    try:
        first, second = (agent.next("programme") for agent in agents)
        assert isinstance(first, wire.Programme) and isinstance(second, wire.Programme)
        # Thôn 1 hears both slots; Thôn 2 only the evening slot (the morning one targets Thôn 1)
        assert {e.slot for e in first.entries} == {"Sáng", "Chiều"}
        assert {e.slot for e in second.entries} == {"Chiều"}
        assert all(e.start < first.until for e in first.entries)
        assert first.until - NOW == timedelta(hours=48)
        morning = next(e for e in first.entries if e.slot == "Sáng")
        base = f"http://127.0.0.1:{station.settings.agent_api_port}"
        got = requests.get(base + morning.url, headers={"Authorization": f"Bearer {one.token}"})
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == morning.sha256
        # Thôn 2 was never sent the morning entry's audio … unless it is the same file
        evening = {e.sha256 for e in second.entries}
        other = requests.get(base + morning.url, headers={"Authorization": f"Bearer {two.token}"})
        assert other.status_code == (200 if morning.sha256 in evening else 404)
        assert requests.get(base + morning.url).status_code == 401
        wrong = requests.get(base + morning.url, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        # nothing changed: nothing is published again
        assert relay.send_programmes() == 0
    finally:
        for agent in agents:
            agent.close()


def test_a_retired_bulletin_is_retracted_from_the_clusters(clustered, relay: ClusterRelay) -> None:
    from broadcaster.services import scripts as scripts_service

    station, broker = clustered
    one = _cluster(station, "thon-1", "Thôn 1")
    script_id = _planned(station)
    relay.send_programmes()
    agent = PlainAgent(broker, one.cluster, one.password)
    try:
        before = agent.next("programme")
        assert isinstance(before, wire.Programme) and before.entries
        with services(station, NOW) as ctx:
            scripts_service.retire_script(ctx, script_id)
        assert relay.send_programmes() == 1
        after = agent.next("programme")
        assert isinstance(after, wire.Programme)
        retracted, added = wire.changes(before, after)
        assert {e.key for e in retracted} == {e.key for e in before.entries} and added == []
        with station.sessions() as session:
            rows = session.scalars(select(Dispatch)).all()
            assert rows and all(d.retracted_at == NOW for d in rows)
    finally:
        agent.close()


def test_reports_become_one_sealed_row_per_cluster_and_entry(
    clustered, relay: ClusterRelay
) -> None:
    station, broker = clustered
    one, two = _cluster(station, "thon-1", "Thôn 1"), _cluster(station, "thon-2", "Thôn 2")
    _planned(station)
    relay.send_programmes()
    agents = {c.cluster: PlainAgent(broker, c.cluster, c.password) for c in (one, two)}
    try:
        programmes = {name: agent.next("programme") for name, agent in agents.items()}
        first = programmes["thon-1"]
        assert isinstance(first, wire.Programme)
        evening = next(e for e in first.entries if e.slot == "Chiều")
        agent = agents["thon-1"]
        agent.report(_report(first, evening, "started"))
        agent.report(_report(first, evening, "aired"))
        wait_for(lambda: relay.sealed == 2, "two events sealed")
        # the same reports again (a redelivery, a replay): nothing new
        agent.report(_report(first, evening, "started"))
        agent.report(_report(first, evening, "aired", from_cache=True))
        # a report for an entry never sent to it, and one naming other audio: refused
        agent.report(_report(first, dataclasses.replace(evening, key="e-999999"), "aired"))
        other = next(e for e in first.entries if e.key != evening.key)
        agent.report(_report(first, other, "aired", sha256="0" * 64))
        # thon-2 publishing on thon-1's topic: the broker's ACL drops it
        agents["thon-2"].report(_report(first, evening, "failed"), cluster="thon-1")
        wait_for(lambda: _count(station, Problem) >= 2, "two refusals kept as problems")
        (row,) = _rows(station)
        assert (row.cluster, row.cluster_entry, row.outcome) == ("thon-1", evening.key, "aired")
        assert row.output == "cluster:thon-1" and row.error is None
        assert row.started_at == evening.start + timedelta(milliseconds=3)
        with station.sessions() as session:
            events = session.scalars(
                select(AiringEvent).where(AiringEvent.airing_id == row.id).order_by(AiringEvent.seq)
            ).all()
            assert [e.kind for e in events] == [Outcome.STARTED, Outcome.AIRED]
            assert all(e.at == NOW and e.reported_at is not None for e in events)
            problems = [p.message for p in session.scalars(select(Problem))]
            assert verify(session, station.settings.var_path / "ledger").ok
        assert relay.sealed == 2
        assert any("was never sent to it" in p for p in problems)
        assert any("not the" in p and "sent" in p for p in problems)
    finally:
        for agent in agents.values():
            agent.close()


def _count(station: Station, table: type) -> int:
    with station.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_report_played_from_cache_says_so_with_its_last_contact(
    clustered, relay: ClusterRelay
) -> None:
    station, broker = clustered
    one = _cluster(station, "thon-1", "Thôn 1")
    _planned(station)
    relay.send_programmes()
    agent = PlainAgent(broker, one.cluster, one.password)
    try:
        programme = agent.next("programme")
        assert isinstance(programme, wire.Programme)
        entry = programme.entries[0]
        contact = NOW - timedelta(hours=3)
        agent.report(_report(programme, entry, "aired", from_cache=True, last_contact=contact))
        wait_for(lambda: relay.sealed == 1, "the report sealed")
        (row,) = _rows(station)
        assert "cluster_from_cache" in (row.error or "")
        assert "06:00:00 11/03/2024" in (row.error or "")  # its last contact, local time
        with station.sessions() as session:
            events = session.scalars(select(AiringEvent).where(AiringEvent.airing_id == row.id))
            # one report opened and closed it: both events carry what the agent said
            assert [(e.kind, e.from_cache, e.last_contact) for e in events] == [
                (Outcome.STARTED, True, contact),
                (Outcome.AIRED, True, contact),
            ]
    finally:
        agent.close()


def test_an_emergency_reaches_only_its_zones_and_never_after_it_expires(
    clustered, relay: ClusterRelay
) -> None:
    station, broker = clustered
    one, two = _cluster(station, "thon-1", "Thôn 1"), _cluster(station, "thon-2", "Thôn 2")
    script_id = _planned(station)
    with station.sessions() as session:
        session.add(AirRequest(script_id=script_id, emergency=True, requested_at=NOW,
                               requested_by="Chủ tịch", zones="Thôn 2"))  # fmt: skip
        session.commit()
    agents = [PlainAgent(broker, c.cluster, c.password) for c in (one, two)]
    try:
        assert relay.send_emergencies() == 1
        got = agents[1].next("emergency")
        assert isinstance(got, wire.Emergency) and got.key.startswith("x-")
        assert got.expires == NOW + timedelta(minutes=30)
        assert relay.send_emergencies() == 0  # sent once per cluster
        with pytest.raises(AssertionError):
            agents[0].next("emergency", within=1)
        # past its expiry nothing is sent to a cluster that was not sent it
        late = ClusterRelay(station.settings, station.sessions, lambda: NOW + timedelta(minutes=31))
        with station.sessions() as session:
            session.add(AirRequest(script_id=script_id, emergency=True, requested_at=NOW,
                                   requested_by="Chủ tịch"))  # fmt: skip
            session.commit()
            emergencies = [
                m
                for r in session.scalars(select(AirRequest))
                for m in fanout.emergencies(session, late.settings, r, NOW + timedelta(minutes=31))
            ]
        assert emergencies == []
    finally:
        for agent in agents:
            agent.close()


def test_the_broker_drops_an_emergency_at_its_expiry(clustered) -> None:
    """Published one second before its expiry: a cluster that connects after it gets nothing."""
    station, broker = clustered
    one = _cluster(station, "thon-1", "Thôn 1")
    script_id = _planned(station)
    with station.sessions() as session:
        session.add(AirRequest(script_id=script_id, emergency=True, requested_at=NOW,
                               requested_by="Chủ tịch"))  # fmt: skip
        session.commit()
    almost = NOW + timedelta(minutes=29, seconds=59)
    relay = ClusterRelay(station.settings, station.sessions, lambda: almost)
    relay.start(serve_audio=False)
    try:
        wait_for(relay.link.ready.is_set, "the station connected")
        assert relay.send_emergencies() == 1
        time.sleep(2.5)  # past the message's expiry at the broker (a wait, not a lead)
        agent = PlainAgent(broker, one.cluster, one.password)
        try:
            with pytest.raises(AssertionError):
                agent.next("emergency", within=2)
        finally:
            agent.close()
    finally:
        relay.stop()


def test_heartbeats_keep_the_clusters_health(clustered, relay: ClusterRelay) -> None:
    station, broker = clustered
    one = _cluster(station, "thon-1", "Thôn 1")
    agent = PlainAgent(broker, one.cluster, one.password)
    try:
        ahead = NOW + timedelta(seconds=2.5)  # its clock runs 2.5 s ahead of the station's
        beat = wire.Health("thon-1", True, at=ahead, version="t", cache_ready_hours=48.0)
        agent.client.publish(wire.topic("health", "thon-1"), wire.encode(beat), qos=1, retain=True)
        wait_for(lambda: _cluster_row(station).online, "the heartbeat kept")
        row = _cluster_row(station)
        assert row.seen_at == NOW and row.clock_offset_s == pytest.approx(2.5)
        gone = wire.Health("thon-1", False)
        agent.client.publish(wire.topic("health", "thon-1"), wire.encode(gone), qos=1, retain=True)
        wait_for(lambda: not _cluster_row(station).online, "offline kept")
        assert _cluster_row(station).clock_offset_s == pytest.approx(2.5)  # the last known
    finally:
        agent.close()


def _log_in(client, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Log the Flask test client in through the login form."""
    from tests.reports.test_report_web import token

    form = {"name": name, "password": password, "csrf_token": token(client, "/login")}
    assert client.post("/login", data=form).status_code == 302


def _cluster_row(station: Station) -> Cluster:
    with station.sessions() as session:
        return session.scalars(select(Cluster)).one()


def test_a_disabled_cluster_loses_its_broker_account_and_its_token(
    clustered, relay: ClusterRelay
) -> None:
    station, broker = clustered
    one = _cluster(station, "thon-1", "Thôn 1")
    with services(station, NOW) as ctx:
        assert service.disable_cluster(ctx, "thon-1") is True
    refused = PlainAgent(broker, one.cluster, one.password)
    refused.close()
    assert refused.refused and not refused.ready


def test_without_a_broker_the_daemon_has_no_relay(station: Station) -> None:
    """Without mqtt_host there is no relay at all: the daemon is as on one machine."""
    from broadcaster.daemon.process import Daemon
    from broadcaster.onair.outputs import NullOutput

    assert not station.settings.clusters_on
    daemon = Daemon(station.settings, station.sessions, SLOTS, NullOutput())
    assert daemon.relay is None


def test_the_status_page_lists_clusters_by_zone_and_raises_their_problems(
    clustered, relay: ClusterRelay
) -> None:
    """Offline, a clock 3 s off, audio missing, an entry never confirmed: each said in
    Vietnamese on the status page and in English by `status`; the map drawn from coordinates."""
    from broadcaster.web import create_app

    station, broker = clustered
    with services(station, NOW) as ctx:
        service.add_cluster(ctx, "thon-1", "Thôn 1", 20.93, 106.05)
        service.add_cluster(ctx, "thon-2", "Thôn 2", 20.95, 106.07)
    _planned(station)
    relay.send_programmes()
    with station.sessions() as session:
        one = session.scalars(select(Cluster).where(Cluster.name == "thon-1")).one()
        beat = wire.Health("thon-1", True, at=NOW + timedelta(seconds=3), cache_ready_hours=20.0,
                           missing=("e-1", "e-2"))  # fmt: skip
        one.online, one.seen_at, one.clock_offset_s = True, NOW, 3.0
        one.health = wire.encode(beat).decode()
        session.commit()
    later = NOW + timedelta(days=1)  # the Monday evening entry is over and never confirmed
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: later)
    with app.test_client() as client:
        _log_in(client, "admin", ADMIN_PASSWORD)
        page = client.get("/status/").get_data(as_text=True)
    assert "Cụm loa" in page and "Thôn 1" in page and "Thôn 2" in page
    assert "mất kết nối" in page and "đang kết nối" in page
    assert "Cụm loa thon-2 (Thôn 2) mất kết nối; tín hiệu cuối lúc —." in page
    assert "Đồng hồ của cụm loa thon-1 lệch +3.0 giây" in page
    assert "Cụm loa thon-1 thiếu âm thanh của 2 bản tin sắp phát" in page
    assert "+3.00 giây" in page and "20 giờ tới" in page
    assert re.search(
        r'data-label="Không xác nhận"><strong class="outcome failed">\d+ bản tin', page
    )
    assert page.count("<circle") == 2
    app.extensions["broadcaster"].engine.dispose()
    with services(station, later) as ctx:
        lines, problems = service.fleet(ctx)
    assert [p.english() for p in problems] == [
        "Cluster thon-1's clock is +3.0 s off the station's; check its time service (NTP).",
        "Cluster thon-1 lacks the audio of 2 coming bulletin(s); it cannot play them.",
        "Cluster thon-2 (Thôn 2) is offline; last heard —.",
    ]
    assert all(line.unconfirmed > 0 for line in lines)


def test_the_log_tells_the_cluster_that_played_from_the_station_and_lists_the_silent(
    clustered, relay: ClusterRelay
) -> None:
    from broadcaster.web import create_app

    station, broker = clustered
    one, two = _cluster(station, "thon-1", "Thôn 1"), _cluster(station, "thon-2", "Thôn 2")
    _planned(station)
    relay.send_programmes()
    agent = PlainAgent(broker, one.cluster, one.password)
    try:
        programme = agent.next("programme")
        assert isinstance(programme, wire.Programme)
        evening = next(e for e in programme.entries if e.slot == "Chiều")
        agent.report(_report(programme, evening, "aired"))
        wait_for(lambda: relay.sealed == 1, "the report sealed")
    finally:
        agent.close()
    later = NOW + timedelta(days=1)
    with services(station, later) as ctx:
        days = reports.period(ctx, "2024-03-11", "2024-03-11")
        summary = reports.report_summary(ctx, days)
        xlsx = reports.office_report(ctx, days, "xlsx", record=False).body
    # the station's own figures are not inflated by the cluster's confirmation
    assert summary.total.aired == 0
    assert [(name, f.aired) for name, f in summary.by_cluster] == [("thon-1", 1)]
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "Cụm loa xác nhận đã phát" in cells and "thon-1" in cells
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: later)
    with app.test_client() as client:
        _log_in(client, "admin", ADMIN_PASSWORD)
        page = client.get("/log/?from=2024-03-11&to=2024-03-11").get_data(as_text=True)
        shown = client.get("/log/report?from=2024-03-11&to=2024-03-11").get_data(as_text=True)
    app.extensions["broadcaster"].engine.dispose()
    assert "Cụm loa thon-1 (cụm xác nhận)" in page
    assert "Cụm loa xác nhận đã phát" in shown
    silent = page.split("Cụm loa không xác nhận")[1]
    # Monday's evening bulletin (the morning had passed when the programme was sent): thon-1
    # confirmed it, thon-2 never did
    assert silent.count("không xác nhận</td>") == 1
    assert '<td data-label="Cụm loa">thon-2</td>' in silent
    assert two.cluster in silent


def test_a_bulletin_for_one_zone_reaches_only_that_zones_clusters(
    clustered, relay: ClusterRelay
) -> None:
    station, broker = clustered
    one, two = _cluster(station, "thon-1", "Thôn 1"), _cluster(station, "thon-2", "Thôn 2")
    script_id = _planned(station)
    with services(station, NOW) as ctx:
        assert service.set_script_zones(ctx, script_id, ["Thôn 2"]) == ("Thôn 2",)
        with pytest.raises(BroadcasterError, match="no zone named 'Thôn 9'"):
            service.set_script_zones(ctx, script_id, ["Thôn 9"])
    relay.send_programmes()
    agents = [PlainAgent(broker, c.cluster, c.password) for c in (one, two)]
    try:
        first, second = (agent.next("programme") for agent in agents)
        assert isinstance(first, wire.Programme) and isinstance(second, wire.Programme)
        assert first.entries == ()  # the bulletin is for Thôn 2 only
        assert {e.slot for e in second.entries} == {"Chiều"}  # and the morning slot for Thôn 1
    finally:
        for agent in agents:
            agent.close()


def test_a_leader_chooses_the_zones_of_an_emergency_on_the_confirmation_page(
    clustered,
) -> None:
    from broadcaster.web import create_app

    from broadcaster.enums import Priority
    from broadcaster.onair.lease import Lease
    from broadcaster.store.db import Script
    from tests.conftest import LEADER, LEADER_PASSWORD
    from tests.reports.test_report_web import token

    station, _ = clustered
    script_id = _planned(station)
    with station.sessions() as session:
        session.get_one(Script, script_id).priority = Priority.EMERGENCY
        session.commit()
    Lease(station.sessions, lambda: NOW, station.settings.tz, 30).acquire()  # a daemon runs
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: NOW)
    with app.test_client() as client:
        _log_in(client, LEADER, LEADER_PASSWORD)
        page = client.get(f"/scripts/{script_id}/air-now").get_data(as_text=True)
        assert "Phát tới vùng" in page and 'value="Thôn 2"' in page
        csrf = token(client, f"/scripts/{script_id}/air-now")
        unknown = {"confirmed": "yes", "zone": ["Thôn 9"], "csrf_token": csrf}
        answer = client.post(f"/scripts/{script_id}/air-now", data=unknown, follow_redirects=True)
        assert "Không có vùng “Thôn 9”" in answer.get_data(as_text=True)
        chosen = {"confirmed": "yes", "zone": ["Thôn 2"], "csrf_token": csrf}
        assert client.post(f"/scripts/{script_id}/air-now", data=chosen).status_code == 303
    app.extensions["broadcaster"].engine.dispose()
    with station.sessions() as session:
        (asked,) = session.scalars(select(AirRequest)).all()
        assert (asked.emergency, asked.zones, asked.requested_by) == (True, "Thôn 2", LEADER)


def test_an_emergency_for_every_zone_is_one_message_every_cluster_receives(
    clustered, relay: ClusterRelay
) -> None:
    station, broker = clustered
    one, two = _cluster(station, "thon-1", "Thôn 1"), _cluster(station, "thon-2", "Thôn 2")
    script_id = _planned(station)
    agents = [PlainAgent(broker, c.cluster, c.password) for c in (one, two)]
    published: list[str] = []
    sent = relay.link.publish

    def counted(topic: str, payload: bytes, retain: bool = True, expiry_s: int | None = None):  # type: ignore[no-untyped-def]
        published.append(topic)
        return sent(topic, payload, retain, expiry_s)

    relay.link.publish = counted  # type: ignore[method-assign]
    try:
        with station.sessions() as session:
            session.add(AirRequest(script_id=script_id, emergency=True, requested_at=NOW,
                                   requested_by="Chủ tịch"))  # fmt: skip
            session.commit()
        assert relay.send_emergencies() == 2  # two clusters sent it (two dispatch rows) …
        assert published == ["broadcaster/emergency/*"]  # … in one message
        for agent in agents:
            got = agent.next("emergency")
            assert isinstance(got, wire.Emergency) and got.cluster == wire.EVERY
        with station.sessions() as session:
            assert _count(station, Dispatch) == 2
    finally:
        for agent in agents:
            agent.close()
