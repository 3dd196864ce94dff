"""How each output takes a stream (a relay of an upper-level station, later live audio).

Outputs play files; a stream has no file and no end of its own. The receiver (`streams.py`)
decodes it to PCM at the station's rate and hands the blocks to the output's sink:

- `soundcard`: the PCM goes to the device through miniaudio, from a buffer a few seconds deep;
  while the stream is in a gap the card plays silence;
- `command:` with `{url}`: the player is given the address and decodes it itself, for the
  slot's length (the receipt then has the seconds the player ran, and no gaps: the player
  does not report them); without `{url}`: `{file}` is a pipe (FIFO) the player reads as WAV;
- `file:`: what was relayed is recorded as an MP3 in the drop folder, the aired copy;
- `null`: the audio is counted and discarded (tests, trials).

`before`/`after` hooks run around a relay as around a bulletin. Every player and decoder runs
under the arbiter's guard (its process group recorded through `Cancel.on_player`).
"""

from __future__ import annotations

import os
import shlex
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Callable

from broadcaster.notes import NoteCode, note
from broadcaster.onair.command_output import CommandOutput, HookedOutput, run_until_done
from broadcaster.onair.outputs import Cancel, FileOutput, NullOutput, Output, OutputError, Preempted
from broadcaster.onair.streams import Receipt, Receiver

MP3_BITRATE = "64k"  # the recorded copy of a relay: speech and music of a loudspeaker network


def relay(
    output: Output, receiver: Receiver, seconds: float, label: str, cancel: threading.Event | None
) -> Receipt:
    """Put the stream of `receiver` through `output` for `seconds`."""
    if isinstance(output, HookedOutput):
        return _hooked(output, receiver, seconds, label, cancel)
    if isinstance(output, NullOutput):
        return receiver.run(seconds, lambda block: None, cancel)
    if isinstance(output, FileOutput):
        return _record(output.folder, receiver, seconds, label, cancel)
    if isinstance(output, CommandOutput):
        return _command(output.template, receiver, seconds, cancel)
    from broadcaster.onair.soundcard import SoundcardOutput, play_pcm

    if isinstance(output, SoundcardOutput):
        return play_pcm(output, receiver, seconds, cancel)
    raise OutputError(note(NoteCode.OUTPUT_UNKNOWN, spec=output.description))


def _hooked(
    output: HookedOutput,
    receiver: Receiver,
    seconds: float,
    label: str,
    cancel: threading.Event | None,
) -> Receipt:
    if output.before:
        output.hook("before", output.before)
    try:
        return relay(output.inner, receiver, seconds, label, cancel)
    finally:
        output.after_hook()


