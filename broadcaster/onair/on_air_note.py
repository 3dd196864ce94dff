"""The on-air note (`var/on-air.json`): what sounds now, written before the first sample and
after the last, so the daemon after a crash knows how far an airing got (`recovery`)."""

from __future__ import annotations

import json
import logging
import os

from broadcaster.config import Settings
from broadcaster.store.db import Airing

logger = logging.getLogger(__name__)


# What this host's daemon was doing on air, kept on disk so the next start knows what a
# `started` row left by a killed daemon means: no note, no sound went out (the bulletin is
# tried again); a note without an outcome, it was cut off; a note with an outcome, it
# finished and only the seal was lost.
ON_AIR_NOTE = "on-air.json"
# The lease epoch this folder's daemon last aired under. A `started` row of another epoch was
# left by a daemon of another folder (another `var/`, whose note this folder does not have):
# nothing here says how far it got, so it is taken as cut off, never as silent.
OWN_EPOCH = "epoch"


def outcome_fields(airing: Airing) -> dict[str, object]:
    return {
        "outcome": airing.outcome.value,
        "ended_at": airing.ended_at.isoformat() if airing.ended_at else None,
        "error": airing.error,
        "duration_s": airing.duration_s,
    }


def write_on_air(settings: Settings, note: dict[str, object] | None) -> None:
    """Write (or with None remove) the on-air note, atomically; a full disk only logs."""
    path = settings.var_path / ON_AIR_NOTE
    try:
        if note is None:
            path.unlink(missing_ok=True)
            return
        part = path.with_suffix(".part")
        with open(part, "w", encoding="utf-8") as handle:
            json.dump(note, handle)
            handle.flush()
            os.fsync(handle.fileno())
        part.replace(path)
    except OSError as exc:
        logger.error("could not keep the on-air note %s: %s", path, exc)


def read_on_air(settings: Settings) -> dict[str, object]:
    try:
        found = json.loads((settings.var_path / ON_AIR_NOTE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def keep_own_epoch(settings: Settings, epoch: int | None) -> None:
    """Note the epoch this folder's daemon airs under (after the rows left before it are closed)."""
    try:
        (settings.var_path / OWN_EPOCH).write_text(f"{epoch}\n", encoding="utf-8")
    except OSError as exc:
        logger.error("could not keep the daemon's epoch in %s: %s", settings.var_path, exc)


def own_epoch(settings: Settings) -> int | None:
    """The epoch this folder's last daemon aired under (None: none kept)."""
    try:
        return int((settings.var_path / OWN_EPOCH).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
