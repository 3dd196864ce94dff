"""After a crash: the rows a killed daemon left `started` are closed from the on-air note."""

from __future__ import annotations

import socket
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.config import Settings
from broadcaster.enums import Outcome
from broadcaster.notes import Note, NoteCode
from broadcaster.onair.airing_row import seal_event
from broadcaster.onair.on_air_note import own_epoch, read_on_air, write_on_air
from broadcaster.store.db import Airing


def close_interrupted(
    session: Session, settings: Settings, now: datetime, last_seen: datetime | None = None
) -> int:
    """Close the rows a daemon that died left `started`; returns how many.

    For a row this folder's daemon left (this host, the epoch it kept), the on-air note says
    what happened: the bulletin finished (its outcome is sealed as it was), it was cut off
    (`interrupted`, never aired again), or no sound went out yet (`failed`, so it is tried
    again while its slot lasts). A row of another host or another folder's daemon is
    `interrupted`: nothing here says how far it got, and it may have sounded. A loudspeaker cluster's row is
    never closed here: the station's restart says nothing of the cluster, only its agent's
    report does. The end of an interrupted row is
    an estimate, said in its note: `last_seen` (the dead daemon's last heartbeat) when known.
    """
    note = read_on_air(settings)
    here, ours = socket.gethostname(), own_epoch(settings)
    rows = list(
        session.scalars(
            select(Airing)
            .where(Airing.outcome == Outcome.STARTED, Airing.cluster.is_(None))
            .order_by(Airing.id)
        )
    )
    for airing in rows:
        noted = (note.get("uid") is not None and note.get("uid") == airing.uid) or (
            note.get("airing_id") is not None and note.get("airing_id") == airing.id
        )
        if noted and note.get("outcome"):
            airing.outcome = Outcome(str(note["outcome"]))
            ended = note.get("ended_at")
            airing.ended_at = datetime.fromisoformat(ended) if isinstance(ended, str) else now
            airing.error = note.get("error")  # type: ignore[assignment]
            airing.duration_s = note.get("duration_s")  # type: ignore[assignment]
        elif noted or airing.host != here or airing.epoch != ours:
            # The end is an estimate: the dead daemon's last heartbeat, else this restart.
            began = airing.started_at
            known = last_seen is not None and began is not None and began <= last_seen <= now
            end = last_seen if known and last_seen is not None else now
            airing.outcome, airing.ended_at = Outcome.INTERRUPTED, end
            airing.error = Note(NoteCode.DAEMON_ENDED_DURING).stored()
        else:
            airing.outcome, airing.ended_at, airing.duration_s = Outcome.FAILED, now, None
            airing.error = Note(NoteCode.DAEMON_ENDED_BEFORE_SOUND).stored()
        seal_event(session, airing, airing.outcome, airing.ended_at or now, settings)
    write_on_air(settings, None)
    return len(rows)
