"""Outputs: where aired audio goes (the sound card, a player command, a drop folder, nowhere).

Every output plays one file and returns when playback is over; it raises
OutputError when it cannot, and Preempted when `cancel` is set mid-way (an
emergency bulletin takes the air). Optional `before`/`after` commands switch an
amplifier or FM transmitter relay on and off around each bulletin.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Callable, Protocol

from broadcaster.errors import Code, DetailError
from broadcaster.notes import Note, NoteCode, note

logger = logging.getLogger(__name__)

COMMAND_MARGIN_SECONDS = 30.0
HOOK_TIMEOUT_SECONDS = 20.0
SAMPLE_RATE = 44100


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


# Run before the player: die with the daemon (Linux PR_SET_PDEATHSIG = 1, SIGKILL), unless it
# is already gone, then become the player. A tiny Python, because preexec_fn is unsafe in a
# process with threads. The signal follows the thread that spawned the player: the daemon
# spawns players from its long-lived executor threads.
_DIE_WITH_PARENT = (
    "import ctypes, os, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, 9)\n"
    "os.getppid() == int(sys.argv[1]) or os._exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)
KILL_WAIT_SECONDS = 2.0


def _player_args(args: list[str]) -> list[str]:
    """The command line that runs `args` so that it dies with this process (on Linux)."""
    if sys.platform != "linux":
        return args
    return [sys.executable, "-S", "-c", _DIE_WITH_PARENT, str(os.getpid()), *args]


def _stop_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the player's whole process group (its children too) and reap it."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=KILL_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _run_until_done(
    args: list[str], limit: float, cancel: threading.Event | None
) -> tuple[int, str]:
    """Run a command in its own process group; stop the group when it outlives `limit`
    seconds or `cancel` is set.

    Returns the exit code and the last line it wrote to stderr. Stderr goes to a
    temporary file, not a pipe: players such as ffplay write progress all the time
    and would block once a pipe filled up.
    """
    if shutil.which(args[0]) is None:
        raise OutputError(note(NoteCode.COMMAND_NOT_FOUND, command=args[0]))
    watcher = cancel.on_player if isinstance(cancel, Cancel) else None
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            _player_args(args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=errors, start_new_session=True,
        )  # fmt: skip
        if watcher is not None:
            watcher(process.pid)
        try:
            deadline = time.monotonic() + limit
            while True:
                try:
                    process.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if cancel is not None and cancel.is_set():
                    _stop_group(process, signal.SIGTERM)
                    raise Preempted("Playback was stopped.")
                if time.monotonic() > deadline:
                    _stop_group(process, signal.SIGKILL)
                    raise OutputError(
                        note(NoteCode.COMMAND_TIMEOUT, command=args[0], seconds=round(limit))
                    )
            _stop_group(process, signal.SIGKILL)  # whatever it left running in its group
        finally:
            if process.poll() is None:
                _stop_group(process, signal.SIGKILL)
            if watcher is not None:
                watcher(None)
        errors.seek(0)
        lines = errors.read().decode("utf-8", "replace").strip().splitlines()
    return process.returncode, lines[-1] if lines else ""


class CommandOutput:
    """Runs a player command such as `ffplay -nodisp -autoexit {file}` for the sound card."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.description = f"command:{template}"

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ) -> Note | None:
        """Run the command with {file} replaced; it must finish within the audio length plus a margin."""
        args = [part.replace("{file}", str(audio)) for part in shlex.split(self.template)]
        if "{file}" not in self.template:
            args.append(str(audio))
        code, last_line = _run_until_done(args, duration_s + COMMAND_MARGIN_SECONDS, cancel)
        if code != 0:
            raise OutputError(note(NoteCode.PLAYER_EXIT, exit_code=code, detail=last_line))
        return None


@dataclass(frozen=True)
class SoundDevice:
    """A playback device the machine offers."""

    name: str
    backend: str


def _backends(backend: str | None) -> list[Any] | None:
    import miniaudio

    if not backend:
        return None
    try:
        return [miniaudio.Backend[backend.upper()]]
    except KeyError as exc:
        names = ", ".join(b.name.lower() for b in miniaudio.Backend)
        raise OutputError(
            note(NoteCode.SOUND_BACKEND_UNKNOWN, backend=backend, names=names)
        ) from exc


def list_sound_devices(backend: str | None = None) -> list[SoundDevice]:
    """Playback devices found by miniaudio (the default backend, or the one named)."""
    import miniaudio

    try:
        devices = miniaudio.Devices(backends=_backends(backend))
        return [
            SoundDevice(d["name"], str(devices.backend).lower()) for d in devices.get_playbacks()
        ]
    except miniaudio.MiniaudioError as exc:
        raise OutputError(note(NoteCode.SOUND_SYSTEM, detail=str(exc))) from exc


