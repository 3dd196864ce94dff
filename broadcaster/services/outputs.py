"""The station's own output: the sound card, a drop folder or a command around each bulletin,
chosen from the settings (or the command line) and checked before anything airs."""

from __future__ import annotations

import shlex

from broadcaster.config import Settings
from broadcaster.notes import NoteCode, note
from broadcaster.onair.output_spec import default_output, make_output
from broadcaster.onair.outputs import Output as Output
from broadcaster.onair.outputs import OutputError as OutputError
from broadcaster.onair.outputs import StopReason as StopReason
from broadcaster.onair.outputs import warm_up as warm_up
from broadcaster.onair.soundcard import list_sound_devices as list_sound_devices


def output_for(settings: Settings, override: str | None) -> Output:
    """The output named on the command line or in the config ('auto': sound card if any);
    a command that cannot be split or a drop folder that is not there is refused now."""
    spec = default_output(
        override or settings.output, settings.base_dir, settings.sound_backend or None
    )
    output = make_output(
        spec, settings.base_dir, settings.output_before or None, settings.output_after or None,
        settings.sound_backend or None,
    )  # fmt: skip
    inner = getattr(output, "inner", output)  # the player behind the amplifier hooks
    template = getattr(inner, "template", None)
    if template is not None:
        try:
            shlex.split(template)
        except ValueError as exc:
            raise OutputError(note(NoteCode.COMMAND_INVALID, detail=str(exc))) from None
    folder = getattr(inner, "folder", None)
    if folder is not None and not folder.is_dir():
        raise OutputError(note(NoteCode.DROP_FOLDER_MISSING, folder=str(folder)))
    return output
