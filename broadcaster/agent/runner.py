"""The agent's control loop: one thread decides everything (what to fetch, play, report);
paho's network thread and the player thread only hand it events on a queue.

`step(now)` does what is due and returns how long to wait for the next event, so the loop
itself is a few lines and time always comes from the injected clock. What it holds to play is
a `Schedule`, the audio comes through an `AudioSupply`, and what it did goes to an `AsRunLog`.
"""

from __future__ import annotations

import logging
import queue
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from broadcaster import __version__
from broadcaster.agent.asrun import AsRunLog
from broadcaster.agent.audio import AudioSupply, Fetcher
from broadcaster.agent.cache import Cache
from broadcaster.agent.config import AgentConfig, AgentError
from broadcaster.agent.fetch import fetch
from broadcaster.agent.link import Connected, Disconnected, Link, Received, Refused
from broadcaster.agent.player import Item, Played, Player
from broadcaster.agent.relaying import RelayDesk
from broadcaster.agent.schedule import Schedule
from broadcaster.clock import Clock
from broadcaster.clusters import wire
from broadcaster.onair.outputs import Output, StopReason

logger = logging.getLogger(__name__)

FETCH_RETRY_SECONDS = 60.0
LONGEST_WAIT = 1.0  # seconds; the loop looks at the clock at least this often
DELIVERY_POLL = 0.1  # while a report waits for the broker's acknowledgement


@dataclass(frozen=True)
class Stop:
    """Stop the agent (SIGTERM, Ctrl+C)."""


