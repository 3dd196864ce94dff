"""The agent's MQTT connection (paho, MQTT v5): a persistent session, a last will, and
everything it hears handed to the control thread as events on a queue."""

from __future__ import annotations

import logging
import queue
import ssl
import sys
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from broadcaster.agent.config import AgentConfig
from broadcaster.clusters import wire

logger = logging.getLogger(__name__)

SESSION_EXPIRY_SECONDS = 2 * 24 * 3600  # QoS 1 messages wait this long for an agent away
KEEPALIVE_SECONDS = 30
RECONNECT_MAX_SECONDS = 30  # back-off doubles from 1 s up to this
REFUSED_CREDENTIALS = {134, 135}  # bad user name or password; not authorised


@dataclass(frozen=True)
class Connected:
    """The broker accepted the connection and the subscriptions are asked for."""


@dataclass(frozen=True)
class Disconnected:
    """The connection was lost; paho reconnects on its own with back-off."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """The broker refused the agent's user name or password."""

    reason: str


@dataclass(frozen=True)
class Received:
    """A station message on one of the agent's topics."""

    message: wire.Programme | wire.Emergency


Event = Connected | Disconnected | Refused | Received


class Link:
    """Owns the paho client; its network thread only decodes and queues, never decides."""

    def __init__(self, config: AgentConfig, events: queue.Queue[Any]) -> None:
        self.config = config
        self.events = events
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"agent-{config.cluster}",
            protocol=mqtt.MQTTv5,
        )  # fmt: skip
        client.username_pw_set(config.cluster, config.password)
        client.will_set(
            config.topic("health"), wire.encode(wire.Health(config.cluster, online=False)),
            qos=1, retain=True,
        )  # fmt: skip
        if config.tls:
            client.tls_set(
                ca_certs=str(config.tls_ca) if config.tls_ca else None,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )  # fmt: skip
        if logger.isEnabledFor(logging.DEBUG):  # paho's own detail with -v only: it is noisy
            client.enable_logger(logging.getLogger("broadcaster.agent.paho"))
        client.reconnect_delay_set(min_delay=1, max_delay=RECONNECT_MAX_SECONDS)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        self.client = client

    def start(self) -> None:
        """Connect in paho's own thread, retrying forever (the first connection too)."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        self.client.connect_async(
            self.config.broker_host, self.config.broker_port, keepalive=KEEPALIVE_SECONDS,
            clean_start=False, properties=properties,
        )  # fmt: skip
        self.client.loop_start()

    def stop(self, goodbye: bytes | None) -> None:
        """Say offline (retained) if connected, then disconnect and end the network thread."""
        if goodbye is not None and self.client.is_connected():
            info = self.client.publish(self.config.topic("health"), goodbye, qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                pass  # not acknowledged in time: the broker's copy of the last will says it
        self.client.disconnect()
        self.client.loop_stop()

    def connected(self) -> bool:
        """Whether the broker connection is up."""
        return self.client.is_connected()

    def publish(self, kind: str, payload: bytes, retain: bool = False) -> mqtt.MQTTMessageInfo:
        """Queue a QoS 1 message on this cluster's topic; paho re-sends it after a reconnect."""
        return self.client.publish(self.config.topic(kind), payload, qos=1, retain=retain)

    # paho's network thread
    def _on_connect(
        self, client: mqtt.Client, _userdata: object, _flags: object, reason: Any,
        _properties: object,
    ) -> None:  # fmt: skip
        if reason.is_failure:
            if reason.value in REFUSED_CREDENTIALS:
                self.events.put(Refused(str(reason)))
            else:
                logger.warning("The broker refused the connection: %s.", reason)
            return
        client.subscribe([
            (self.config.topic("programme"), SubscribeOptions(qos=1)),
            (self.config.topic("emergency"), SubscribeOptions(qos=1)),
            (wire.topic("emergency", wire.EVERY, self.config.prefix), SubscribeOptions(qos=1)),
        ])  # fmt: skip
        self.events.put(Connected())

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: object) -> None:
        # paho calls this inside its `except OSError`: the error in hand is the reason
        reason = sys.exc_info()[1]
        logger.warning(
            "Cannot connect to the broker at %s:%d (%s): retrying.", self.config.broker_host,
            self.config.broker_port, reason or "no reason given",
        )  # fmt: skip

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: object, _flags: object, reason: Any,
        _properties: object,
    ) -> None:  # fmt: skip
        # logged here, not by the control thread, which may be busy fetching or playing
        logger.warning("Lost the broker (%s): playing from the cache, reconnecting.", reason)
        self.events.put(Disconnected(str(reason)))

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            message = wire.decode(bytes(msg.payload))
        except wire.WireError as exc:
            logger.warning("Ignored a message on %s: %s.", msg.topic, exc)
            return
        if not isinstance(message, (wire.Programme, wire.Emergency)):
            logger.warning("Ignored a %s on %s.", type(message).__name__.lower(), msg.topic)
            return
        for_all = isinstance(message, wire.Emergency) and message.cluster == wire.EVERY
        if message.cluster != self.config.cluster and not for_all:
            logger.warning("Ignored a message on %s for cluster %s.", msg.topic, message.cluster)
            return
        self.events.put(Received(message))
