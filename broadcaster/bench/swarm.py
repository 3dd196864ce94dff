"""The simulated loudspeaker clusters of `broadcaster bench clusters`: N real MQTT v5
connections (paho), one per cluster with its own credentials, all driven by one `selectors`
loop in one thread through paho's external-loop API (no thread per agent).

Each agent subscribes to its emergency topic; when the emergency arrives it notes the time and
publishes its `started` and `aired` reports (QoS 1), as a real agent would after playing it
(it does not wait out the audio: the bench measures the fan-out and the sealing, not playback).
"""

from __future__ import annotations

import os
import selectors
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as mqtt

from broadcaster.clock import utc_now
from broadcaster.clusters import wire

if TYPE_CHECKING:
    from paho.mqtt.client import SocketLike

KEEPALIVE = 60  # seconds; loop_misc sends the pings
MISC_EVERY = 2.0  # seconds between keepalive sweeps over every agent


@dataclass
class Agent:
    """One simulated cluster: its client and what happened to it."""

    name: str
    password: str
    client: mqtt.Client | None = None
    subscribed_at: float | None = None
    received_at: float | None = None  # wall-clock seconds the emergency was in its socket
    refused: str | None = None
    sent: list[mqtt.MQTTMessageInfo] = field(default_factory=list)


class Swarm:
    """N agents on one selector; `run` turns the loop until a condition or a deadline."""

    def __init__(self, host: str, port: int, prefix: str, window: int = 200) -> None:
        self.host, self.port, self.prefix = host, port, prefix
        self.window = window  # at most this many connections under way at once
        self.selector = selectors.DefaultSelector()
        self.agents: list[Agent] = []
        self.started = 0  # agents whose connection has begun
        self.connecting = 0
        self.last_misc = time.monotonic()
        self.readers: dict[int, Callable[[], None]] = {}

    def add(self, name: str, password: str) -> None:
        """An agent to connect (in order, `window` at a time, once `run` turns the loop)."""
        self.agents.append(Agent(name, password))

    def watch(self, fd: int, on_readable: Callable[[], None]) -> None:
        """Also call `on_readable` when `fd` (e.g. the station's pipe) can be read."""
        self.readers[fd] = on_readable
        self.selector.register(fd, selectors.EVENT_READ, None)

    # --- connecting -------------------------------------------------------------------------

    def _begin(self, agent: Agent) -> None:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=agent.name, protocol=mqtt.MQTTv5,
            userdata=agent,
        )  # fmt: skip
        client.username_pw_set(agent.name, agent.password)
        client.on_socket_open = self._opened
        client.on_socket_close = self._closed
        client.on_socket_register_write = self._want_write
        client.on_socket_unregister_write = self._wrote
        client.on_connect = self._connected
        client.on_subscribe = self._subscribed
        client.on_message = self._message
        agent.client = client
        self.connecting += 1
        try:
            client.connect(self.host, self.port, KEEPALIVE)
        except OSError as exc:
            agent.refused = f"could not connect: {exc}"
            self.connecting -= 1

    def _opened(self, _c: mqtt.Client, agent: Any, sock: SocketLike) -> None:
        self.selector.register(sock, selectors.EVENT_READ, agent)

    def _closed(self, _c: mqtt.Client, agent: Any, sock: SocketLike) -> None:
        self.selector.unregister(sock)
        if agent.subscribed_at is None and agent.refused is None:
            agent.refused = "connection closed before it subscribed"
            self.connecting -= 1

    def _want_write(self, _c: mqtt.Client, agent: Any, sock: SocketLike) -> None:
        self.selector.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, agent)

    def _wrote(self, _c: mqtt.Client, agent: Any, sock: SocketLike) -> None:
        self.selector.modify(sock, selectors.EVENT_READ, agent)

    def _connected(self, client: mqtt.Client, agent: Agent, _f: object, reason: object, _p: object) -> None:  # fmt: skip
        if getattr(reason, "is_failure", False):
            agent.refused = f"broker refused it: {reason}"
            self.connecting -= 1
            return
        client.subscribe([  # its own emergencies, and those for every cluster
            (wire.topic("emergency", agent.name, self.prefix), 1),
            (wire.topic("emergency", wire.EVERY, self.prefix), 1),
        ])  # fmt: skip

    def _subscribed(self, _c: mqtt.Client, agent: Agent, _m: int, codes: list[Any], _p: object) -> None:  # fmt: skip
        if any(getattr(code, "is_failure", False) for code in codes):
            agent.refused = f"subscription refused: {codes}"
        else:
            agent.subscribed_at = time.time()
        self.connecting -= 1

    # --- the emergency ----------------------------------------------------------------------

    def _message(self, client: mqtt.Client, agent: Agent, message: mqtt.MQTTMessage) -> None:
        if agent.received_at is not None:
            return  # a retained copy again (a reconnect): it already confirmed
        agent.received_at = time.time()  # when this agent had it in hand (not the loop turn)
        emergency = wire.decode(bytes(message.payload))
        if not isinstance(emergency, wire.Emergency):
            return
        played = utc_now()
        topic = wire.topic("report", agent.name, self.prefix)
        for kind in ("started", "aired"):
            report = wire.Report(
                cluster=agent.name, entry=emergency.key, kind=kind, sha256=emergency.sha256,
                started_at=played, ended_at=played if kind == "aired" else None,
                reported_at=played,
            )  # fmt: skip
            agent.sent.append(client.publish(topic, wire.encode(report), qos=1))

    # --- the loop ---------------------------------------------------------------------------

    def run(self, until: Callable[[], bool], deadline: float) -> bool:
        """Turn the loop until `until()` is true (True) or time.monotonic() passes `deadline`."""
        while not until():
            if time.monotonic() >= deadline:
                return False
            while self.connecting < self.window and self.started < len(self.agents):
                self._begin(self.agents[self.started])
                self.started += 1
            events = self.selector.select(timeout=0.05)
            for key, mask in events:
                agent = key.data
                if agent is None:
                    self.readers[key.fd]()
                    continue
                client = agent.client
                if mask & selectors.EVENT_READ:
                    client.loop_read()
                if mask & selectors.EVENT_WRITE and client.socket() is not None:
                    client.loop_write()
            if time.monotonic() - self.last_misc >= MISC_EVERY:
                self.last_misc = time.monotonic()
                for agent in self.agents[: self.started]:
                    if agent.client is not None and agent.client.socket() is not None:
                        agent.client.loop_misc()
        return True

    @property
    def subscribed(self) -> int:
        """Agents connected and subscribed to their emergency topic."""
        return sum(1 for a in self.agents if a.subscribed_at is not None)

    @property
    def received(self) -> int:
        """Agents that have the emergency."""
        return sum(1 for a in self.agents if a.received_at is not None)

    @property
    def all_started(self) -> bool:
        """Every agent has subscribed or been refused."""
        return self.started == len(self.agents) and self.connecting == 0

    def confirmations_sent(self) -> int:
        """Reports the broker acknowledged (PUBACK)."""
        return sum(1 for a in self.agents for info in a.sent if info.is_published())

    def close(self) -> None:
        """Disconnect every agent and close the selector."""
        for agent in self.agents:
            client = agent.client
            if client is not None and client.socket() is not None:
                client.disconnect()
                if client.socket() is not None:
                    client.loop_write()
                    sock = client.socket()
                    if sock is not None:
                        try:
                            self.selector.unregister(sock)
                        except KeyError:
                            pass
                        sock.close()
        for fd in list(self.readers):
            self.selector.unregister(fd)
        self.selector.close()


def rss_kb(pid: int | str = "self") -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB, from /proc."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds of a process so far, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
