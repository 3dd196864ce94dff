"""Streams: an upper-level station's programme (the national VOV, the province's station) received
over the Internet for a relay slot's length, and put through any output.

One receiver serves every output. ffmpeg opens the address (HTTP, Icecast, HLS; never a local
file), decodes it to 16-bit mono PCM at the station's rate and reads it at the stream's own pace;
the receiver hands each block to the output's sink as it comes, counts the seconds received and
notices a stall (no audio for `stall_s`). A stall or a dropped connection is a gap: the receiver
connects again after a pause, and gives up (`StreamLost`) after `retries` attempts in a row that
brought no audio, so the slot can be filled from elsewhere. Every gap is kept, with its reason,
for the relay's evidence. The address is kept in evidence and logs without its credentials
(`shown_url`).
"""

from __future__ import annotations

import logging
import os
import re
import select
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from broadcaster.notes import Note, NoteCode, note
from broadcaster.onair.outputs import Cancel, OutputError, Preempted

logger = logging.getLogger(__name__)

STALL_SECONDS = 5.0  # no audio for this long is a stall: reconnect
RETRIES = 3  # connection attempts in a row without audio before the relay gives up
RETRY_PAUSE_SECONDS = 2.0
LONGEST_RELAY_SECONDS = 6 * 3600
SCHEMES = ("http", "https")
# Query parameters that carry a secret: their values never reach a log or the evidence.
SECRET_KEYS = ("token", "key", "pass", "password", "auth", "sig", "signature", "secret")
BLOCK = 1 << 14
CREDENTIALS = re.compile(r"//[^/@\s]+@")  # user:password@ in an address a decoder repeats


class GapReason(StrEnum):
    """Why the audio stopped for a while."""

    STALLED = "stalled"  # connected, but no audio came for STALL_SECONDS
    DROPPED = "dropped"  # the connection ended (the source stopped, the server closed it)
    UNREACHABLE = "unreachable"  # no audio at all from an attempt to connect


@dataclass
class Gap:
    """A stretch of the relay without audio: from `start_s` (seconds into the relay) for `seconds`."""

    start_s: float
    seconds: float
    reason: GapReason


@dataclass
class Receipt:
    """What a relay received: the evidence of a relayed airing."""

    url: str  # without credentials
    rate: int
    received_bytes: int = 0
    gaps: list[Gap] = field(default_factory=list)
    connections: int = 0

    @property
    def received_s(self) -> float:
        """Seconds of audio received (and handed to the output)."""
        return self.received_bytes / (2 * self.rate)


class StreamLost(OutputError):
    """The stream gave no audio after every retry; the receipt says what came before."""

    def __init__(self, why: Note, receipt: Receipt) -> None:
        super().__init__(why)
        self.receipt = receipt


def shown_url(url: str) -> str:
    """`url` as logs and evidence show it: no user name or password, no secret in the query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = urlencode(
        [(k, "…" if k.lower() in SECRET_KEYS else v) for k, v in parse_qsl(parts.query)]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def check_url(url: str) -> None:
    """Refuse an address a relay cannot open: not http(s), or no host."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise OutputError(note(NoteCode.STREAM_URL_BAD, url=shown_url(url)))


