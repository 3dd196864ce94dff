"""The rendering rows and their files: which rendering is current for a script's words, and
whether its MP3 is still the one that was made.

Light on purpose (hashlib and the tables): planning and the air check files with these, and
must not load the sound stage to do it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.config import Settings
from broadcaster.store.db import Rendering, Script

RECORDING_ENGINE = "recording"  # the engine name of a reading recorded by a person


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def current_rendering(session: Session, script: Script) -> Rendering | None:
    """The newest rendering of the script's current words, if any."""
    return session.scalars(
        select(Rendering)
        .where(Rendering.script_id == script.id, Rendering.content_hash == script.content_hash)
        .order_by(Rendering.id.desc())
        .limit(1)
    ).first()


def newest_recording(session: Session, script: Script) -> Rendering | None:
    """The newest recorded reading of the script (whatever words it was saved with), if any."""
    return session.scalars(
        select(Rendering)
        .where(Rendering.script_id == script.id, Rendering.engine == RECORDING_ENGINE)
        .order_by(Rendering.id.desc())
        .limit(1)
    ).first()


def rendering_intact(settings: Settings, rendering: Rendering) -> bool:
    """Whether the rendering's file is there with the bytes it was made with (the one check)."""
    path = settings.var_path / rendering.audio_path
    return path.is_file() and file_sha256(path) == rendering.sha256
