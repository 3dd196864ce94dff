"""The agent's as-run log: what it did (started, aired, failed, …) kept in its cache first, then
reported to the station and marked delivered once the broker has acknowledged the report.

Used from the control thread only; `online` is what the link's events last said.
"""

from __future__ import annotations

import logging
from datetime import datetime

import paho.mqtt.client as mqtt

from broadcaster.agent.cache import Cache
from broadcaster.agent.link import Link
from broadcaster.agent.player import Reception
from broadcaster.clock import Clock
from broadcaster.clusters import wire

logger = logging.getLogger(__name__)


class AsRunLog:
    """The reports kept and sent, when the broker was last heard, and the last bulletin aired."""

    def __init__(self, cluster: str, cache: Cache, link: Link, clock: Clock) -> None:
        self.cluster = cluster
        self.cache = cache
        self.link = link
        self.clock = clock
        self.online = False
        stored = cache.get("last_contact")
        self.last_contact = wire.moment(stored, "last_contact") if stored else None
        self.last_airing = cache.get("last_airing")
        # entries planned before the agent's first start were never its to play
        self.tracked_since = cache.tracked_since(clock())
        self.pending: dict[int, mqtt.MQTTMessageInfo] = {}
        self.started_at: datetime | None = None  # of what plays, for its outcome's row

    def recover(self) -> None:
        """Rows left `started` by a killed agent become `interrupted` (it played part of them)."""
        for left in self.cache.left_started():
            logger.warning("%s was cut off when the agent stopped: interrupted.", left.entry)
            self.record(
                left.entry, "interrupted", left.sha256, left.started_at, None,
                "the agent stopped during the airing", from_cache=left.from_cache,
            )  # fmt: skip

    def connected(self) -> bool:
        """Connected, by the events handled and by the live socket (the Disconnected event may
        still wait in the queue while the control thread was fetching)."""
        return self.online and self.link.connected()

    def touch(self, now: datetime) -> None:
        """The broker is there: remember when we last heard it (kept across restarts)."""
        before = self.last_contact
        self.last_contact = now
        if before is None or (now - before).total_seconds() >= 5:
            self.cache.put("last_contact", wire.when(now) or "")

    def record(
        self, entry: str, kind: str, sha256: str | None, started: datetime | None,
        ended: datetime | None, error: str | None, from_cache: bool | None = None,
        reception: Reception | None = None,
    ) -> None:  # fmt: skip
        """Keep one line of the as-run log (once per entry and kind); it is reported later.
        A relay part's outcome carries its `reception` (seconds received, gaps)."""
        offline = not self.connected() if from_cache is None else from_cache
        report = wire.Report(
            cluster=self.cluster, entry=entry, kind=kind, sha256=sha256,
            started_at=started, ended_at=ended, reported_at=self.clock(), from_cache=offline,
            last_contact=self.last_contact if offline else None, error=error,
            received_s=reception.received_s if reception else None,
            gaps=reception.gaps if reception else (),
        )  # fmt: skip
        if self.cache.record(report):
            logger.info("As-run: %s %s%s%s", entry, kind, " (from cache)" if offline else "",
                        f": {error}" if error else "")  # fmt: skip

    def failed(self, entry: str, sha256: str, why: str) -> None:
        """`entry` did not start, for the reason `why`."""
        self.record(entry, "failed", sha256, None, None, why)

    def missed(self, entry: wire.Entry, now: datetime) -> None:
        """`entry`'s grace passed unplayed: `failed`, missed; but one planned before this agent
        first ran (a fresh install) was never expected of it: skipped, nothing reported."""
        if self.tracked_since is not None and entry.start < self.tracked_since:
            logger.info("%s was planned for %s, before this agent first ran: skipped.",
                        entry.key, wire.when(entry.start))  # fmt: skip
            return
        late = round((now - entry.start).total_seconds())
        self.failed(entry.key, entry.sha256, f"missed: its start passed {late} s ago")

    def started(self, entry: str, sha256: str | None) -> None:
        """`entry` starts playing now (by the clock: the caller's time may be a fetch ago)."""
        self.started_at = self.clock()
        self.record(entry, "started", sha256, self.started_at, None, None)

    def ended(
        self, entry: str, kind: str, sha256: str | None, now: datetime, error: str | None,
        reception: Reception | None = None,
    ) -> None:  # fmt: skip
        """What played ended at `now` as `kind` (aired, failed, preempted, interrupted)."""
        self.record(entry, kind, sha256, self.started_at, now, error, reception=reception)
        if kind == "aired":  # the heartbeat says so from now on
            self.last_airing = entry
            self.cache.put("last_airing", entry)

    def deliver(self) -> None:
        """Publish each undelivered row once; mark it delivered when the broker acknowledged it."""
        for row in self.cache.undelivered():
            info = self.pending.get(row.id)
            if info is None:
                if self.connected():
                    self.pending[row.id] = self.link.publish("report", wire.encode(row.report))
            elif info.is_published():
                self.cache.delivered(row.id)
                del self.pending[row.id]

    def flush(self) -> None:
        """Before stopping: deliver what can be, waiting a little for each acknowledgement."""
        self.deliver()
        for info in self.pending.values():
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                break
        self.deliver()
