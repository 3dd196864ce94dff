"""The lease: one row names the daemon that airs from a database, with a fencing epoch.

A second daemon on the same database refuses to start and names the holder. A holder
that stopped renewing for `lease_seconds` (30), or whose process is gone from this machine,
is taken over: the taker adds one to the epoch, and first silences the old holder's
player when it ran on this machine. The holder renews six times a lease on a
thread of its own and checks the epoch before each bulletin; the moment it finds a
different epoch it has lost the air and stops (see `daemon.py`).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, CursorResult, Row, Update, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from broadcaster.clock import Clock
from broadcaster.errors import BroadcasterError, Code
from broadcaster.store.engine import Reader
from broadcaster.store.tables import daemon_lease

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)
# A daemon that stops cleanly gives its lease up by writing this heartbeat, so the next one
# can start at once; status pages read it as "stopped cleanly", never as a last signal.
RELEASED_AT = datetime(2000, 1, 1, tzinfo=timezone.utc)

PLAYER_STOP_SECONDS = 5.0


class DaemonBusy(BroadcasterError):
    """Another daemon holds this database."""


class LeaseLost(BroadcasterError):
    """Another daemon took this database over; this one must stop airing at once."""


def _here(holder: str) -> int | None:
    """The pid of a lease holder ('host pid N') when it ran on this machine."""
    host, _, pid = holder.rpartition(" pid ")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _silence(pgid: int) -> None:
    """Kill a player's process group and wait until it is gone (a takeover on this host)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + PLAYER_STOP_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    logger.error("the old holder's player (process group %s) did not stop", pgid)


def _changed(session: Session, statement: Update) -> int:
    """Run an UPDATE; return how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement))  # DML gives a cursor result
    return result.rowcount


def lease_row(db: Reader) -> Row[Any] | None:
    """The lease's one row (None before any daemon ran), read through Core."""
    return db.execute(select(daemon_lease).where(daemon_lease.c.id == 1)).first()


def renewed_within(lease: Row[Any] | None, now: datetime, seconds: int) -> bool:
    """Whether the lease row says a daemon renewed it within the last `seconds`."""
    return lease is not None and now - lease.heartbeat_at < timedelta(seconds=seconds)


def lease_is_alive(db: Reader, now: datetime, seconds: int) -> bool:
    """Whether a daemon has renewed the lease within the last `seconds`."""
    return renewed_within(lease_row(db), now, seconds)


