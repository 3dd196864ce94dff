"""The station's one MQTT connection (paho-mqtt, MQTT 5): it publishes programmes and
emergencies, and hands reports and heartbeats to the intake in batches.

Exactly once, end to end: the session is persistent (a fixed client id, clean start off), so
what agents publish while the station is down waits at the broker; and each QoS 1 message is
acknowledged only after the intake has committed it (manual acks), so a station killed between
receiving and sealing gets it again. The intake's unique keys drop a second copy.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
from collections.abc import Callable
from datetime import datetime

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from broadcaster.clusters import wire
from broadcaster.clusters.agent_reports import Received
from broadcaster.clusters.broker import CA_CERT
from broadcaster.config import Settings

logger = logging.getLogger(__name__)

SESSION_SECONDS = 7 * 24 * 3600  # reports wait at the broker this long for a stopped station
KEEPALIVE = 15  # seconds; the broker sends an agent's last will within 1.5 keepalives
BATCH = 1000
INFLIGHT = 20_000


class StationLink:
    """Publish to the clusters; collect what they send in `inbox` until `acknowledge`."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime],
        client_id: str = "broadcaster-station",
        ca_file: str | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.prefix = settings.mqtt_prefix
        self.inbox: queue.Queue[tuple[Received, int]] = queue.Queue()
        self.ready = threading.Event()
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        client.username_pw_set(settings.mqtt_user, settings.mqtt_password)
        if settings.mqtt_tls == "on":
            ca = ca_file or str(settings.broker_path / CA_CERT)
            client.tls_set(ca_certs=ca, cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(1, 30)
        # An emergency goes to every cluster at once: paho's default of 20 messages awaiting
        # their acknowledgement would send 5,000 in 250 round trips.
        client.max_inflight_messages_set(INFLIGHT)
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_message = self._message
        self.client = client

    def start(self) -> None:
        """Connect in the background (and keep reconnecting); `ready` is set once subscribed."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_SECONDS
        self.client.connect_async(
            self.settings.mqtt_host, self.settings.mqtt_port, KEEPALIVE,
            clean_start=False, properties=properties,
        )  # fmt: skip
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect and stop the network thread (what is unacknowledged comes back later)."""
        self.client.disconnect()
        self.client.loop_stop()

    def _connected(self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:  # fmt: skip
        if getattr(reason, "is_failure", False):
            logger.error("the MQTT broker refused the station: %s", reason)
            return
        client.subscribe(
            [
                (wire.topic("report", "+", self.prefix), 1),
                (wire.topic("health", "+", self.prefix), 1),
            ]
        )
        logger.info("connected to the MQTT broker at %s", self.settings.mqtt_host)
        self.ready.set()

    def _disconnected(self, _c: object, _u: object, _f: object, reason: object, _p: object) -> None:
        self.ready.clear()
        logger.warning("lost the MQTT broker (%s); reconnecting", reason)

    def _message(self, _c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        received = Received(message.topic, bytes(message.payload), self.clock())
        self.inbox.put((received, message.mid if message.qos else 0))

    def publish(
        self, topic: str, payload: bytes, retain: bool = True, expiry_s: int | None = None
    ) -> mqtt.MQTTMessageInfo:
        """Publish with QoS 1 (retained unless told); an expiry drops it at the broker after."""
        properties = None
        if expiry_s is not None:
            properties = Properties(PacketTypes.PUBLISH)
            properties.MessageExpiryInterval = max(1, expiry_s)
        return self.client.publish(topic, payload, qos=1, retain=retain, properties=properties)

    def take_batch(self, wait: float) -> list[tuple[Received, int]]:
        """What has come in: waits up to `wait` s for the first, then takes what is there."""
        try:
            batch = [self.inbox.get(timeout=wait)]
        except queue.Empty:
            return []
        while len(batch) < BATCH:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def acknowledge(self, mids: list[int]) -> None:
        """Tell the broker these messages are kept (sealed and committed)."""
        for mid in mids:
            if mid:
                self.client.ack(mid, 1)
