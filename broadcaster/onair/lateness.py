"""Why a slot started late: the note its first airing row keeps when the sound began more than
LATE_SECONDS after the slot's time, naming what the daemon knows held it up."""

from __future__ import annotations

from datetime import datetime, tzinfo

from broadcaster.notes import Note, NoteCode, note

LATE_SECONDS = 10.0  # a start this late is explained in the row (on time is well under 1 s)


def late_start(
    planned: datetime,
    started: datetime,
    tz: tzinfo,
    *,
    daemon_since: datetime | None = None,
    database_trouble: datetime | None = None,
    jumps: list[tuple[datetime, datetime]] | None = None,
) -> Note | None:
    """The note for a slot's first bulletin starting at `started`, or None when on time.

    The reasons, first that applies: the daemon started after the slot's time; the database
    stopped answering; the clock stepped since the slot's time; else the air was taken or the
    machine was busy (nothing the daemon saw).
    """
    seconds = (started - planned).total_seconds()
    if seconds <= LATE_SECONDS:
        return None
    late = f"{seconds:.0f}"

    def local(moment: datetime) -> str:
        return moment.astimezone(tz).strftime("%H:%M:%S %d/%m/%Y")

    if daemon_since is not None and daemon_since > planned:
        return note(NoteCode.LATE_DAEMON_STARTED, seconds=late, since=local(daemon_since))
    if database_trouble is not None:
        return note(NoteCode.LATE_DATABASE, seconds=late, since=local(database_trouble))
    stepped = [after for _, after in jumps or [] if after > planned]
    if stepped:
        return note(NoteCode.LATE_CLOCK, seconds=late, at=local(stepped[-1]))
    return note(NoteCode.LATE_BUSY, seconds=late)
