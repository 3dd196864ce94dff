"""Playing one bulletin through the output in a thread of its own, so the control thread can
stop it (an emergency, the agent stopping) while it plays."""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broadcaster.onair.outputs import Cancel, Output, OutputError, Preempted, StopReason

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """What to play: an entry or an emergency, by its key."""

    key: str
    sha256: str
    duration_s: float
    emergency: bool = False


@dataclass(frozen=True)
class Played:
    """How playback ended: the outcome kind for the as-run log, and why when it did not air."""

    item: Item
    kind: str  # aired, failed, preempted, interrupted
    error: str | None = None


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
        self.cancel.clear()
        self.item = item
        self._thread = threading.Thread(
            target=self._run, args=(item, audio), name=f"play-{item.key}", daemon=True
        )
        self._thread.start()

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

    def _run(self, item: Item, audio: Path) -> None:
        outcome: Played | None = None
        try:
            outcome = self._play(item, audio)
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
