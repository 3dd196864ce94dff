"""The ledger: the airing evidence as one hash chain that shows any edit or deletion.

Every state change of an airing is sealed the moment it happens (seal format 3): an
`AiringEvent` when the row opens (`started`) and one for its outcome (`aired`,
`failed`, `interrupted`, `preempted`), or a single `missed` event. Each event gets the
next sequence number, the previous link's hash, and its own hash over what the
evidence says at that moment (`event_content`: the event, and the snapshot of what the
listener heard). Rows sealed by earlier releases (formats 1 and 2: the finished row
itself was the link) stay in the chain before the events and verify as they were.

Editing a sealed row or event changes a hash; deleting one breaks the sequence. The
newest links are protected outside the table: after each seal the head (sequence
number and hash) is appended to a daily file under var/ledger/ and handed to the
witness command, and `verify.verify` checks that the chain still holds every such head.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.enums import Outcome
from broadcaster.store.db import Airing, AiringEvent

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# Format 1 (the first release) hashed the finished row's own columns; format 2 added the
# epoch and the snapshot; format 3 seals each state change as an event. A link verifies
# under the format it was sealed in; nothing is ever re-hashed.
SEAL_FORMAT = 3

Head = tuple[int, str]  # (sequence number, hash) of a chain link


def _when(moment: datetime | None) -> str | None:
    return (
        None
        if moment is None
        else moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
    )


def _seconds(value: float | None) -> str | None:
    return None if value is None else f"{value:.3f}"


# --- what is sealed ----------------------------------------------------------------------------


def row_content(airing: Airing) -> dict[str, object]:
    """A finished row of formats 1 and 2, in a stable form for hashing."""
    content: dict[str, object] = {
        "id": airing.id,
        "programme_entry_id": airing.programme_entry_id,
        "attempt": airing.attempt,
        "script_id": airing.script_id,
        "rendering_id": airing.rendering_id,
        "slot_name": airing.slot_name,
        "audio_sha256": airing.audio_sha256,
        "duration_s": _seconds(airing.duration_s),
        "planned_start": _when(airing.planned_start),
        "started_at": _when(airing.started_at),
        "ended_at": _when(airing.ended_at),
        "outcome": airing.outcome,
        "error": airing.error,
        "output": airing.output,
        "host": airing.host,
        "seq": airing.seq,
        "prev_hash": airing.prev_hash,
    }
    if (airing.seal_format or 1) >= 2:
        content |= {
            "seal_format": airing.seal_format,
            "epoch": airing.epoch,
            "title": airing.title,
            "topic": airing.topic,
            "text_sha256": airing.text_sha256,
            "approved_by": airing.approved_by,
        }
    return content


def opening(airing: Airing) -> dict[str, object]:
    """What is known when an airing opens and never changes after: where, who, what was heard."""
    content = _opening(airing)
    if airing.cluster is not None:  # a loudspeaker cluster's row (station rows hash as before)
        content["cluster"] = airing.cluster
        content["cluster_entry"] = airing.cluster_entry
    if airing.relay_url is not None:  # a relay's row (0017): what was relayed, and as what
        content["kind"] = airing.kind
        content["relay_url"] = airing.relay_url
    return content


def _opening(airing: Airing) -> dict[str, object]:
    return {
        "airing_id": airing.id,
        "programme_entry_id": airing.programme_entry_id,
        "slot": airing.slot_name,
        "attempt": airing.attempt,
        "planned_start": _when(airing.planned_start),
        "started_at": _when(airing.started_at),
        "epoch": airing.epoch,
        "host": airing.host,
        "output": airing.output,
        # the snapshot of what the listener heard
        "script_id": airing.script_id,
        "title": airing.title,
        "topic": airing.topic,
        "text_sha256": airing.text_sha256,
        "rendering_id": airing.rendering_id,
        "audio_sha256": airing.audio_sha256,
        "voice": airing.voice,
        "author": airing.author,
        "approved_by": airing.approved_by,
        "approved_at": _when(airing.approved_at),
        "requested_by": airing.requested_by,
    }


def event_content(event: AiringEvent, airing: Airing) -> dict[str, object]:
    """Everything an event seals (format 3): its place, kind and time, and the airing as it
    stood then — its opening for `started`, its opening and outcome for the others."""
    content: dict[str, object] = {
        "seal_format": event.seal_format,
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "kind": event.kind,
        "at": _when(event.at),
        "airing": opening(airing),
    }
    if event.reported_at is not None:  # what a cluster's agent said, as it said it
        content["report"] = {
            "reported_at": _when(event.reported_at),
            "from_cache": event.from_cache,
            "last_contact": _when(event.last_contact),
        }
    if event.kind != Outcome.STARTED:
        outcome: dict[str, object] = {
            "ended_at": _when(airing.ended_at),
            "duration_s": _seconds(airing.duration_s),
            "error": airing.error,
        }
        if airing.relay_url is not None:  # the relay's receipt
            outcome |= {"received_s": _seconds(airing.received_s), "gaps": airing.gaps}
        content["outcome"] = outcome
    return content


def digest(content: dict[str, object]) -> str:
    """sha256 over the canonical JSON of `content` (sorted keys, UTF-8)."""
    return _digest(content)


def _digest(content: dict[str, object]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def row_hash(airing: Airing) -> str:
    """sha256 over a format 1 or 2 row's content, which includes the previous link's hash."""
    return _digest(row_content(airing))


def event_hash(event: AiringEvent, airing: Airing) -> str:
    """sha256 over an event's content, which includes the previous link's hash."""
    return _digest(event_content(event, airing))


# --- sealing -----------------------------------------------------------------------------------


def head(session: Session) -> Head | None:
    """The newest link of the chain (an event, or before any event a format 1/2 row)."""
    event = session.execute(
        select(AiringEvent.seq, AiringEvent.event_hash).order_by(AiringEvent.seq.desc()).limit(1)
    ).first()
    if event is not None:
        return (event.seq, event.event_hash)
    row = session.execute(
        select(Airing.seq, Airing.row_hash)
        .where(Airing.seq.is_not(None))
        .order_by(Airing.seq.desc())
        .limit(1)
    ).first()
    return None if row is None or row.row_hash is None else (row.seq, row.row_hash)


@dataclass(frozen=True)
class Reported:
    """What a cluster's agent said of an event, sealed with it (`at` is when it was received)."""

    reported_at: datetime
    from_cache: bool
    last_contact: datetime | None


