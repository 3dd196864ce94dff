"""Audio use cases: render scripts, and make sure a planned file is there and intact before air."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Sequence

from sqlalchemy.exc import OperationalError

from broadcaster.enums import Status
from broadcaster.notes import Note, NoteCode, note
from broadcaster.services.context import Context
from broadcaster.services.scripts import get_script, list_scripts
from broadcaster.sound.render import ENGINE_CHOICES as ENGINE_CHOICES
from broadcaster.sound.render import RenderFailed, render_script
from broadcaster.sound.render import RenderResult as RenderResult
from broadcaster.sound.voices import SpeechEngine
from broadcaster.spoken import SpokenText
from broadcaster.store.db import Problem, ProgrammeEntry, Rendering, Script
from broadcaster.store.renderings import RECORDING_ENGINE, current_rendering, rendering_intact

logger = logging.getLogger(__name__)


def render_scripts(
    ctx: Context,
    script_ids: Sequence[int],
    engine: str | None = None,
    progress: Callable[[RenderResult], object] | None = None,
) -> list[RenderResult]:
    """Render the given scripts (or, with no ids, every approved one); commit after each."""
    scripts = (
        [get_script(ctx, i) for i in script_ids]
        if script_ids
        else list_scripts(ctx, Status.APPROVED)
    )
    engines = ctx.voices(engine or ctx.settings.engine, ctx.settings)
    results = []
    for script in scripts:
        results.append(_render_and_commit(ctx, script, engines))
        if progress is not None:
            progress(results[-1])
    return results


def current_audio(ctx: Context, script: Script) -> Rendering | None:
    """The rendering of the script's current words, if it has one."""
    return current_rendering(ctx.session, script)


def playable_file(ctx: Context, rendering: Rendering) -> Path | None:
    """The rendering's MP3 if it is there with the bytes it was made with; None if lost or changed."""
    if not rendering_intact(ctx.settings, rendering):
        return None
    return ctx.settings.var_path / rendering.audio_path


def render_one(
    ctx: Context, script_id: int, engine: str | None = None, spoken: SpokenText | None = None
) -> RenderResult:
    """Render (or reuse) the audio of one script's current words; RenderFailed says why not.

    `spoken`: the script's spoken form when the caller has computed it already (the render
    queue does, to count progress), so it is computed once per render."""
    script = get_script(ctx, script_id)
    engines = ctx.voices(engine or ctx.settings.engine, ctx.settings)
    return _render_and_commit(ctx, script, engines, spoken)


def _render_and_commit(
    ctx: Context,
    script: Script,
    engines: Sequence[SpeechEngine],
    spoken: SpokenText | None = None,
) -> RenderResult:
    try:
        result = render_script(ctx.session, script, engines, ctx.settings, ctx.now(), spoken)
    except RenderFailed:
        ctx.session.rollback()
        raise
    ctx.session.commit()
    return result


def ensure_audio(ctx: Context, entry: ProgrammeEntry, recent: bool = False) -> bool:
    """Check a planned entry's file; re-render it when missing or changed. False if that fails.
    With `recent`, a file hashed lately and unchanged since is not read again (see
    `rendering_intact`).

    A recorded reading is never synthesised instead: its missing file is a problem to show."""
    if rendering_intact(ctx.settings, entry.rendering, recent=recent):
        return True
    script = ctx.session.get_one(Script, entry.script_id)
    recorded = entry.rendering.engine == RECORDING_ENGINE
    try:
        engines = [] if recorded else ctx.voices(ctx.settings.engine, ctx.settings)
        result = _render_and_commit(ctx, script, engines)
    except (RenderFailed, OSError) as exc:
        # OSError: an unwritable or full audio folder. The slot airs what else it holds.
        ctx.session.rollback()
        reason = str(exc) if isinstance(exc, RenderFailed) else f"{exc.strerror} ({exc.filename})"
        record_problem(
            ctx,
            note(NoteCode.AUDIO_NOT_REMADE, script_id=script.id, title=script.title, detail=reason),
        )
        return False
    entry.rendering_id = result.rendering_id
    ctx.session.commit()
    ctx.session.refresh(entry)
    logger.warning("re-rendered the missing or damaged audio of script %s", script.id)
    return True


def record_problem(ctx: Context, problem: Note) -> None:
    """Log a problem and keep it for the status page (only the log when the database
    cannot take it: locked, or a full disk)."""
    logger.error("%s", problem.english())
    ctx.session.add(Problem(at=ctx.now(), message=problem.stored()))
    try:
        ctx.session.commit()
    except OperationalError as exc:
        ctx.session.rollback()
        logger.error("could not keep the problem for the status page: %s", exc)
