"""The agent's control loop: one thread decides everything (what to fetch, play, report);
paho's network thread and the player thread only hand it events on a queue.

`step(now)` does what is due and returns how long to wait for the next event, so the loop
itself is a few lines and time always comes from the injected clock.
"""

from __future__ import annotations

import logging
import queue
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

import paho.mqtt.client as mqtt

from broadcaster import __version__
from broadcaster.clusters import wire
from broadcaster.agent.cache import Cache
from broadcaster.agent.config import AgentConfig, AgentError
from broadcaster.agent.fetch import FetchError, fetch
from broadcaster.agent.link import Connected, Disconnected, Link, Received, Refused
from broadcaster.agent.player import Item, Played, Player
from broadcaster.clock import Clock
from broadcaster.onair.outputs import Output, StopReason

logger = logging.getLogger(__name__)

FETCH_RETRY_SECONDS = 60.0
LONGEST_WAIT = 1.0  # seconds; the loop looks at the clock at least this often
DELIVERY_POLL = 0.1  # while a report waits for the broker's acknowledgement


@dataclass(frozen=True)
class Stop:
    """Stop the agent (SIGTERM, Ctrl+C)."""


Fetcher = Callable[..., object]


class Agent:
    """One cluster's agent: holds the programme, plays it on time, reports what it did."""

    def __init__(
        self, config: AgentConfig, cache: Cache, output: Output, clock: Clock,
        fetcher: Fetcher = fetch,
    ) -> None:  # fmt: skip
        self.config = config
        self.cache = cache
        self.clock = clock
        self.fetcher = fetcher
        self.events: queue.Queue[Any] = queue.Queue()
        self.link = Link(config, self.events)
        self.player = Player(output, self.events)
        self.programme = cache.programme()
        self.handled = cache.handled()
        self.emergencies: list[wire.Emergency] = []  # waiting to play, in arrival order
        self.online = False
        stored = cache.get("last_contact")
        self.last_contact = wire.moment(stored, "last_contact") if stored else None
        self.last_airing = cache.get("last_airing")
        self.started_at: datetime | None = None
        self.pending: dict[int, mqtt.MQTTMessageInfo] = {}
        self.fetch_errors: dict[str, str] = {}
        now = clock()
        self.next_heartbeat = now
        self.next_fetch = now
        self.stopping = False

    def stop(self) -> None:
        """Ask the loop to stop (safe from a signal handler or another thread)."""
        self.events.put(Stop())

    def run(self) -> None:
        """Recover, connect, then loop until stopped; AgentError when the broker refuses us."""
        self.recover()
        self.link.start()
        logger.info(
            "Agent %s started: broker %s:%d, station %s, output %s.", self.config.cluster,
            self.config.broker_host, self.config.broker_port, self.config.station_url,
            self.player.output.description,
        )  # fmt: skip
        try:
            while not self.stopping:
                wait = self.step(self.clock())
                try:
                    event = self.events.get(timeout=wait)
                except queue.Empty:
                    continue
                self.handle(event, self.clock())
        finally:
            self.shutdown()

    # What happens when
    def step(self, now: datetime) -> float:
        """Do what is due at `now`; return the seconds to wait for the next event."""
        # what is due to play first: fetching and reporting must not delay a start
        if not self.player.busy():
            if self.emergencies:
                self._start_emergency(now)
            else:
                self._start_due(now)
        if self._connected():
            self._touch(now)
        if now >= self.next_fetch:
            self.next_fetch = now + timedelta(seconds=FETCH_RETRY_SECONDS)
            self._fetch_missing(now)
        if self._connected() and now >= self.next_heartbeat:
            self.next_heartbeat = now + timedelta(seconds=self.config.heartbeat_seconds)
            self.link.publish("health", wire.encode(self.health(now)), retain=True)
        self._deliver()
        later = self.clock()  # the work above took time: wait from when it ended
        waits = [LONGEST_WAIT, (self.next_heartbeat - later).total_seconds()]
        if self.pending:
            waits.append(DELIVERY_POLL)
        upcoming = self._next_start()
        if upcoming is not None and not self.player.busy():
            waits.append((upcoming - later).total_seconds())
        return max(0.0, min(waits))

    def handle(self, event: object, now: datetime) -> None:
        """React to one event from paho, the player or a signal."""
        if isinstance(event, Received):
            self._touch(now)
            if isinstance(event.message, wire.Programme):
                self._take_programme(event.message, now)
            else:
                self._take_emergency(event.message, now)
        elif isinstance(event, Played):
            self._finish(event, now)
        elif isinstance(event, Connected):
            self.online = True
            self.next_heartbeat = now
            logger.info("Connected to the broker as %s.", self.config.cluster)
        elif isinstance(event, Disconnected):
            self.online = False
        elif isinstance(event, Refused):
            raise AgentError(
                f"The broker at {self.config.broker_host}:{self.config.broker_port} refused"
                f" cluster {self.config.cluster}'s user name or password ({event.reason})."
            )
        elif isinstance(event, Stop):
            self.stopping = True

    # Start, restart and stop
    def recover(self) -> None:
        """Rows left `started` by a killed agent become `interrupted` (it played part of them)."""
        for left in self.cache.left_started():
            logger.warning("%s was cut off when the agent stopped: interrupted.", left.entry)
            self._record(
                left.entry, "interrupted", left.sha256, left.started_at, None,
                "the agent stopped during the airing", from_cache=left.from_cache,
            )  # fmt: skip

    def shutdown(self) -> None:
        """Interrupt what plays, deliver what can be delivered, say offline, disconnect."""
        if self.player.busy():
            self.player.stop(StopReason.STOPPING)
            while True:
                event = self.events.get()
                if isinstance(event, Played):
                    self._finish(event, self.clock())
                    break
        if self.online:
            self._deliver()
            for info in self.pending.values():
                try:
                    info.wait_for_publish(timeout=2.0)
                except (RuntimeError, ValueError):
                    break
            self._deliver()
        goodbye = wire.Health(self.config.cluster, online=False, at=self.clock(),
                              last_airing=self.last_airing)  # fmt: skip
        self.link.stop(wire.encode(goodbye))
        logger.info("Agent %s stopped.", self.config.cluster)

    # The programme
    def _take_programme(self, programme: wire.Programme, now: datetime) -> None:
        held = self.programme
        if held is not None and programme.version < held.version:
            logger.info("Ignored programme version %d: holding %d.", programme.version,
                        held.version)  # fmt: skip
            return
        retracted, added = wire.changes(held, programme)
        keys = {e.key for e in programme.entries}
        for entry in retracted:
            if entry.key not in keys and entry.key not in self.handled:
                self._record(entry.key, "retracted", entry.sha256, None, None, None)
        self.cache.keep_programme(programme)
        self.programme = programme
        self.next_fetch = now
        keep = {e.sha256 for e in programme.entries}
        keep |= {e.sha256 for e in self.emergencies}
        if self.player.item is not None:
            keep.add(self.player.item.sha256)
        gone = self.cache.prune(keep)
        if gone:
            logger.info("Deleted %d audio files no longer in the programme.", len(gone))
        logger.info(
            "Programme version %d: %d entries until %s, %d retracted or replaced, %d new.",
            programme.version, len(programme.entries), wire.when(programme.until),
            len(retracted), len(added),
        )  # fmt: skip

    def _upcoming(self, now: datetime) -> list[wire.Entry]:
        """Entries not yet handled whose start is ahead or within the grace, in start order."""
        if self.programme is None:
            return []
        grace = timedelta(minutes=self.config.grace_minutes)
        return sorted(
            (e for e in self.programme.entries
             if e.key not in self.handled and e.start + grace >= now),
            key=lambda e: e.start,
        )  # fmt: skip

    def _next_start(self) -> datetime | None:
        if self.programme is None:
            return None
        starts = [e.start for e in self.programme.entries if e.key not in self.handled]
        return min(starts) if starts else None

    def _fetch_missing(self, now: datetime) -> None:
        for entry in self._upcoming(now):
            if not self.cache.has_audio(entry.sha256):
                self._fetch(entry.key, entry.url, entry.sha256)

    def _fetch(self, key: str, url: str, sha256: str) -> bool:
        """Fetch and check one file; False (and the reason kept for health) when it failed."""
        try:
            self.fetcher(self.config.station_url, url, self.config.token, sha256,
                         self.cache.audio_path(sha256), self.config.tls_ca)  # fmt: skip
        except FetchError as exc:
            self.fetch_errors[key] = str(exc)
            logger.warning("Audio for %s not fetched: %s", key, exc)
            return False
        self.fetch_errors.pop(key, None)
        logger.info("Fetched the audio for %s (%s).", key, sha256[:12])
        return True

    def _start_due(self, now: datetime) -> None:
        if self.programme is None:
            return
        grace = timedelta(minutes=self.config.grace_minutes)
        for entry in sorted(self.programme.entries, key=lambda e: e.start):
            if entry.key in self.handled:
                continue
            if entry.start > now:
                return
            self.handled.add(entry.key)
            if now - entry.start > grace:
                late = round((now - entry.start).total_seconds())
                self._record(entry.key, "failed", entry.sha256, None, None,
                             f"missed: its start passed {late} s ago")  # fmt: skip
                continue
            if not self.cache.has_audio(entry.sha256) and not self._fetch(
                entry.key, entry.url, entry.sha256
            ):
                self._record(entry.key, "failed", entry.sha256, None, None,
                             f"audio missing: {self.fetch_errors.get(entry.key)}")  # fmt: skip
                continue
            self._play(Item(entry.key, entry.sha256, entry.duration_s), now)
            return

    # Emergencies
    def _take_emergency(self, emergency: wire.Emergency, now: datetime) -> None:
        if emergency.key in self.handled:
            return  # the retained copy again after a reconnect: played (or refused) once only
        if emergency.expires <= now:
            self.handled.add(emergency.key)
            self._record(emergency.key, "failed", emergency.sha256, None, None,
                         f"expired at {wire.when(emergency.expires)}")  # fmt: skip
            logger.warning("Emergency %s arrived after its expiry: not played.", emergency.key)
            return
        if any(e.key == emergency.key for e in self.emergencies):
            return
        self.emergencies.append(emergency)
        playing = self.player.item
        if playing is not None and not playing.emergency:
            logger.warning("Emergency %s: stopping %s.", emergency.key, playing.key)
            self.player.stop(StopReason.EMERGENCY)

    def _start_emergency(self, now: datetime) -> None:
        emergency = self.emergencies.pop(0)
        self.handled.add(emergency.key)
        if emergency.expires <= now:
            self._record(emergency.key, "failed", emergency.sha256, None, None,
                         f"expired at {wire.when(emergency.expires)}")  # fmt: skip
            return
        if not self.cache.has_audio(emergency.sha256) and not self._fetch(
            emergency.key, emergency.url, emergency.sha256
        ):
            self._record(emergency.key, "failed", emergency.sha256, None, None,
                         f"audio missing: {self.fetch_errors.get(emergency.key)}")  # fmt: skip
            return
        item = Item(emergency.key, emergency.sha256, emergency.duration_s, emergency=True)
        self._play(item, now)

    # Playing and the as-run log
    def _play(self, item: Item, now: datetime) -> None:
        self.started_at = self.clock()  # `now` may be a fetch ago
        self._record(item.key, "started", item.sha256, self.started_at, None, None)
        self.player.play(item, self.cache.audio_path(item.sha256))

    def _finish(self, played: Played, now: datetime) -> None:
        self._record(played.item.key, played.kind, played.item.sha256, self.started_at, now,
                     played.error)  # fmt: skip
        self.player.done()
        if played.kind == "aired":
            self.last_airing = played.item.key
            self.cache.put("last_airing", played.item.key)

    def _record(
        self, entry: str, kind: str, sha256: str | None, started: datetime | None,
        ended: datetime | None, error: str | None, from_cache: bool | None = None,
    ) -> None:  # fmt: skip
        offline = not self._connected() if from_cache is None else from_cache
        report = wire.Report(
            cluster=self.config.cluster, entry=entry, kind=kind, sha256=sha256,
            started_at=started, ended_at=ended, reported_at=self.clock(), from_cache=offline,
            last_contact=self.last_contact if offline else None, error=error,
        )  # fmt: skip
        if self.cache.record(report):
            logger.info("As-run: %s %s%s%s", entry, kind, " (from cache)" if offline else "",
                        f": {error}" if error else "")  # fmt: skip

    def _deliver(self) -> None:
        """Publish each undelivered row once; mark it delivered when the broker acknowledged it."""
        for row in self.cache.undelivered():
            info = self.pending.get(row.id)
            if info is None:
                if self._connected():
                    self.pending[row.id] = self.link.publish("report", wire.encode(row.report))
            elif info.is_published():
                self.cache.delivered(row.id)
                del self.pending[row.id]

    def _connected(self) -> bool:
        """Connected, by the events handled and by the live socket (the Disconnected event may
        still wait in the queue while this thread was fetching)."""
        return self.online and self.link.connected()

    def _touch(self, now: datetime) -> None:
        """The broker is there: remember when we last heard it (kept across restarts)."""
        before = self.last_contact
        self.last_contact = now
        if before is None or (now - before).total_seconds() >= 5:
            self.cache.put("last_contact", wire.when(now) or "")

    def health(self, now: datetime) -> wire.Health:
        """The heartbeat: what is ready, missing and playing."""
        upcoming = self._upcoming(now)
        missing = [e for e in upcoming if not self.cache.has_audio(e.sha256)]
        if missing:
            ready = max(0.0, (missing[0].start - now).total_seconds() / 3600)
        elif self.programme is not None:
            ready = max(0.0, (self.programme.until - now).total_seconds() / 3600)
        else:
            ready = 0.0
        return wire.Health(
            cluster=self.config.cluster, online=True, at=now, version=__version__,
            cache_ready_hours=round(ready, 3), missing=tuple(e.key for e in missing),
            disk_free_mb=round(shutil.disk_usage(self.config.folder).free / 1e6, 1),
            last_airing=self.last_airing, last_contact=self.last_contact,
            playing=self.player.item.key if self.player.item else None,
        )  # fmt: skip