def seal(
    session: Session,
    airing: Airing,
    kind: Outcome,
    at: datetime,
    reported: Reported | None = None,
) -> Head:
    """Add the event `kind` of `airing` at `at` to the chain (the caller commits).

    `kind` must be what the row says now (`started`, or its outcome). Two processes
    sealing at once collide on the unique sequence number: the caller rolls back and
    seals again.
    """
    airing.seal_format = SEAL_FORMAT
    session.flush()  # the row needs its id before it is hashed
    return seal_after(session, airing, kind, at, head(session), reported)


def seal_after(
    session: Session,
    airing: Airing,
    kind: Outcome,
    at: datetime,
    previous: Head | None,
    reported: Reported | None = None,
) -> Head:
    """`seal`, after the link `previous` the caller already knows (its own last seal in this
    transaction): a batch of thousands reads the head once. The row must have its id."""
    if kind != airing.outcome:
        raise ValueError(f"airing {airing.id} is {airing.outcome}, not {kind}")
    if airing.id is None:
        raise ValueError("an airing is sealed after it has its id (flush first)")
    airing.seal_format = SEAL_FORMAT
    event = AiringEvent(
        seq=1 if previous is None else previous[0] + 1,
        prev_hash=GENESIS if previous is None else previous[1],
        seal_format=SEAL_FORMAT,
        kind=kind,
        at=at,
        airing_id=airing.id,
    )
    if reported is not None:
        event.reported_at = reported.reported_at
        event.from_cache = reported.from_cache
        event.last_contact = reported.last_contact
    event.event_hash = event_hash(event, airing)
    session.add(event)
    return (event.seq, event.event_hash)


# --- the anchor and the witness ------------------------------------------------------------------


def head_line(link: Head, now: datetime) -> str:
    """The line that records a new chain head: 'SEQ HASH TIME'."""
    return f"{link[0]} {link[1]} {now.astimezone(timezone.utc).isoformat(timespec='seconds')}\n"


def anchor(anchor_dir: Path, link: Head, now: datetime) -> None:
    """Append the chain head to today's anchor file (after the commit that sealed it)."""
    anchor_dir.mkdir(parents=True, exist_ok=True)
    with open(
        anchor_dir / f"{now.astimezone(timezone.utc):%Y-%m-%d}.log", "a", encoding="ascii"
    ) as handle:
        handle.write(head_line(link, now))


def read_heads(text: str) -> list[Head] | None:
    """The heads in an anchor file or a witness copy; None if a line is not a head."""
    heads = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 2 or not parts[0].isdigit() or len(parts[1]) != 64:
            return None
        heads.append((int(parts[0]), parts[1]))
    return heads


def anchored_heads(anchor_dir: Path) -> list[Head] | None:
    """Every head written to the anchor files, oldest file first; None if one is damaged."""
    heads: list[Head] = []
    for path in sorted(anchor_dir.glob("*.log")) if anchor_dir.is_dir() else []:
        found = read_heads(path.read_text(encoding="ascii", errors="replace"))
        if found is None:
            return None
        heads.extend(found)
    return heads