class Lease:
    """This process's claim on the database, fenced by the epoch it took it under."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, tz: ZoneInfo, seconds: int = 30
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.tz = tz
        self.seconds = seconds
        self.heartbeat_seconds = max(1.0, seconds / 6)
        self.holder = f"{socket.gethostname()} pid {os.getpid()}"
        self.epoch: int | None = None
        # The last heartbeat of the daemon this one took over from (None: a clean stop or none):
        # the last moment it is known to have been airing.
        self.last_seen: datetime | None = None

    def acquire(self) -> int:
        """Take the lease under a new epoch and return it, or raise DaemonBusy naming the holder."""
        now = self.clock()
        with self.sessions() as session:
            try:
                session.execute(
                    insert(daemon_lease).values(
                        id=1, holder=self.holder, heartbeat_at=now, tracked_since=now, epoch=1
                    )
                )
                session.commit()
                self.epoch = 1
                return 1
            except IntegrityError:
                session.rollback()
            lease = session.execute(select(daemon_lease).where(daemon_lease.c.id == 1)).one()
            old_pid = _here(lease.holder)
            stale = now - lease.heartbeat_at >= timedelta(seconds=self.seconds)
            dead_here = old_pid is not None and not _alive(old_pid)
            if not (stale or dead_here or lease.holder == self.holder):
                local = lease.heartbeat_at.astimezone(self.tz).strftime("%H:%M:%S")
                raise DaemonBusy(Code.DAEMON_BUSY, holder=lease.holder, heartbeat=local)
            old_holder = lease.holder
            if not Lease.released(lease.heartbeat_at):
                self.last_seen = lease.heartbeat_at
            if old_pid is not None and lease.player_pgid is not None:
                _silence(lease.player_pgid)  # a paused holder's player must not play on
            taken = _changed(
                session,
                update(daemon_lease)
                .where(daemon_lease.c.id == 1, daemon_lease.c.epoch == lease.epoch)
                .values(
                    holder=self.holder,
                    heartbeat_at=now,
                    epoch=lease.epoch + 1,
                    player_pgid=None,
                    tracked_since=lease.tracked_since or now,
                ),
            )
            if taken != 1:  # another daemon took it between our read and write
                session.rollback()
                raise DaemonBusy(Code.DAEMON_BUSY, holder="another daemon", heartbeat="just now")
            session.commit()
            self.epoch = lease.epoch + 1
            logger.info("took the lease over from %s (epoch %s)", old_holder, self.epoch)
            return self.epoch

    def _ours(self) -> tuple[ColumnElement[bool], ...]:
        return (
            daemon_lease.c.id == 1,
            daemon_lease.c.holder == self.holder,
            daemon_lease.c.epoch == self.epoch,
        )

    def heartbeat(self) -> bool:
        """Renew the lease; False when another daemon holds it now (this one lost the air)."""
        with self.sessions() as session:
            stmt = update(daemon_lease).where(*self._ours()).values(heartbeat_at=self.clock())
            renewed = _changed(session, stmt)
            session.commit()
            return renewed == 1

    def check(self) -> None:
        """Raise LeaseLost unless this daemon still holds the lease under its epoch (the fence).

        A database that does not answer is no reason to stop: no other daemon can take the
        lease over without writing the same row.
        """
        with self.sessions() as session:
            try:
                lease = lease_row(session)
            except OperationalError as exc:
                logger.warning("could not read the lease before airing: %s", exc)
                return
            if lease is None or (lease.holder, lease.epoch) != (self.holder, self.epoch):
                holder = lease.holder if lease else "nobody"
                raise LeaseLost(Code.LEASE_LOST, holder=holder)

    def record_player(self, pgid: int | None) -> None:
        """Note the process group of the player on air (None when it ended)."""
        with self.sessions() as session:
            session.execute(update(daemon_lease).where(*self._ours()).values(player_pgid=pgid))
            session.commit()

    @staticmethod
    def released(heartbeat_at: datetime | None) -> bool:
        """Whether a lease's heartbeat says its daemon stopped cleanly (not a last signal)."""
        return heartbeat_at is not None and heartbeat_at <= RELEASED_AT

    def release(self) -> None:
        """Give the lease up so the next daemon can start at once (only if it is still ours)."""
        with self.sessions() as session:
            session.execute(
                update(daemon_lease)
                .where(*self._ours())
                .values(heartbeat_at=RELEASED_AT, player_pgid=None)
            )
            session.commit()


# The player on air, on disk as well as with the lease: while the database does not answer,
# the next daemon on this machine still finds the group to silence.
PLAYER_FILE = "player.json"


def record_player_on_disk(var_path: Path, pgid: int | None) -> None:
    """Write (or, with None, remove) the process group of the guard on air, atomically."""
    path = var_path / PLAYER_FILE
    if pgid is None:
        path.unlink(missing_ok=True)
        return
    part = path.with_suffix(".part")
    part.write_text(json.dumps({"pgid": pgid, "host": socket.gethostname()}), encoding="utf-8")
    os.replace(part, path)


def silence_left_behind(var_path: Path) -> int | None:
    """Silence the player an earlier daemon on this machine left on air; return its group.

    Only a group whose leader is still a player's guard is killed (a process group id is
    reused once its processes are gone)."""
    path = var_path / PLAYER_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pgid = record.get("pgid")
    if record.get("host") != socket.gethostname() or not isinstance(pgid, int):
        return None
    try:
        leader = Path(f"/proc/{pgid}/cmdline").read_bytes()
    except OSError:
        leader = b""
    if b"guard.py" in leader:
        logger.warning("silencing the player an earlier daemon left (process group %s)", pgid)
        _silence(pgid)
    path.unlink(missing_ok=True)
    return pgid if b"guard.py" in leader else None
