"""The lease: one row in the database names the daemon that airs from it, renewed by heartbeat.

A second daemon on the same database refuses to start and names the holder. A holder
that stopped renewing for LEASE_SECONDS, or whose process is gone from this machine,
is taken over.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from broadcaster.clock import Clock
from broadcaster.db import DaemonLease
from broadcaster.errors import BroadcasterError, Code

LEASE_SECONDS = 30


class DaemonBusy(BroadcasterError):
    """Another daemon holds this database."""


def _dead_here(holder: str) -> bool:
    """Whether a lease holder ('host pid N') ran on this machine and its process has ended."""
    host, _, pid = holder.rpartition(" pid ")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def lease_is_alive(session: Session, now: datetime) -> bool:
    """Whether a daemon has renewed the lease recently."""
    lease = session.get(DaemonLease, 1)
    return lease is not None and now - lease.heartbeat_at < timedelta(seconds=LEASE_SECONDS)


class Lease:
    """This process's claim on the database."""

    def __init__(self, sessions: sessionmaker, clock: Clock, tz: ZoneInfo) -> None:
        self.sessions = sessions
        self.clock = clock
        self.tz = tz
        self.holder = f"{socket.gethostname()} pid {os.getpid()}"

    def acquire(self) -> None:
        """Take the database's daemon lease, or raise DaemonBusy naming the holder."""
        now = self.clock()
        with self.sessions() as session:
            try:
                session.add(
                    DaemonLease(id=1, holder=self.holder, heartbeat_at=now, tracked_since=now)
                )
                session.commit()
                return
            except IntegrityError:
                session.rollback()
            stale = now - timedelta(seconds=LEASE_SECONDS)
            holder = session.scalar(select(DaemonLease.holder).where(DaemonLease.id == 1))
            if holder and _dead_here(holder):
                stale = now + timedelta(days=1)  # its process is gone from this machine: take over
            taken = session.execute(
                update(DaemonLease)
                .where(DaemonLease.id == 1)
                .where((DaemonLease.holder == self.holder) | (DaemonLease.heartbeat_at < stale))
                .values(holder=self.holder, heartbeat_at=now)
            )
            session.commit()
            if taken.rowcount != 1:
                lease = session.get_one(DaemonLease, 1)
                local = lease.heartbeat_at.astimezone(self.tz).strftime("%H:%M:%S")
                raise DaemonBusy(Code.DAEMON_BUSY, holder=lease.holder, heartbeat=local)
            lease = session.get_one(DaemonLease, 1)
            if lease.tracked_since is None:
                lease.tracked_since = now
                session.commit()

    def heartbeat(self) -> None:
        """Renew the lease."""
        with self.sessions() as session:
            session.execute(
                update(DaemonLease)
                .where(DaemonLease.id == 1, DaemonLease.holder == self.holder)
                .values(heartbeat_at=self.clock())
            )
            session.commit()

    def release(self) -> None:
        """Give the lease up so the next daemon can start at once."""
        with self.sessions() as session:
            session.execute(
                update(DaemonLease)
                .where(DaemonLease.id == 1, DaemonLease.holder == self.holder)
                .values(heartbeat_at=datetime(2000, 1, 1, tzinfo=timezone.utc))
            )
            session.commit()
