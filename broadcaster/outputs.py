"""Outputs: where aired audio goes (a drop folder, a player command, or nowhere)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

COMMAND_MARGIN_SECONDS = 30.0


class OutputError(Exception):
    """The output could not play the audio; the message says why."""


class Output(Protocol):
    """Plays one audio file; returns when playback is over."""

    description: str

    def play(self, audio: Path, label: str, duration_s: float) -> None:
        """Play `audio`; raise OutputError when it cannot."""
        ...


class NullOutput:
    """Discards the audio (for tests and benchmarks)."""

    description = "null"

    def play(self, audio: Path, label: str, duration_s: float) -> None:
        """Check the file is there and do nothing else."""
        if not audio.is_file():
            raise OutputError(f"Audio file {audio} is missing.")


class FileOutput:
    """Copies each aired file into a folder, for a player or transmitter that watches it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"file:{folder}"

    def play(self, audio: Path, label: str, duration_s: float) -> None:
        """Copy atomically (temporary name, then rename) so a watcher never sees half a file."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
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
                f"Could not copy the audio to {self.folder}: {exc.strerror}."
            ) from exc


class CommandOutput:
    """Runs a player command such as `ffplay -nodisp -autoexit {file}` for the sound card."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.description = f"command:{template}"

    def play(self, audio: Path, label: str, duration_s: float) -> None:
        """Run the command with {file} replaced; it must finish within the audio length plus a margin."""
        args = [part.replace("{file}", str(audio)) for part in shlex.split(self.template)]
        if "{file}" not in self.template:
            args.append(str(audio))
        try:
            done = subprocess.run(
                args,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=duration_s + COMMAND_MARGIN_SECONDS,
                check=False,
            )
        except FileNotFoundError as exc:
            raise OutputError(f"The player command '{args[0]}' was not found.") from exc
        except subprocess.TimeoutExpired as exc:
            raise OutputError(
                f"The player command did not finish within {exc.timeout:.0f} s."
            ) from exc
        if done.returncode != 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise OutputError(
                f"The player command exited with code {done.returncode}. {tail[0]}".strip()
            )


def make_output(spec: str, base_dir: Path) -> Output:
    """Build an output from 'file:DIR', 'command:CMD' or 'null'."""
    kind, _, value = spec.partition(":")
    if kind == "null" and not value:
        return NullOutput()
    if kind == "file" and value:
        folder = Path(value)
        return FileOutput(folder if folder.is_absolute() else base_dir / folder)
    if kind == "command" and value.strip():
        return CommandOutput(value.strip())
    raise OutputError(f"Output '{spec}' is not one of file:DIR, command:CMD or null.")