def _record(
    folder: Path, receiver: Receiver, seconds: float, label: str, cancel: threading.Event | None
) -> Receipt:
    """Record what is relayed as `label`.mp3 in the drop folder, even when the relay is cut
    short (preempted or lost): the copy holds what went out."""
    if not folder.is_dir():
        raise OutputError(note(NoteCode.DROP_FOLDER_MISSING, folder=str(folder)))
    handle, tmp = tempfile.mkstemp(suffix=".part", dir=folder)
    os.close(handle)
    rate = str(receiver.receipt.rate)
    encoder = subprocess.Popen(
        [receiver.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "s16le",
         "-ar", rate, "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", MP3_BITRATE,
         "-f", "mp3", tmp],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert encoder.stdin is not None
    try:
        return receiver.run(seconds, encoder.stdin.write, cancel)
    finally:
        encoder.stdin.close()
        encoder.wait()
        if encoder.returncode == 0 and receiver.receipt.received_bytes:
            os.chmod(tmp, 0o644)
            os.replace(tmp, folder / f"{label}.mp3")
        Path(tmp).unlink(missing_ok=True)


def _command(
    template: str, receiver: Receiver, seconds: float, cancel: threading.Event | None
) -> Receipt:
    if "{url}" in template:
        return _player_with_url(template, receiver, seconds, cancel)
    with tempfile.TemporaryDirectory(prefix="relay-") as folder:
        fifo = Path(folder) / "stream.wav"
        os.mkfifo(fifo, 0o600)
        args = [part.replace("{file}", str(fifo)) for part in shlex.split(template)]
        if "{file}" not in template:
            args.append(str(fifo))
        return _through_pipe(args, fifo, receiver, seconds, cancel)


def _player_with_url(
    template: str, receiver: Receiver, seconds: float, cancel: threading.Event | None
) -> Receipt:
    """The player opens the address itself; at the slot's end it is stopped (SIGTERM, as for a
    cancel, so it can close what it writes)."""
    args = [part.replace("{url}", receiver.url) for part in shlex.split(template)]
    receipt = receiver.receipt
    receipt.connections += 1
    slot_end = _SlotEnd(cancel, seconds)
    began = time.monotonic()
    try:
        code, last_line = run_until_done(args, seconds + 30.0, slot_end)
    except Preempted:
        if cancel is not None and cancel.is_set():
            raise
        code, last_line = 0, ""
    receipt.received_bytes = int(min(seconds, time.monotonic() - began) * 2 * receipt.rate)
    if code != 0:
        raise OutputError(note(NoteCode.PLAYER_EXIT, exit_code=code, detail=last_line))
    return receipt


class _SlotEnd(Cancel):
    """Set when the relay's own cancel is, or when its time is over."""

    def __init__(self, cancel: threading.Event | None, seconds: float) -> None:
        super().__init__(cancel.on_player if isinstance(cancel, Cancel) else None)
        self.outer, self.ends = cancel, time.monotonic() + seconds

    def is_set(self) -> bool:
        outer = self.outer is not None and self.outer.is_set()
        return outer or time.monotonic() >= self.ends


def _through_pipe(
    args: list[str], fifo: Path, receiver: Receiver, seconds: float, cancel: threading.Event | None
) -> Receipt:
    """The player reads the decoded stream as WAV from `fifo` while the receiver writes it."""
    outcome: dict[str, object] = {}

    def player() -> None:
        try:
            outcome["code"] = run_until_done(args, seconds + 30.0, cancel)
        except (OutputError, Preempted) as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=player, name="relay player", daemon=True)
    thread.start()
    with _open_for_writing(fifo, thread) as pipe:
        pipe.write(wav_header(receiver.receipt.rate))
        try:
            receipt = receiver.run(seconds, _writer(pipe), cancel)
        finally:
            pipe.close()
            thread.join()
    if isinstance(outcome.get("error"), Exception):
        raise outcome["error"]  # type: ignore[misc]
    return receipt


def _writer(pipe: IO[bytes]) -> Callable[[bytes], object]:
    def write(block: bytes) -> None:
        try:
            pipe.write(block)
        except BrokenPipeError as exc:
            raise OutputError(
                note(NoteCode.PLAYER_EXIT, exit_code="-", detail="the player stopped reading")
            ) from exc

    return write


def _open_for_writing(fifo: Path, player: threading.Thread) -> IO[bytes]:
    """Open the FIFO once the player has opened it to read (or fail if the player ended first)."""
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: nobody reads it yet
            if not player.is_alive():
                raise OutputError(
                    note(
                        NoteCode.PLAYER_EXIT,
                        exit_code="-",
                        detail="the player did not open the stream",
                    )
                ) from None
            player.join(0.05)
            continue
        os.set_blocking(fd, True)  # the player reads at the stream's pace: wait for it
        return open(fd, "wb", buffering=0)


def wav_header(rate: int) -> bytes:
    """A WAV header for 16-bit mono PCM of unknown length (a stream): sizes at their maximum."""
    return b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16
    ) + b"data" + struct.pack("<I", 0xFFFFFFFF)  # fmt: skip
