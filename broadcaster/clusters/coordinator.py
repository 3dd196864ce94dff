"""The daemon's side of the loudspeaker clusters: it sends each cluster its programme when it
changes and each emergency at once, seals what the clusters report, and serves them audio.

Runs only when `mqtt_host` is set; without it the daemon airs through its own output alone.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from broadcaster.clusters import agent_reports as intake
from broadcaster.clusters import fanout, wire
from broadcaster.clusters.endpoint import make_agent_app
from broadcaster.clusters.link import StationLink
from broadcaster.clusters.relay_fanout import relay_key, relay_occurrences
from broadcaster.clusters.republish import LEAD, Republisher
from broadcaster.config import Settings
from broadcaster.ffmpeg import ffmpeg_exe
from broadcaster.notes import NoteCode, note
from broadcaster.programme.slots import SlotOccurrence, fallback_path
from broadcaster.store.db import AirRequest, Problem

logger = logging.getLogger(__name__)

RETRY_SECONDS = 2.0  # the database did not answer: the batch waits (unacknowledged) and retries


class ClusterRelay:
    """Programmes and emergencies out, reports and heartbeats in, audio for the agents."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        link: StationLink | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.link = link or StationLink(settings, clock)
        self.published: dict[str, str] = {}  # cluster → digest of the entries last published
        self.sealed = 0
        self.republisher = Republisher(settings, ffmpeg_exe(), clock)
        self.unsent_relays: set[str] = set()  # relays told not sent to the clusters
        self._halt = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: object | None = None

    def start(self, serve_audio: bool = True) -> None:
        """Connect, start sealing what comes in, and serve audio on the agent endpoint."""
        self.link.start()
        self._spawn(self._take_loop, "cluster intake")
        if serve_audio:
            from waitress import create_server  # type: ignore[attr-defined]

            app = make_agent_app(self.sessions, self.settings.var_path)
            server = create_server(
                app, host=self.settings.agent_api_host, port=self.settings.agent_api_port,
                threads=4, ident="broadcaster-agent-api",
            )  # fmt: skip
            self._server = server
            self._spawn(lambda: self._serve(server), "agent endpoint")
            logger.info(
                "serving audio to the clusters on http://%s:%s/agent/audio/",
                self.settings.agent_api_host, self.settings.agent_api_port,
            )  # fmt: skip

    def _serve(self, server: object) -> None:
        """Run the agent endpoint until `stop`; closing its sockets from `stop` while its loop
        waits on them ends that wait with EBADF, which is the stop, not a failure."""
        try:
            server.run()  # type: ignore[attr-defined]
        except OSError:
            if not self._halt.is_set():
                raise

    def _spawn(self, target: Callable[[], object], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving, sealing and publishing (what is unsealed comes back from the broker)."""
        self._halt.set()
        self.republisher.stop()
        if self._server is not None:
            self._server.close()  # type: ignore[attr-defined]
        self.link.stop()
        for thread in self._threads:
            thread.join(timeout=10)

    # --- out --------------------------------------------------------------------------------

    def send_programmes(self) -> int:
        """Publish the programme of every cluster whose programme changed; how many were sent."""
        now = self.clock()
        with self.sessions() as session:
            sent = fanout.programmes(session, self.settings, now)
            session.commit()
        count = 0
        for item in sent:
            content = (item.message.entries, item.message.relays)
            digest = hashlib.sha256(repr(content).encode()).hexdigest()
            if not item.changed and self.published.get(item.cluster) == digest:
                continue
            topic = wire.topic("programme", item.cluster, self.settings.mqtt_prefix)
            self.link.publish(topic, wire.encode(item.message), retain=True)
            self.published[item.cluster] = digest
            count += 1
        return count

    def republish(self) -> list[str]:
        """Publish each relay occurrence due within LEAD to the station's Icecast for the clusters
        in its zones; end the feeds of those withdrawn. The keys of the feeds started."""
        now = self.clock()
        with self.sessions() as session:
            live = relay_occurrences(session, self.settings, now, now + LEAD)
            live = [o for o in live if fanout.targeted(session, o.slot.zones)]
            if not self.settings.relay_icecast.strip():
                self._not_for_clusters(session, live)
                return []
        base = self.settings.base_dir
        fallbacks = {
            o.slot.name: fallback_path(base, o.slot.fallback) if o.slot.fallback else None
            for o in live
        }
        return self.republisher.keep(live, fallbacks)

    def _not_for_clusters(self, session: Session, live: list[SlotOccurrence]) -> None:
        """A problem for the status page, once per occurrence: a relay slot for clusters came
        up, and the station has no Icecast to re-publish it to them."""
        for occurrence in live:
            key = relay_key(occurrence.slot.name, occurrence.start)
            if key in self.unsent_relays:
                continue
            self.unsent_relays.add(key)
            at = occurrence.start.astimezone(self.settings.tz).strftime("%H:%M %d/%m/%Y")
            problem = note(NoteCode.RELAY_NOT_FOR_CLUSTERS, slot=occurrence.slot.name, at=at)
            logger.warning("%s", problem.english())
            session.add(Problem(at=self.clock(), message=problem.stored()))
        session.commit()
        self.unsent_relays &= {relay_key(o.slot.name, o.start) for o in live}  # the live ones

    def send_emergencies(self) -> int:
        """Publish each live emergency to every targeted cluster not yet sent it."""
        now = self.clock()
        expiry = timedelta(minutes=self.settings.emergency_expiry_minutes)
        with self.sessions() as session:
            live = session.scalars(
                select(AirRequest).where(
                    AirRequest.emergency.is_(True), AirRequest.requested_at > now - expiry
                )
            ).all()
            messages = [m for r in live for m in fanout.emergencies(session, self.settings, r, now)]
            session.commit()
        ready = self.clock()
        for message in self._fewest(messages, live):
            topic = wire.topic("emergency", message.cluster, self.settings.mqtt_prefix)
            left = int((message.expires - now).total_seconds())
            self.link.publish(topic, wire.encode(message), retain=True, expiry_s=left)
        if messages:
            logger.info(
                "emergency sent to %d cluster(s): %.2f s to record, %.2f s to hand over",
                len(messages), (ready - now).total_seconds(), (self.clock() - ready).total_seconds(),
            )  # fmt: skip
        return len(messages)

    @staticmethod
    def _fewest(messages: list[wire.Emergency], live: Sequence[AirRequest]) -> list[wire.Emergency]:
        """An emergency for every zone sent to all its clusters at once is one message on the
        every-cluster topic (the broker fans it out); one for some zones, one per cluster."""
        every = {fanout.emergency_key(r.id) for r in live if not fanout.zone_list(r.zones)}
        fewest, seen = [], set()
        for message in messages:
            if message.key not in every:
                fewest.append(message)
            elif message.key not in seen:
                seen.add(message.key)
                fewest.append(replace(message, cluster=wire.EVERY))
        return fewest

    # --- in ---------------------------------------------------------------------------------

    def _take_loop(self) -> None:
        batch: list[tuple[intake.Received, int]] = []
        while not self._halt.is_set():
            batch = batch or self.link.take_batch(0.5)
            if not batch:
                continue
            try:
                with self.sessions() as session:
                    tally = intake.take(session, self.settings, [r for r, _ in batch])
            except OperationalError as exc:
                logger.error("could not seal %d cluster report(s) yet: %s", len(batch), exc)
                self._halt.wait(RETRY_SECONDS)
                continue
            self.sealed += tally.sealed
            self.link.acknowledge([mid for _, mid in batch])
            batch = []
