"""A player command (`ffplay -nodisp -autoexit {file}`) as an output, and the `before`/`after`
commands that switch an amplifier or FM transmitter relay around another output.

Each command runs under a guard (`guard.py`) in its own process group, dies with this process,
children too, and is stopped with its children when it outlives its time or the playback is
cancelled.
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
from pathlib import Path

from broadcaster.notes import Note, NoteCode, note
from broadcaster.onair.outputs import COMMAND_MARGIN_SECONDS, Cancel, Output, OutputError, Preempted

logger = logging.getLogger(__name__)

HOOK_TIMEOUT_SECONDS = 20.0

# Every command runs under a guard (`guard.py`) that leads its process group and kills the whole
# group, children of children too, when the daemon dies. The group is recorded (`on_player`)
# before the guard is told to start the command, so the next daemon can silence it.
GUARD = str(Path(__file__).with_name("guard.py"))
KILL_WAIT_SECONDS = 2.0
SHELLS = ("sh", "dash", "bash")


def _player_args(args: list[str]) -> list[str]:
    """The guard's command line for `args`; `sh -c "a | b"` runs with pipefail (under bash),
    so a player that fails inside a pipeline fails the airing instead of hiding behind `b`."""
    if Path(args[0]).name in SHELLS and args[1:2] == ["-c"] and (bash := shutil.which("bash")):
        args = [bash, "-o", "pipefail", *args[1:]]
    return [sys.executable, "-S", GUARD, str(os.getpid()), "--", *args]


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


def _go(process: subprocess.Popen[bytes]) -> None:
    """Tell the guard to start its command."""
    assert process.stdin is not None
    try:
        process.stdin.write(b"go\n")
        process.stdin.close()
    except BrokenPipeError:  # the guard is gone already: its exit code says why
        pass


def run_until_done(
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
            _player_args(args), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=errors, start_new_session=True,
        )  # fmt: skip
        try:
            if watcher is not None:
                watcher(process.pid)  # recorded before any sound
            _go(process)
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
        code, last_line = run_until_done(args, duration_s + COMMAND_MARGIN_SECONDS, cancel)
        if code != 0:
            raise OutputError(note(NoteCode.PLAYER_EXIT, exit_code=code, detail=last_line))
        return None


class HookedOutput:
    """Runs `before` (e.g. amplifier on) and `after` (off) commands around another output."""

    def __init__(self, inner: Output, before: str | None, after: str | None) -> None:
        self.inner, self.before, self.after = inner, before, after
        self.description = inner.description

    def hook(self, name: str, command: str) -> None:
        code, _ = run_until_done(shlex.split(command), HOOK_TIMEOUT_SECONDS, None)
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
            self.hook("before", self.before)
        try:
            played = self.inner.play(audio, label, duration_s, cancel)
        finally:
            after_failed = self.after_hook()
        if after_failed is not None:
            return Note(NoteCode.AFTER_HOOK_FAILED, cause=after_failed)
        return played

    def after_hook(self) -> Note | None:
        """Run the after-hook; its failure as a note, or None."""
        if not self.after:
            return None
        try:
            self.hook("after", self.after)
        except OutputError as exc:
            logger.error("%s", exc)
            return exc.note
        return None
