"""Relays re-published for the clusters, against a real Icecast fed by ffmpeg: the station's
feed takes the upper station's mount and publishes it to a mount of its own for the
occurrence's length; an upper stream lost mid-relay leaves the clusters' mount up (silence,
then the fallback programme), never a dropped mount; a slot withdrawn ends its mount; the
mount's address carries no password to the clusters.

The listener here is the receiver the agents use (`streams.Receiver`), so a gap it counts is a
gap a cluster would hear. Nothing is timed: the tests wait for audio, with deadlines for a busy
machine.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path

import pytest

from broadcaster.clusters.relay_fanout import mount, public_url
from broadcaster.clusters.republish import Republisher, icecast_target
from broadcaster.config import Settings, load_settings
from broadcaster.enums import SlotKind
from broadcaster.ffmpeg import ffmpeg_exe
from broadcaster.onair.streams import Receipt, Receiver
from broadcaster.programme.slots import SlotDef, SlotOccurrence
from tests.icecast import SOURCE_PASSWORD, Icecast, icecast, make_tone  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow  # real-time audio through Icecast (make test-fast leaves it out)
RATE = 44100


def settings_for(base: Path, server: Icecast, public: str = "") -> Settings:
    given = {"relay_icecast": f"http://source:{SOURCE_PASSWORD}@127.0.0.1:{server.port}",
             "relay_icecast_public": public, "output": "null", "engine": "espeak"}  # fmt: skip
    return load_settings(base, environ={}, overrides=given)


def occurrence(name: str, url: str, seconds: float, fallback: str | None = None) -> SlotOccurrence:
    slot = SlotDef(name, ("mon",), clock_time(11), 1, kind=SlotKind.RELAY, url=url,
                   fallback=fallback)  # fmt: skip
    start = datetime.now(timezone.utc)
    return SlotOccurrence(slot, start, start + timedelta(seconds=seconds))


def listen(url: str, seconds: float) -> Receipt:
    """What a cluster's receiver gets from `url` in `seconds` (lost: the receipt so far)."""
    receiver = Receiver(url, RATE, ffmpeg_exe())
    hear(receiver, seconds)
    return receiver.receipt


def hear(receiver: Receiver, seconds: float) -> None:
    """Let a cluster's `receiver` take its stream for `seconds` (its receipt says what came)."""
    try:
        receiver.run(seconds, lambda block: None, None)
    except Exception:  # noqa: BLE001  (StreamLost: the receipt says what came)
        pass


def mount_is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310
            return bool(answer.read(1024))
    except (urllib.error.URLError, OSError):
        return False


