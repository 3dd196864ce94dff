"""Recording use case: a person's reading (recorded or uploaded) becomes a bulletin's audio."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from broadcaster.enums import Priority, Status
from broadcaster.errors import Code
from broadcaster.intake.parse import ScriptInput, ScriptRejected
from broadcaster.programme.slot_rows import slots_from_rows
from broadcaster.services.context import Context
from broadcaster.services.scripts import add_scripts, attach_recording, get_script
from broadcaster.sound.recording import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES
from broadcaster.sound.recording import RecordingRefused as RecordingRefused
from broadcaster.sound.recording import produce
from broadcaster.sound.render import recording_key
from broadcaster.store.db import Rendering, Script
from broadcaster.store.renderings import RECORDING_ENGINE, current_rendering

logger = logging.getLogger(__name__)

NO_SLOTS_MINUTES = 60  # the longest recording taken before any slot is installed


@dataclass(frozen=True)
class Saved:
    """What saving a recording did: the script (new or existing), its new audio, and whether
    an approved script went back to draft."""

    script: Script
    rendering: Rendering
    created: bool
    back_to_draft: bool
    withdrawn: int


def longest_seconds(ctx: Context) -> int:
    """The longest a recording may last: the longest slot the daemon airs."""
    longest = max((slot.minutes for slot in slots_from_rows(ctx.session)), default=0)
    return (longest or NO_SLOTS_MINUTES) * 60


def save_recording(
    ctx: Context,
    source: Path,
    name: str,
    reader: str,
    *,
    script_id: int | None = None,
    new: ScriptInput | None = None,
    priority: Priority = Priority.NORMAL,
) -> Saved:
    """Decode and master `source`, then make it the audio of script `script_id` or of a new
    draft made from `new` (authored by `reader`). Nothing is stored when it is refused."""
    script = get_script(ctx, script_id) if script_id is not None else None
    if script is not None and script.status == Status.RETIRED:
        raise ScriptRejected(Code.SCRIPT_RETIRED, script_id=script.id)
    if script is None and new is None:
        raise ScriptRejected(Code.NOTHING_GIVEN)
    title = script.title if script is not None else new.title  # type: ignore[union-attr]
    mastered = produce(
        source, name, ctx.settings, title=title, reader=reader,
        max_seconds=longest_seconds(ctx), now=ctx.now(),
    )  # fmt: skip
    created = script is None
    if script is None:
        assert new is not None
        (script,) = add_scripts(ctx, [new], reader, priority)
    current = current_rendering(ctx.session, script)
    if current is not None and current.sha256 == mastered.sha256:
        return Saved(script, current, created, False, 0)  # the very same audio again
    rendering = Rendering(
        script_id=script.id,
        content_hash=script.content_hash,
        cache_key=recording_key(),
        engine=RECORDING_ENGINE,
        voice=reader[:40],
        spoken_text=script.body,
        audio_path=mastered.audio_path,
        duration_s=mastered.duration_s,
        sha256=mastered.sha256,
        loudness_lufs=round(mastered.loudness.integrated, 2),
        true_peak_dbtp=round(mastered.loudness.true_peak, 2),
        created_at=ctx.now(),
    )
    change = attach_recording(ctx, script, rendering)
    logger.info(
        "script %s: recording by %s, %.1f s, %s",
        script.id, reader, mastered.duration_s, mastered.sha256,
    )  # fmt: skip
    return Saved(script, rendering, created, change.back_to_draft, change.withdrawn)
