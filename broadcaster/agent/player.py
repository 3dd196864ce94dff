"""Playing one bulletin, or one part of a relay, through the output in a thread of its own, so
the control thread can stop it (an emergency, a withdrawn relay, the agent stopping) while it
plays."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broadcaster.clusters import wire
from broadcaster.ffmpeg import ffmpeg_exe
from broadcaster.onair.outputs import Cancel, Output, OutputError, Preempted, StopReason
from broadcaster.onair.relays import relay
from broadcaster.onair.streams import Receiver, StreamLost

logger = logging.getLogger(__name__)

RATE = 44100  # Hz: a relayed stream is decoded at the rate the station's own outputs use
WITHDRAWN = "the station withdrew the relay"


@dataclass(frozen=True)
class Item:
    """What to play: an entry or an emergency, by its key; or a part of `relay`, by its part's
    key (`wire.part_key`), with no audio file (sha256 None) and `duration_s` its window left."""

    key: str
    sha256: str | None
    duration_s: float
    emergency: bool = False
    relay: wire.Relay | None = None


@dataclass(frozen=True)
class Reception:
    """What a relay part received, as its report carries it: seconds of audio, and the gaps
    (start_s into the part, seconds, reason)."""

    received_s: float
    gaps: tuple[tuple[float, float, str], ...] = ()


@dataclass(frozen=True)
class Played:
    """How playback ended: the outcome kind for the as-run log, and why when it did not air.

    For a relay part: what it received, and `lost` when the stream or the output gave out (not
    an emergency, a withdrawal or the agent stopping): the agent may try again."""

    item: Item
    kind: str  # aired, failed, preempted, interrupted
    error: str | None = None
    reception: Reception | None = None
    lost: bool = False


class Player:
    """Runs one playback at a time; puts a `Played` on the events queue when it ends."""

    def __init__(self, output: Output, events: queue.Queue[Any]) -> None:
        self.output = output
        self.events = events
        self.cancel = Cancel()
        self.item: Item | None = None
        self._thread: threading.Thread | None = None

    def busy(self) -> bool:
        """Whether something is playing (or its outcome is not handled yet)."""
        return self.item is not None

    def play(self, item: Item, audio: Path) -> None:
        """Start playing `item` from `audio`."""
        self._start(item, Cancel(), lambda: self._play(item, audio))

    def relay(self, item: Item, window: Cancel) -> None:
        """Start relaying `item.relay`'s stream for `item.duration_s` at most, until `window` is
        set (by its end on the clock, or by `stop`)."""
        self._start(item, window, lambda: self._relay(item, window))

    def stop(self, reason: StopReason) -> None:
        """Stop what plays; its `Played` says preempted (emergency) or interrupted."""
        if self.item is not None:
            self.cancel.stop(reason)

    def done(self) -> None:
        """The control thread has handled the outcome: the player is free."""
        if self._thread is not None:
            self._thread.join()
        self.item = None
        self._thread = None

    def _start(self, item: Item, cancel: Cancel, work: Callable[[], Played]) -> None:
        self.cancel = cancel
        self.item = item
        self._thread = threading.Thread(
            target=self._run, args=(item, work), name=f"play-{item.key}", daemon=True
        )
        self._thread.start()

    def _run(self, item: Item, work: Callable[[], Played]) -> None:
        outcome: Played | None = None
        try:
            outcome = work()
        finally:
            # an unexpected error still frees the control thread; the thread's traceback is logged
            self.events.put(outcome or Played(item, "failed", "the output broke down"))

    def _play(self, item: Item, audio: Path) -> Played:
        try:
            note = self.output.play(audio, item.key, item.duration_s, self.cancel)
        except Preempted:
            kind = "preempted" if self.cancel.reason is StopReason.EMERGENCY else "interrupted"
            return Played(item, kind, f"stopped: {self.cancel.reason or 'cancelled'}")
        except OutputError as exc:
            return Played(item, "failed", str(exc))
        return Played(item, "aired", note.english() if note is not None else None)

    def _relay(self, item: Item, window: Cancel) -> Played:
        """One relay part: `relay()` with a receiver that retries on its own; a lost stream ends
        the part (interrupted after some audio, failed before any), a set window ends it as the
        window's end (aired) or the stop's reason says."""
        assert item.relay is not None
        receiver: Receiver | None = None
        lost, error = False, None
        try:
            receiver = Receiver(item.relay.url, RATE, ffmpeg_exe())
            relay(self.output, receiver, item.duration_s, item.key, window)
            kind = "aired"
        except StreamLost as exc:
            kind = "interrupted" if exc.receipt.received_bytes else "failed"
            lost, error = True, str(exc)
        except (Preempted, OutputError) as exc:
            # a stop also stops the output's player: its error is then the stop's
            if window.is_set():
                kind, error = _stopped(window.reason)
            else:
                kind, lost, error = "failed", True, str(exc)
        return Played(item, kind, error, _reception(receiver), lost)


def _stopped(reason: StopReason | None) -> tuple[str, str | None]:
    """The outcome of a relay part its window stopped: at the window's end (no reason) it
    aired; an emergency preempted it; a withdrawal or the agent stopping interrupted it."""
    if reason is None:
        return "aired", None
    if reason is StopReason.EMERGENCY:
        return "preempted", f"stopped: {reason}"
    if reason is StopReason.TAKEN_BACK:
        return "interrupted", WITHDRAWN
    return "interrupted", f"stopped: {reason}"


def _reception(receiver: Receiver | None) -> Reception:
    """What the receiver took in (nothing when it could not be made)."""
    if receiver is None:
        return Reception(0.0)
    receipt = receiver.receipt
    gaps = tuple((g.start_s, g.seconds, g.reason.value) for g in receipt.gaps)
    return Reception(round(receipt.received_s, 3), gaps)
