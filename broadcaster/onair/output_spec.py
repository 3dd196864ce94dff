"""The output a setting names ('soundcard[:NAME]', 'file:DIR', 'command:CMD', 'null', 'auto'),
built with its `before`/`after` hooks."""

from __future__ import annotations

from pathlib import Path

from broadcaster.notes import NoteCode, note
from broadcaster.onair.command_output import CommandOutput, HookedOutput
from broadcaster.onair.outputs import FileOutput, NullOutput, Output, OutputError
from broadcaster.onair.soundcard import SoundcardOutput, list_sound_devices


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
    """'auto' means the sound card when the machine has a real one, else the var/aired drop
    folder: never miniaudio's null device, which plays nothing and fails nothing."""
    if configured != "auto":
        return configured
    try:
        real = any(device.real for device in list_sound_devices(sound_backend))
        return "soundcard" if real else "file:var/aired"
    except OutputError:
        return "file:var/aired"