class SoundcardOutput:
    """Plays through the machine's sound card with miniaudio (decodes the MP3 itself)."""

    def __init__(self, device: str | None = None, backend: str | None = None) -> None:
        self.device = device
        self.backend = backend
        self.description = f"soundcard:{device or 'default'}"

    def _device_id(self, backends: list[Any] | None) -> object:
        import miniaudio

        playbacks = miniaudio.Devices(backends=backends).get_playbacks()
        if not playbacks:
            raise OutputError(note(NoteCode.NO_SOUND_CARD))
        if not self.device:
            return None
        for found in playbacks:
            if self.device.lower() in found["name"].lower():
                return found["id"]
        names = "; ".join(d["name"] for d in playbacks)
        raise OutputError(note(NoteCode.SOUND_CARD_MISSING, device=self.device, names=names))

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ) -> Note | None:
        """Stream the file to the device; wait until the last sample has been handed over."""
        import miniaudio

        backends = _backends(self.backend)
        try:
            device_id = self._device_id(backends)
            done = threading.Event()
            stream = miniaudio.stream_with_callbacks(
                miniaudio.stream_file(str(audio), nchannels=1, sample_rate=SAMPLE_RATE),
                end_callback=done.set,
            )
            next(stream)
            with miniaudio.PlaybackDevice(
                nchannels=1, sample_rate=SAMPLE_RATE, device_id=device_id, backends=backends,
                app_name="broadcaster",
            ) as device:  # fmt: skip
                device.start(stream)
                deadline = time.monotonic() + duration_s + COMMAND_MARGIN_SECONDS
                while not done.wait(0.05):
                    if cancel is not None and cancel.is_set():
                        raise Preempted("Stopped for an emergency bulletin.")
                    if time.monotonic() > deadline:
                        raise OutputError(note(NoteCode.SOUND_CARD_STALLED))
        except (miniaudio.MiniaudioError, miniaudio.DecodeError) as exc:
            raise OutputError(
                note(NoteCode.SOUND_CARD_FAILED, file=audio.name, detail=str(exc))
            ) from exc
        return None


class HookedOutput:
    """Runs `before` (e.g. amplifier on) and `after` (off) commands around another output."""

    def __init__(self, inner: Output, before: str | None, after: str | None) -> None:
        self.inner, self.before, self.after = inner, before, after
        self.description = inner.description

    def _hook(self, name: str, command: str) -> None:
        code, _ = _run_until_done(shlex.split(command), HOOK_TIMEOUT_SECONDS, None)
        if code != 0:
            raise OutputError(note(NoteCode.HOOK_EXIT, hook=name, command=command, exit_code=code))

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ) -> Note | None:
        """before → play → after; a failing before means nothing plays.

        A failing after-hook never hides the bulletin's own outcome and never makes it play
        again: when the bulletin played, the failure comes back as a note for its row.
        """
        if self.before:
            self._hook("before", self.before)
        try:
            played = self.inner.play(audio, label, duration_s, cancel)
        finally:
            after_failed = self._after()
        if after_failed is not None:
            return Note(NoteCode.AFTER_HOOK_FAILED, cause=after_failed)
        return played

    def _after(self) -> Note | None:
        """Run the after-hook; its failure as a note, or None."""
        if not self.after:
            return None
        try:
            self._hook("after", self.after)
        except OutputError as exc:
            logger.error("%s", exc)
            return exc.note
        return None


def make_output(
    spec: str,
    base_dir: Path,
    before: str | None = None,
    after: str | None = None,
    sound_backend: str | None = None,
) -> Output:
    """Build an output from 'soundcard[:NAME]', 'file:DIR', 'command:CMD' or 'null'."""
    kind, _, value = spec.partition(":")
    output: Output
    if kind == "null" and not value:
        output = NullOutput()
    elif kind == "file" and value:
        folder = Path(value)
        output = FileOutput(folder if folder.is_absolute() else base_dir / folder)
    elif kind == "command" and value.strip():
        output = CommandOutput(value.strip())
    elif kind == "soundcard":
        output = SoundcardOutput(value or None, sound_backend or None)
    else:
        raise OutputError(note(NoteCode.OUTPUT_UNKNOWN, spec=spec))
    return HookedOutput(output, before, after) if before or after else output


def default_output(configured: str, base_dir: Path, sound_backend: str | None = None) -> str:
    """'auto' means the sound card when the machine has one, else the var/aired drop folder."""
    if configured != "auto":
        return configured
    try:
        return "soundcard" if list_sound_devices(sound_backend) else "file:var/aired"
    except OutputError:
        return "file:var/aired"
