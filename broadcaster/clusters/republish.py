"""Relays re-published for the clusters: while a relay slot's occurrence lasts, the station
receives the upper station's stream and publishes it to a mount of its own Icecast
(`relay_fanout.mount`), which the clusters in the slot's zones play. A cluster may reach only
the station; the station's Icecast is on its own network.

One feed per occurrence, from a little before its start (`LEAD`, so the mount is up when the
clusters open it) to its end. The stream comes through the same receiver as the station's own
relay (`streams.Receiver`: stalls noticed in 5 s, three attempts 2 s apart); one encoder
(ffmpeg: PCM → MP3 → Icecast) stays connected for the whole occurrence, and while no audio comes
it is fed silence at the stream's pace, so the clusters hear a gap as silence instead of losing
the mount. A stream lost for good is followed by the slot's fallback programme on the same
mount, as on the station's own output. A slot paused, deleted or moved ends its feed at once.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from broadcaster.clock import Clock
from broadcaster.clusters.relay_fanout import mount, relay_key
from broadcaster.config import Settings
from broadcaster.onair.outputs import Cancel, Preempted, SlotEnding
from broadcaster.onair.relay_air import ProgrammeLoop
from broadcaster.onair.streams import Receiver, StreamLost, shown_url
from broadcaster.programme.slots import SlotOccurrence

logger = logging.getLogger(__name__)

LEAD = timedelta(seconds=15)  # the mount is up this long before the occurrence starts
RATE = 44100
BITRATE = "64k"  # as the station records a relay (onair.relays.MP3_BITRATE)
SILENCE_AFTER_S = 0.5  # no audio for this long: the encoder is fed silence
SILENCE_BLOCK_S = 0.1
ENCODER_RETRY_S = 2.0  # Icecast refused or dropped the source: connect again after this
RETRY_LOST = timedelta(seconds=30)  # a stream lost with no fallback is tried again after this


def icecast_target(settings: Settings, slot: str) -> str:
    """ffmpeg's address of the slot's mount, with the source's credentials."""
    parts = urlsplit(settings.relay_icecast.strip())
    user = parts.username or "source"
    return f"icecast://{user}:{parts.password}@{parts.hostname}:{parts.port or 8000}{mount(slot)}"