class Agent:
    """One cluster's agent: holds the programme, plays it on time, reports what it did."""

    def __init__(
        self, config: AgentConfig, cache: Cache, output: Output, clock: Clock,
        fetcher: Fetcher = fetch,
    ) -> None:  # fmt: skip
        self.config = config
        self.cache = cache
        self.clock = clock
        self.events: queue.Queue[Any] = queue.Queue()
        self.link = Link(config, self.events)
        self.player = Player(output, self.events)
        grace = timedelta(minutes=config.grace_minutes)
        self.schedule = Schedule(cache.programme(), cache.handled(), grace)
        self.audio = AudioSupply(config, cache, fetcher)
        self.log = AsRunLog(config.cluster, cache, self.link, clock)
        self.relays = RelayDesk(self.schedule, self.log, self.player, clock, cache.relay_history())
        now = clock()
        self.next_heartbeat = now
        self.next_fetch = now
        self.stopping = False

    def stop(self) -> None:
        """Ask the loop to stop (safe from a signal handler or another thread)."""
        self.events.put(Stop())

    def run(self) -> None:
        """Recover, connect, then loop until stopped; AgentError when the broker refuses us."""
        self.log.recover()
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
            if self.schedule.emergencies:
                self._start_emergency(now)
            elif not self.relays.start_due(now):  # a relay holds the air: bulletins wait
                self._start_due(now)
        if self.log.connected():
            self.log.touch(now)
        if now >= self.next_fetch:
            self.next_fetch = now + timedelta(seconds=FETCH_RETRY_SECONDS)
            self.audio.fetch_missing(self.schedule.upcoming(now))
        if self.log.connected() and now >= self.next_heartbeat:
            self.next_heartbeat = now + timedelta(seconds=self.config.heartbeat_seconds)
            self.link.publish("health", wire.encode(heartbeat(self, now)), retain=True)
        self.log.deliver()
        later = self.clock()  # the work above took time: wait from when it ended
        waits = [LONGEST_WAIT, (self.next_heartbeat - later).total_seconds()]
        if self.log.pending:
            waits.append(DELIVERY_POLL)
        upcoming = [self.schedule.next_start(), self.relays.next_start(later)]
        if not self.player.busy():
            waits += [(at - later).total_seconds() for at in upcoming if at is not None]
        return max(0.0, min(waits))

    def handle(self, event: object, now: datetime) -> None:
        """React to one event from paho, the player or a signal."""
        if isinstance(event, Received):
            self.log.touch(now)
            if isinstance(event.message, wire.Programme):
                self._take_programme(event.message, now)
            else:
                self._take_emergency(event.message, now)
        elif isinstance(event, Played):
            self._finish(event, now)
        elif isinstance(event, Connected):
            self.log.online = True
            self.next_heartbeat = now
            logger.info("Connected to the broker as %s.", self.config.cluster)
        elif isinstance(event, Disconnected):
            self.log.online = False
        elif isinstance(event, Refused):
            raise AgentError(
                f"The broker at {self.config.broker_host}:{self.config.broker_port} refused"
                f" cluster {self.config.cluster}'s user name or password ({event.reason})."
            )
        elif isinstance(event, Stop):
            self.stopping = True

    # Start, restart and stop
    def shutdown(self) -> None:
        """Interrupt what plays, deliver what can be delivered, say offline, disconnect."""
        if self.player.busy():
            self.player.stop(StopReason.STOPPING)
            while True:
                event = self.events.get()
                if isinstance(event, Played):
                    self._finish(event, self.clock())
                    break
        if self.log.online:
            self.log.flush()
        goodbye = wire.Health(self.config.cluster, online=False, at=self.clock(),
                              last_airing=self.log.last_airing)  # fmt: skip
        self.link.stop(wire.encode(goodbye))
        logger.info("Agent %s stopped.", self.config.cluster)

    # The programme
    def _take_programme(self, programme: wire.Programme, now: datetime) -> None:
        held = self.schedule.programme
        if held is not None and programme.version < held.version:
            logger.info("Ignored programme version %d: holding %d.", programme.version,
                        held.version)  # fmt: skip
            return
        retracted, added, withdrawn = self.schedule.replace(programme)
        for entry in withdrawn:
            self.log.record(entry.key, "retracted", entry.sha256, None, None, None)
        self.cache.keep_programme(programme)
        self.relays.follow()
        self.next_fetch = now
        playing = self.player.item.sha256 if self.player.item is not None else None
        self.audio.prune(self.schedule.audio_kept(playing))
        logger.info(
            "Programme version %d: %d entries and %d relays until %s, %d retracted or replaced,"
            " %d new.", programme.version, len(programme.entries), len(programme.relays),
            wire.when(programme.until),
            len(retracted), len(added),
        )  # fmt: skip

    def _start_due(self, now: datetime) -> None:
        for entry in self.schedule.due(now):
            self.schedule.handled.add(entry.key)
            if now - entry.start > self.schedule.grace:
                self.log.missed(entry, now)
                continue
            if not self.audio.ready(entry.key, entry.url, entry.sha256):
                self.log.failed(entry.key, entry.sha256, self.audio.missing(entry.key))
                continue
            self._play(Item(entry.key, entry.sha256, entry.duration_s), entry.sha256)
            return

    # Emergencies
    def _take_emergency(self, emergency: wire.Emergency, now: datetime) -> None:
        if emergency.key in self.schedule.handled:
            return  # the retained copy again after a reconnect: played (or refused) once only
        if emergency.expires <= now:
            self.schedule.handled.add(emergency.key)
            self.log.failed(emergency.key, emergency.sha256,
                            f"expired at {wire.when(emergency.expires)}")  # fmt: skip
            logger.warning("Emergency %s arrived after its expiry: not played.", emergency.key)
            return
        if not self.schedule.queue(emergency):
            return
        playing = self.player.item
        if playing is not None and not playing.emergency:
            logger.warning("Emergency %s: stopping %s.", emergency.key, playing.key)
            self.player.stop(StopReason.EMERGENCY)

    def _start_emergency(self, now: datetime) -> None:
        emergency = self.schedule.emergencies.pop(0)
        self.schedule.handled.add(emergency.key)
        if emergency.expires <= now:
            self.log.failed(emergency.key, emergency.sha256,
                            f"expired at {wire.when(emergency.expires)}")  # fmt: skip
            return
        if not self.audio.ready(emergency.key, emergency.url, emergency.sha256):
            self.log.failed(emergency.key, emergency.sha256, self.audio.missing(emergency.key))
            return
        item = Item(emergency.key, emergency.sha256, emergency.duration_s, emergency=True)
        self._play(item, emergency.sha256)

    # Playing
    def _play(self, item: Item, sha256: str) -> None:
        self.log.started(item.key, sha256)
        self.player.play(item, self.cache.audio_path(sha256))

    def _finish(self, played: Played, now: datetime) -> None:
        item = played.item
        self.log.ended(item.key, played.kind, item.sha256, now, played.error, played.reception)
        self.player.done()
        if item.relay is not None:
            self.relays.ended(played, now)


def heartbeat(agent: Agent, now: datetime) -> wire.Health:
    """The agent's heartbeat: what is ready, missing and playing (a relay: its part's key)."""
    upcoming = agent.schedule.upcoming(now)
    missing = [e for e in upcoming if not agent.cache.has_audio(e.sha256)]
    ready = agent.schedule.ready_hours(now, missing)
    return wire.Health(
        cluster=agent.config.cluster, online=True, at=now, version=__version__,
        cache_ready_hours=round(ready, 3), missing=tuple(e.key for e in missing),
        disk_free_mb=round(shutil.disk_usage(agent.config.folder).free / 1e6, 1),
        last_airing=agent.log.last_airing, last_contact=agent.log.last_contact,
        playing=agent.player.item.key if agent.player.item else None,
    )  # fmt: skip
