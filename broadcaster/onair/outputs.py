"""Outputs: where aired audio goes, and what every output promises.

Every output plays one file and returns when playback is over; it raises
OutputError when it cannot, and Preempted when `cancel` is set mid-way (an
emergency bulletin takes the air). The simple ones are here (nowhere, a drop folder);
a player command and the `before`/`after` hooks that switch an amplifier or FM
transmitter relay are in `command_output`, the sound card in `soundcard`, and
`output_spec` builds the output a setting names.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Callable, Protocol

from broadcaster.clock import Clock
from broadcaster.errors import Code, DetailError
from broadcaster.notes import Note, NoteCode, note

# A player must be done within the audio's length plus this, or it is stopped.
COMMAND_MARGIN_SECONDS = 30.0


class OutputError(DetailError):
    """The output could not play the audio; its note says why (kept in the evidence row)."""

    code = Code.OUTPUT

    def __init__(self, why: Note) -> None:
        super().__init__(why.english())
        self.note = why
        self.data["note"] = why.stored()


class Preempted(Exception):
    """Playback was stopped: an emergency bulletin takes the air, or the daemon is stopping."""


class StopReason(StrEnum):
    """Why playback was stopped: it decides the evidence row's outcome."""

    EMERGENCY = "emergency"  # an emergency bulletin takes the air: `preempted`
    STOPPING = "stopping"  # the daemon is shutting down: `interrupted`
    FENCED = "fenced"  # another daemon took the lease over: `interrupted`, at once
    TAKEN_BACK = "taken back"  # returned, retired or edited while on air: `interrupted`
    SLOT_GONE = "slot gone"  # a relay's slot paused, deleted or changed: `interrupted`


class Cancel(threading.Event):
    """Set with a reason to stop playback; outputs only see an event that is set.

    `on_player` (if given) hears the process group of each player as it starts and None
    when it ends, so the daemon can record it with its lease.
    """

    def __init__(self, on_player: Callable[[int | None], object] | None = None) -> None:
        super().__init__()
        self.reason: StopReason | None = None
        self.on_player = on_player

    def stop(self, reason: StopReason) -> None:
        """Stop what is playing, for `reason`."""
        self.reason = reason
        self.set()

    def clear(self) -> None:
        """Allow playback again."""
        self.reason = None
        super().clear()


class SlotEnding(Cancel):
    """A relay's cancel that is also set when its slot's time is over on the station's clock
    (a step of the clock mid-slot ends the relay at the slot's end, never beyond it); cut by the
    arbiter, it has a reason; set by the slot's end, none."""

    def __init__(self, plain: Cancel, clock: Clock, end: datetime) -> None:
        super().__init__(plain.on_player)
        self.clock, self.end = clock, end

    def is_set(self) -> bool:
        return super().is_set() or self.clock() >= self.end


class Output(Protocol):
    """Plays one audio file; returns when playback is over."""

    description: str

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ) -> Note | None:
        """Play `audio`; raise OutputError when it cannot, Preempted when cancelled.

        Returns a note for the evidence row when it played but something around it failed.
        """
        ...


def warm_up(output: object) -> None:
    """Make `output` ready ahead of a slot, where it has something to make ready (a `warm`
    method: the sound card loads its library and finds its device, also behind the amplifier's
    hooks, `inner`); other outputs have none."""
    while output is not None:
        warm = getattr(output, "warm", None)
        if callable(warm):
            warm()
            return
        output = getattr(output, "inner", None)


class NullOutput:
    """Discards the audio at once (tests, trials, benchmarks)."""

    description = "null"

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ) -> Note | None:
        """Check the file is there and do nothing else."""
        if not audio.is_file():
            raise OutputError(note(NoteCode.AUDIO_MISSING, file=str(audio)))
        return None


class FileOutput:
    """Copies each aired file into a folder, for a player or transmitter that watches it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"file:{folder}"

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ) -> Note | None:
        """Copy atomically (temporary name, then rename) so a watcher never sees half a file."""
        if not self.folder.is_dir():
            raise OutputError(note(NoteCode.DROP_FOLDER_MISSING, folder=str(self.folder)))
        try:
            handle, tmp = tempfile.mkstemp(suffix=".part", dir=self.folder)
            os.close(handle)
            try:
                shutil.copyfile(audio, tmp)
                os.chmod(tmp, 0o644)
                os.replace(tmp, self.folder / f"{label}.mp3")
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(
                note(NoteCode.DROP_COPY_FAILED, folder=str(self.folder), detail=str(exc.strerror))
            ) from exc
        return None
