"""Continuity of the air across daemons, crashes and database outages: the lease that lets one
daemon play at a time, the journal that keeps airings while the database is away, and the
closing of airings a killed daemon left open. The daemon calls these; nothing else needs them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from broadcaster.enums import Outcome
from broadcaster.onair.airing_row import seal_event
from broadcaster.onair.journal import Journal as Journal
from broadcaster.onair.lease import Lease as Lease
from broadcaster.onair.lease import LeaseLost as LeaseLost
from broadcaster.onair.lease import record_player_on_disk as record_player_on_disk
from broadcaster.onair.lease import silence_left_behind as silence_left_behind
from broadcaster.onair.on_air_note import keep_own_epoch as keep_own_epoch
from broadcaster.onair.recovery import close_interrupted
from broadcaster.services.context import Context
from broadcaster.store.db import Airing, DaemonLease


def tracked_since(ctx: Context) -> datetime | None:
    """Since when this database has had a daemon keeping its slots (missed slots count from it)."""
    lease = ctx.session.get(DaemonLease, 1)
    return lease.tracked_since if lease else None


def write_journal(ctx: Context, journal: Journal) -> list[Airing]:
    """Seal what the journal kept while the database was away, oldest first; the rows written.

    Stops at the first database error (it is still not answering); the rest waits."""

    def seal(session: Session, airing: Airing, kind: Outcome, at: datetime) -> None:
        seal_event(session, airing, kind, at, ctx.settings)

    return journal.flush(ctx.session, seal)


def close_cut_off(ctx: Context, last_seen: datetime | None = None) -> int:
    """Close the airings a daemon that died left `started`; how many. `last_seen`: its last
    heartbeat, the estimated end of what it was airing."""
    return close_interrupted(ctx.session, ctx.settings, ctx.now(), last_seen)