def wait_until(test: object, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if test():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_the_upper_stream_is_published_to_the_stations_mount_for_the_occurrence(
    tmp_path: Path,
    icecast: Icecast,  # noqa: F811
) -> None:
    icecast.feed("/upper.mp3", 440)
    settings = settings_for(tmp_path, icecast)
    republisher = Republisher(settings, ffmpeg_exe(), lambda: datetime.now(timezone.utc))
    relay = occurrence("VOV trưa", icecast.url("/upper.mp3"), 14)
    ours = icecast.url(mount("VOV trưa"))
    try:
        assert republisher.keep([relay], {}) != []
        assert wait_until(lambda: mount_is_up(ours)), "the station's mount did not come up"
        heard = listen(ours, 6)
        assert heard.received_s > 4.0, heard
        assert republisher.keep([relay], {}) == []  # running: not started twice
        feed = next(iter(republisher.feeds.values()))
        feed.thread.join(30)  # ends at the occurrence's end
        assert not feed.thread.is_alive()
        assert feed.received_s > 8.0 and not feed.lost
        assert wait_until(lambda: not mount_is_up(ours)), "the mount outlived the occurrence"
    finally:
        republisher.stop()


def test_a_lost_upper_stream_keeps_the_clusters_mount_up_with_silence_then_the_fallback(
    tmp_path: Path,
    icecast: Icecast,  # noqa: F811
) -> None:
    source = icecast.feed("/upper.mp3", 440)
    fallback = make_tone(tmp_path / "fallback.mp3", seconds=2.0)
    settings = settings_for(tmp_path, icecast)
    republisher = Republisher(settings, ffmpeg_exe(), lambda: datetime.now(timezone.utc))
    relay = occurrence("Tỉnh chiều", icecast.url("/upper.mp3"), 40, str(fallback))
    ours = icecast.url(mount("Tỉnh chiều"))
    try:
        republisher.keep([relay], {"Tỉnh chiều": fallback})
        assert wait_until(lambda: mount_is_up(ours))
        cluster = Receiver(ours, RATE, ffmpeg_exe())
        listener = threading.Thread(target=lambda: hear(cluster, 17))
        listener.start()
        # the cluster hears the upper stream, then the upper station goes down
        assert wait_until(lambda: cluster.receipt.received_s > 1.0)
        source.kill()
        listener.join(60)
        feed = next(iter(republisher.feeds.values()))
        assert feed.lost, "the upper stream's loss was not noticed"
        receipt = cluster.receipt
        # silence while the station retried, then the fallback: the cluster lost nothing
        assert receipt.gaps == [], receipt.gaps
        assert receipt.received_s > 14.0, receipt  # of 17 s: the fallback came, then more
    finally:
        republisher.stop()


def test_a_withdrawn_slot_ends_its_mount_and_the_stop_ends_every_feed(
    tmp_path: Path,
    icecast: Icecast,  # noqa: F811
) -> None:
    icecast.feed("/upper.mp3", 440)
    settings = settings_for(tmp_path, icecast)
    republisher = Republisher(settings, ffmpeg_exe(), lambda: datetime.now(timezone.utc))
    first = occurrence("Một", icecast.url("/upper.mp3"), 120)
    second = occurrence("Hai", icecast.url("/upper.mp3"), 120)
    try:
        assert len(republisher.keep([first, second], {})) == 2
        assert wait_until(lambda: mount_is_up(icecast.url(mount("Một"))))
        assert wait_until(lambda: mount_is_up(icecast.url(mount("Hai"))))
        republisher.keep([second], {})  # "Một" paused or deleted mid-relay
        assert wait_until(lambda: not mount_is_up(icecast.url(mount("Một"))))
        assert mount_is_up(icecast.url(mount("Hai")))
        republisher.stop()
        assert wait_until(lambda: not mount_is_up(icecast.url(mount("Hai"))))
    finally:
        republisher.stop()


def test_a_future_occurrence_waits_and_the_clusters_address_has_no_password(
    tmp_path: Path,
    icecast: Icecast,  # noqa: F811
) -> None:
    settings = settings_for(tmp_path, icecast, public="http://192.168.1.10:8000")
    later = occurrence("Sau", "http://127.0.0.1:1/upper.mp3", 60)
    later = SlotOccurrence(later.slot, later.start + timedelta(minutes=5), later.end)
    republisher = Republisher(settings, ffmpeg_exe(), lambda: datetime.now(timezone.utc))
    assert republisher.keep([later], {}) == []  # five minutes ahead: not yet
    assert public_url(settings, "Sau") == "http://192.168.1.10:8000" + mount("Sau")
    plain = settings_for(tmp_path, icecast)
    assert SOURCE_PASSWORD not in public_url(plain, "Sau")
    assert public_url(plain, "Sau") == f"http://127.0.0.1:{icecast.port}{mount('Sau')}"
    assert f"source:{SOURCE_PASSWORD}@" in icecast_target(plain, "Sau")


def test_an_icecast_that_refuses_the_source_is_connected_again_without_breaking_the_feed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens where the station publishes (Icecast stopped): each block is dropped,
    the encoder is started again every ENCODER_RETRY_S, and the log says so sparingly."""
    from broadcaster.clusters.republish import ENCODER_RETRY_S, Encoder
    from tests.broker import free_port

    encoder = Encoder(f"icecast://source:x@127.0.0.1:{free_port()}/m.mp3", ffmpeg_exe(), "m")
    silence = bytes(8820)
    began = time.monotonic()
    try:
        while encoder.restarts < 3:
            encoder.write(silence)  # never raises: the feed goes on
            time.sleep(0.05)
            assert time.monotonic() - began < 60, "the encoder was not started again"
    finally:
        encoder.close()
    assert time.monotonic() - began >= 2 * ENCODER_RETRY_S  # not more often than that
    told = [r for r in caplog.records if "connecting again" in r.getMessage()]
    assert [r.levelname for r in told if r.levelname == "WARNING"] == ["WARNING", "WARNING"]
