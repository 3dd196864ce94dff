"""Air: play a planned bulletin through the output and write the evidence row around it.

The row is committed as `started` before the first sample plays and closed as
`aired` or `failed` afterwards, so a killed daemon leaves visible evidence. The
airing table's unique key on the programme entry makes a second airing of the
same entry impossible, whoever tries it.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from broadcaster import audio
from broadcaster.clock import Clock
from broadcaster.config import Settings
from broadcaster.db import Airing, ProgrammeEntry, Rendering, Script
from broadcaster.outputs import Output, OutputError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AiringResult:
    """What happened when one bulletin was due."""

    airing_id: int
    script_id: int
    title: str
    outcome: str
    error: str | None
    audio_sha256: str | None


def _label(moment: datetime, settings: Settings, slot: str, script_id: int) -> str:
    local = moment.astimezone(settings.tz).strftime("%Y%m%d-%H%M%S")
    safe_slot = "".join(c if c.isalnum() else "-" for c in slot)
    return f"{local}_{safe_slot}_script{script_id}"


def _open_row(
    script_id: int, rendering: Rendering, planned: datetime, started: datetime, output: Output
) -> Airing:
    """A new evidence row in state `started`, before any sound."""
    return Airing(
        script_id=script_id,
        rendering_id=rendering.id,
        audio_sha256=rendering.sha256,
        duration_s=rendering.duration_s,
        planned_start=planned,
        started_at=started,
        outcome="started",
        output=output.description,
        host=socket.gethostname(),
    )


def _play(
    session: Session,
    airing: Airing,
    rendering: Rendering,
    output: Output,
    settings: Settings,
    clock: Clock,
) -> None:
    """Verify the file, play it, and close the evidence row."""
    path = settings.var_path / rendering.audio_path
    try:
        if not path.is_file() or audio.file_sha256(path) != rendering.sha256:
            raise OutputError(
                f"The audio file {path.name} is missing or has changed since rendering."
            )
        label = _label(airing.planned_start, settings, airing.slot_name or "now", airing.script_id)
        output.play(path, label, rendering.duration_s)
    except OutputError as exc:
        airing.outcome, airing.error = "failed", str(exc)
        logger.error("airing %s failed: %s", airing.id, exc)
    else:
        airing.outcome = "aired"
    airing.ended_at = clock()
    session.commit()


def air_entry(
    session: Session,
    entry: ProgrammeEntry,
    output: Output,
    settings: Settings,
    clock: Clock,
) -> AiringResult | None:
    """Air one programme entry once; None if it already has an airing row."""
    airing = _open_row(entry.script_id, entry.rendering, entry.starts_at, clock(), output)
    airing.programme_entry_id = entry.id
    airing.slot_name = entry.slot_name
    session.add(airing)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        logger.info("entry %s was already aired; not airing it again", entry.id)
        return None
    _play(session, airing, entry.rendering, output, settings, clock)
    return AiringResult(
        airing.id,
        entry.script_id,
        entry.script.title,
        airing.outcome,
        airing.error,
        airing.audio_sha256,
    )


def air_now(
    session: Session,
    script: Script,
    rendering: Rendering,
    output: Output,
    settings: Settings,
    clock: Clock,
) -> AiringResult:
    """Air an approved script at once, outside the programme, and log it."""
    now = clock()
    airing = _open_row(script.id, rendering, now, now, output)
    session.add(airing)
    session.commit()
    _play(session, airing, rendering, output, settings, clock)
    return AiringResult(
        airing.id, script.id, script.title, airing.outcome, airing.error, airing.audio_sha256
    )


def close_interrupted(session: Session, now: datetime) -> int:
    """Rows left `started` by a daemon that died become `interrupted`; returns how many."""
    result = session.execute(
        update(Airing)
        .where(Airing.outcome == "started")
        .values(outcome="interrupted", ended_at=now, error="The daemon stopped during this airing.")
    )
    session.commit()
    return result.rowcount or 0