def decoder_args(ffmpeg: str, url: str, rate: int) -> list[str]:
    """ffmpeg reading `url` at its own pace (`-re`) to 16-bit mono PCM on stdout; only network
    protocols (an HLS playlist cannot name a local file), a dead socket given up in 5 s."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
        "-protocol_whitelist", "http,https,tcp,tls,crypto,httpproxy",
        "-rw_timeout", str(int(STALL_SECONDS * 1_000_000)), "-i", url,
        "-vn", "-ac", "1", "-ar", str(rate), "-f", "s16le", "pipe:1",
    ]  # fmt: skip


class Receiver:
    """Receives one stream for one relay; `receipt` holds what came, whatever happens."""

    def __init__(
        self, url: str, rate: int, ffmpeg: str, *, stall_s: float = STALL_SECONDS,
        retries: int = RETRIES, retry_pause_s: float = RETRY_PAUSE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.check(url)
        self.url, self.ffmpeg, self.clock = url, ffmpeg, clock
        self.stall_s, self.retries, self.retry_pause_s = stall_s, retries, retry_pause_s
        self.receipt = Receipt(shown_url(url), rate)
        self._began = 0.0
        self._gap_from: tuple[float, GapReason] | None = None
        self.last_error = ""  # the decoder's last complaint, without the address

    def check(self, url: str) -> None:
        """Refuse what this receiver cannot open (a network stream's address)."""
        check_url(url)

    def args(self) -> list[str]:
        """The decoder's command line."""
        return decoder_args(self.ffmpeg, self.url, self.receipt.rate)

    def run(
        self, seconds: float, sink: Callable[[bytes], object], cancel: threading.Event | None
    ) -> Receipt:
        """Hand the stream's audio to `sink` for `seconds`; raise Preempted when `cancel` is
        set, StreamLost when it gives no audio after every retry."""
        self._began = self.clock()
        deadline = self._began + seconds
        failures = 0
        try:
            while self.clock() < deadline:
                got = self._connection(deadline, sink, cancel)
                failures = 0 if got else failures + 1
                if failures >= self.retries:
                    why = note(NoteCode.STREAM_LOST, url=self.receipt.url, tries=failures,
                               detail=self.last_error or "no audio")  # fmt: skip
                    raise StreamLost(why, self.receipt)
                self._pause(min(self.retry_pause_s, max(0.0, deadline - self.clock())), cancel)
        finally:
            self._close_gap()
        return self.receipt

    def _connection(
        self, deadline: float, sink: Callable[[bytes], object], cancel: threading.Event | None
    ) -> bool:
        """One connection, until the deadline, a stall or its end; whether it brought audio."""
        errors = tempfile.TemporaryFile()
        process = subprocess.Popen(
            self.args(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=errors, start_new_session=True,
        )  # fmt: skip
        self.receipt.connections += 1
        watcher = cancel.on_player if isinstance(cancel, Cancel) else None
        if watcher is not None:
            watcher(process.pid)  # silenced with the players if the daemon dies
        got, heard = False, self.clock()
        assert process.stdout is not None
        out = process.stdout.fileno()
        try:
            while (now := self.clock()) < deadline:
                if cancel is not None and cancel.is_set():
                    raise Preempted("The relay was stopped.")
                if now - heard > self.stall_s:
                    self._open_gap(heard, GapReason.STALLED if got else GapReason.UNREACHABLE)
                    return got
                if not select.select([out], [], [], 0.05)[0]:
                    continue
                block = os.read(out, BLOCK)
                if not block:  # the connection ended
                    self._open_gap(
                        self.clock(), GapReason.DROPPED if got else GapReason.UNREACHABLE
                    )
                    return got
                self._close_gap()
                got, heard = True, self.clock()
                self.receipt.received_bytes += len(block)
                sink(block)
            return got
        finally:
            _stop(process)
            if watcher is not None:
                watcher(None)
            self._complaint(errors)

    def _complaint(self, errors: IO[bytes]) -> None:
        """Keep the decoder's last line, with the address (and any password in it) taken out."""
        with errors:
            errors.seek(0)
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
        if lines:
            said = lines[-1].replace(self.url, self.receipt.url)
            self.last_error = CREDENTIALS.sub("//", said)[-200:]

    def _pause(self, seconds: float, cancel: threading.Event | None) -> None:
        if cancel is not None and cancel.wait(seconds):
            raise Preempted("The relay was stopped.")
        if cancel is None:
            time.sleep(seconds)

    def _open_gap(self, since: float, reason: GapReason) -> None:
        if self._gap_from is None:
            self._gap_from = (since, reason)
            logger.warning("stream %s: %s (a gap)", self.receipt.url, reason.value)

    def _close_gap(self) -> None:
        if self._gap_from is not None:
            since, reason = self._gap_from
            self._gap_from = None
            self.receipt.gaps.append(
                Gap(round(since - self._began, 3), round(self.clock() - since, 3), reason)
            )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the decoder (its whole process group) and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
    if process.stdout is not None:
        process.stdout.close()
