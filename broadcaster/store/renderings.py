"""The rendering rows and their files: which rendering is current for a script's words, and
whether its MP3 is still the one that was made.

Light on purpose: planning and the air check files with these, and must not load the sound
stage to do it; `broadcaster status` checks rows read through Core, and the ORM records are
imported only when a rendering is looked up.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, select

from broadcaster.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    from broadcaster.store.db import Rendering  # the ORM record (`status` checks rows)

    return session.scalars(
        select(Rendering)
        .where(Rendering.script_id == script.id, Rendering.content_hash == script.content_hash)
        .order_by(Rendering.id.desc())
        .limit(1)
    ).first()


def newest_recording(session: Session, script: Script) -> Rendering | None:
    """The newest recorded reading of the script (whatever words it was saved with), if any."""
    from broadcaster.store.db import Rendering

    return session.scalars(
        select(Rendering)
        .where(Rendering.script_id == script.id, Rendering.engine == RECORDING_ENGINE)
        .order_by(Rendering.id.desc())
        .limit(1)
    ).first()


# Files hashed lately: path -> (size, mtime_ns, inode, sha256, when hashed on the monotonic
# clock). A slot's files are hashed while it is prepared (`services/onair.prepare_due`); at the
# slot's time a file whose size, modification time and inode are unchanged since is not read
# again, so the first sample is not kept waiting on reading the whole file.
_HASHED: dict[Path, tuple[int, int, int, str, float]] = {}
RECENT_SECONDS = 15 * 60.0  # how long a hash stands for an unchanged file


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns, found.st_ino


def rendering_intact(
    settings: Settings, rendering: Rendering | Row[Any], *, recent: bool = False
) -> bool:
    """Whether the rendering's file is there with the bytes it was made with (the one check).
    `rendering` is a record or a row with its `audio_path` and `sha256`.

    With `recent`, a file hashed in the last RECENT_SECONDS with the same sha256 and unchanged
    size, modification time and inode counts as intact without being read again."""
    path = settings.var_path / rendering.audio_path
    signature = _signature(path)
    if signature is None:
        return False
    if recent and (known := _HASHED.get(path)) is not None:
        fresh = time.monotonic() - known[4] < RECENT_SECONDS
        if fresh and known[:3] == signature and known[3] == rendering.sha256:
            return True
    digest = file_sha256(path)
    if len(_HASHED) > 10_000:  # a long-running daemon forgets old files
        _HASHED.clear()
    _HASHED[path] = (*signature, digest, time.monotonic())
    return digest == rendering.sha256
