"""The programme entries of one slot occurrence, read through Core: which rows, in what order.

One rule for the ORM reads of `planning` (the daemon, the planner, the pages) and the light
read of `broadcaster status`, which loads no ORM (issue 25)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, select

from broadcaster.store import tables as t
from broadcaster.store.engine import Reader

IN_ORDER = t.programme_entry.c.position  # the order the entries of an occurrence air in


def of_occurrence(slot_name: str, starts_at: datetime) -> tuple[ColumnElement[bool], ...]:
    """The entries of the occurrence of `slot_name` that starts at `starts_at`."""
    entry = t.programme_entry.c
    return entry.slot_name == slot_name, entry.starts_at == starts_at


def entry_audio(db: Reader, slot_name: str, starts_at: datetime) -> list[Row[Any]]:
    """The occurrence's entries in airing order: each one's script title and its rendering's
    file and sha256 (`title`, `audio_path`, `sha256`), for a check of its audio."""
    entry, script, rendering = t.programme_entry, t.script, t.rendering
    query = (
        select(script.c.title, rendering.c.audio_path, rendering.c.sha256)
        .select_from(entry)
        .join(script, entry.c.script_id == script.c.id)
        .join(rendering, entry.c.rendering_id == rendering.c.id)
        .where(*of_occurrence(slot_name, starts_at))
        .order_by(IN_ORDER)
    )
    return list(db.execute(query))