class Encoder:
    """ffmpeg encoding PCM to MP3 for one mount, connected again when Icecast drops it; between
    blocks of audio it is fed silence at the stream's pace (`keep_alive`)."""

    def __init__(self, target: str, ffmpeg: str, shown: str) -> None:
        self.target, self.ffmpeg, self.shown = target, ffmpeg, shown
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._fed = time.monotonic()
        self._retry_at = 0.0
        self.restarts = 0

    def _args(self) -> list[str]:
        return [
            self.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
            "-c:a", "libmp3lame", "-b:a", BITRATE, "-content_type", "audio/mpeg",
            "-f", "mp3", self.target,
        ]  # fmt: skip

    def _stdin(self) -> IO[bytes] | None:
        """The running encoder's input; a new encoder when the last one ended (not more often
        than every ENCODER_RETRY_S)."""
        process = self._process
        if process is not None and process.poll() is None:
            return process.stdin
        if time.monotonic() < self._retry_at:
            return None
        if process is not None:
            _close(process)  # its pipe, once: a day of reconnections must not leak descriptors
            self.restarts += 1
            # Icecast down for an hour is 1,800 reconnections: the log says so at the 1st,
            # 2nd, 4th, 8th … of them, not at each
            told = logger.warning if self.restarts & (self.restarts - 1) == 0 else logger.debug
            told("relay mount %s: the encoder ended (%s); connecting again (%d time(s))",
                 self.shown, process.returncode, self.restarts)  # fmt: skip
        self._retry_at = time.monotonic() + ENCODER_RETRY_S
        self._process = subprocess.Popen(
            self._args(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        return self._process.stdin

    def write(self, block: bytes) -> None:
        """Hand `block` of PCM to the encoder (dropped while Icecast is not taking it)."""
        with self._lock:
            self._fed = time.monotonic()
            stdin = self._stdin()
            if stdin is None:
                return
            try:
                stdin.write(block)
            except (BrokenPipeError, ValueError):
                pass  # the encoder ended: the next block starts another

    def keep_alive(self, until: threading.Event) -> None:
        """Feed silence whenever no audio came for SILENCE_AFTER_S, until `until` is set."""
        silence = bytes(int(RATE * SILENCE_BLOCK_S) * 2)
        while not until.wait(SILENCE_BLOCK_S):
            if time.monotonic() - self._fed >= SILENCE_AFTER_S:
                self.write(silence)
                self._fed -= SILENCE_AFTER_S  # fed silence, not audio: keep feeding it

    def close(self) -> None:
        """End the source: Icecast takes the mount down."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            _close(process)


def _close(process: subprocess.Popen[bytes]) -> None:
    """End an encoder: its input closed (it sends what it holds), then reaped."""
    if process.stdin is not None:
        try:
            process.stdin.close()
        except OSError:
            pass  # it ended with data unsent: nothing more to send
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Feed:
    """One relay occurrence published to its mount, in a thread of its own."""

    occurrence: SlotOccurrence
    settings: Settings
    ffmpeg: str
    clock: Clock
    fallback: Path | None

    def __post_init__(self) -> None:
        self.key = relay_key(self.occurrence.slot.name, self.occurrence.start)
        self.cancel = SlotEnding(Cancel(), self.clock, self.occurrence.end)
        self.received_s = 0.0
        self.lost = False
        self.thread = threading.Thread(target=self._run, name=f"republish {self.key}", daemon=True)

    def _run(self) -> None:
        slot = self.occurrence.slot
        assert slot.url is not None
        target = icecast_target(self.settings, slot.name)
        shown = shown_url(self.settings.relay_icecast) + mount(slot.name)  # no password
        encoder = Encoder(target, self.ffmpeg, shown)
        quiet = threading.Event()
        keeper = threading.Thread(target=encoder.keep_alive, args=(quiet,), daemon=True)
        keeper.start()
        try:
            self._relay(Receiver(slot.url, RATE, self.ffmpeg), encoder)
        finally:
            quiet.set()
            keeper.join()
            encoder.close()
            logger.info("relay %s re-published to %s: %.1f s received%s", slot.name,
                        mount(slot.name), self.received_s,
                        ", then the fallback" if self.lost else "")  # fmt: skip

    def _relay(self, receiver: Receiver, encoder: Encoder) -> None:
        """The upper stream until the occurrence's end; once lost, the fallback programme."""
        try:
            receiver.run(self._left(), encoder.write, self.cancel)
        except StreamLost as lost:
            self.lost = True
            logger.warning("relay %s for the clusters: %s", self.occurrence.slot.name,
                           lost.note.english())  # fmt: skip
            if self.fallback is not None and self._left() > 0:
                loop = ProgrammeLoop(str(self.fallback), RATE, self.ffmpeg)
                self._quietly(loop, encoder)
        except Preempted:
            pass  # stopped: the slot changed, or the daemon stops
        finally:
            self.received_s = receiver.receipt.received_s

    def _quietly(self, loop: ProgrammeLoop, encoder: Encoder) -> None:
        try:
            loop.run(self._left(), encoder.write, self.cancel)
        except (StreamLost, Preempted):
            pass  # the file could not be read, or the feed was stopped: the mount ends

    def _left(self) -> float:
        return max(0.0, (self.occurrence.end - self.clock()).total_seconds())


class Republisher:
    """The feeds of the relay occurrences now live; `keep` starts and ends them."""

    def __init__(self, settings: Settings, ffmpeg: str, clock: Clock) -> None:
        self.settings, self.ffmpeg, self.clock = settings, ffmpeg, clock
        self.feeds: dict[str, Feed] = {}
        self.retry_at: dict[str, datetime] = {}  # a feed that ended early starts again then

    def keep(self, live: list[SlotOccurrence], fallback_of: dict[str, Path | None]) -> list[str]:
        """Feed each occurrence of `live` due within LEAD (`fallback_of`: each slot's fallback
        file); end the feeds of occurrences no longer live. The keys of the feeds started."""
        now = self.clock()
        wanted = {relay_key(o.slot.name, o.start): o for o in live if o.start - LEAD <= now < o.end}
        for key in [
            k for k in self.feeds if k not in wanted or not self.feeds[k].thread.is_alive()
        ]:
            feed = self.feeds.pop(key)
            if feed.thread.is_alive():  # paused, deleted or moved mid-relay
                logger.info("relay %s withdrawn: its mount ends", feed.occurrence.slot.name)
                feed.cancel.set()
            elif key in wanted:  # lost with nothing to fill it: the stream is tried again later
                self.retry_at[key] = now + RETRY_LOST
        self.retry_at = {k: at for k, at in self.retry_at.items() if k in wanted}
        started = []
        for key, occurrence in wanted.items():
            if key in self.feeds or now < self.retry_at.get(key, now):
                continue
            feed = Feed(occurrence, self.settings, self.ffmpeg, self.clock,
                        fallback_of.get(occurrence.slot.name))  # fmt: skip
            self.feeds[key] = feed
            feed.thread.start()
            started.append(key)
        return started

    def stop(self) -> None:
        """End every feed (the daemon stops)."""
        for feed in self.feeds.values():
            feed.cancel.set()
        for feed in self.feeds.values():
            feed.thread.join(timeout=10)
        self.feeds.clear()
