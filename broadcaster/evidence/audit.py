"""The audit trail: every action that changed something, hash-chained like the airing log.

Each event says who (a web account, or `cli:<system user>` for the command line on the
station machine), when, what (an action and its target), and the sha256 of the thing
before and after. Events are only ever added; `verify` walks the chain and names the
first event that was edited, deleted or inserted out of place.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from broadcaster.evidence.ledger import GENESIS, digest
from broadcaster.store.db import AuditEvent

# The PostgreSQL advisory lock that serialises additions to the trail (any fixed number).
TRAIL_LOCK = 0x61756469


def cli_actor() -> str:
    """Who acts from the command line: the system user on the station machine."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli:unknown"


def fingerprint(*parts: object) -> str:
    """sha256 of what a thing was (its text, its role...), to show before/after without the thing."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _content(event: AuditEvent) -> dict[str, object]:
    return {
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "at": event.at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "before_hash": event.before_hash,
        "after_hash": event.after_hash,
        "detail": event.detail,
    }


def record(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    before: str | None = None,
    after: str | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Add one event to the trail (the caller commits, with the change it records).

    Two transactions adding events at once would both read the same head and one would fail
    on the unique `seq` (a 500 for a person): on PostgreSQL the head is read under a
    transaction advisory lock, so the second waits for the first's commit. SQLite needs none:
    the change being recorded was written first, and its write lock is the database's only one.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TRAIL_LOCK})
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.event_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    event = AuditEvent(
        seq=1 if head is None else head.seq + 1,
        prev_hash=GENESIS if head is None else head.event_hash,
        at=at,
        actor=actor[:120],
        action=action,
        target=target[:120],
        before_hash=before,
        after_hash=after,
        detail=detail,
    )
    event.event_hash = digest(_content(event))
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditVerdict:
    """Whether the audit trail is intact, and where it is not."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str | None = None

    def sentence(self) -> str:
        """One line for people."""
        if self.ok:
            return f"The audit trail is intact: {self.checked} event(s)."
        return f"The audit trail has been altered at event {self.bad_seq}: {self.reason}"


def verify(session: Session) -> AuditVerdict:
    """Walk the trail from its first event; name the first one that does not fit."""
    events = session.scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    )
    try:
        return _walk(events)
    finally:
        events.close()  # a server-side cursor on PostgreSQL, however the walk ends


def _walk(events: Iterable[AuditEvent]) -> AuditVerdict:
    expected_prev, expected_seq = GENESIS, 1
    for event in events:
        if event.seq != expected_seq:
            return AuditVerdict(
                False, expected_seq - 1, event.seq,
                f"event(s) before it were deleted (sequence jumps from {expected_seq - 1} to {event.seq}).",
            )  # fmt: skip
        if event.prev_hash != expected_prev:
            return AuditVerdict(
                False, expected_seq - 1, event.seq, "its link to the previous event does not match."
            )
        if digest(_content(event)) != event.event_hash:
            return AuditVerdict(
                False, expected_seq - 1, event.seq, "its content no longer matches its hash."
            )
        expected_prev, expected_seq = event.event_hash, expected_seq + 1
    return AuditVerdict(True, expected_seq - 1)
