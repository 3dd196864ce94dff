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
witness command, and `verify` checks that the chain still holds every such head.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import shlex
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.store.db import Airing, AiringEvent
from broadcaster.enums import FINAL_OUTCOMES, Outcome
from broadcaster.notes import Note, NoteCode, note

GENESIS = "0" * 64
WITNESS_TIMEOUT_SECONDS = 10.0
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
        content["outcome"] = {
            "ended_at": _when(airing.ended_at),
            "duration_s": _seconds(airing.duration_s),
            "error": airing.error,
        }
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


class Witness:
    """The witness command, with the heads it has not taken yet.

    A head the command refused is kept (in memory, up to MAX_WAITING_HEADS) and sent
    again with the next one, so the witness copy stays complete once the command works
    again; only the first failure of a run of failures is reported.
    """

    MAX_WAITING_HEADS = 10_000

    def __init__(self, command: str) -> None:
        self.command = command
        self.waiting: list[str] = []
        self.failing = False

    def send(self, line: str) -> Note | None:
        """Give the command every waiting head and `line`; a failure to report, or None."""
        self.waiting = [*self.waiting, line][-self.MAX_WAITING_HEADS :]
        failure = send_to_witness(self.command, "".join(self.waiting))
        if failure is None:
            self.waiting, self.failing = [], False
            return None
        first, self.failing = not self.failing, True
        return failure if first else None


_witnesses: dict[tuple[str, Path], Witness] = {}


def witness_for(command: str, station: Path) -> Witness:
    """The process's one Witness for `command` and the station whose var/ folder is `station`
    (its waiting heads live as long as the process)."""
    return _witnesses.setdefault((command, station), Witness(command))


def send_to_witness(command: str, lines: str) -> Note | None:
    """Give heads to the witness command on its standard input; its failure, or None.

    The witness keeps the heads off this machine (a second disk, another server, a
    printer): whoever rewrites the database and var/ledger cannot rewrite its copy.
    """
    try:
        done = subprocess.run(
            shlex.split(command), input=lines, text=True, capture_output=True,
            timeout=WITNESS_TIMEOUT_SECONDS,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return note(NoteCode.WITNESS_FAILED, command=command, detail=str(exc))
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        return note(NoteCode.WITNESS_EXIT, command=command, exit_code=done.returncode, detail=last)
    return None


# --- verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The result of checking the chain."""

    ok: bool
    checked: int  # links: format 1/2 rows and events
    head_seq: int | None
    head_hash: str | None
    first_bad_id: int | None = None
    reason: str | None = None
    airings: int = 0

    def sentence(self) -> str:
        """One line for people."""
        if self.ok:
            return (
                f"The airing log is intact: {self.airings} airing(s) in {self.checked} sealed "
                f"record(s), head {self.head_seq} {self.head_hash}."
            )
        where = f"row {self.first_bad_id}" if self.first_bad_id is not None else "the newest rows"
        return f"The airing log has been altered at {where}: {self.reason}"


class _Broken(Exception):
    """The chain does not hold at airing row `row_id` (None: the newest rows)."""

    def __init__(self, row_id: int | None, reason: str) -> None:
        super().__init__(reason)
        self.row_id = row_id
        self.reason = reason


@dataclass(frozen=True)
class _Link:
    seq: int
    prev_hash: str | None
    stored: str | None
    computed: str
    airing: Airing
    kind: Outcome | None  # None: a format 1/2 row


@contextmanager
def _links(session: Session, after: int = 0) -> Iterator[Iterator[_Link]]:
    """Every link after seq `after` in sequence order: format 1/2 rows, then (merged by seq)
    the events.

    Both are read in batches (server-side cursors on PostgreSQL), closed however the walk ends.
    """
    rows = session.scalars(
        select(Airing)
        .where(Airing.seq.is_not(None), Airing.seq > after)
        .order_by(Airing.seq)
        .execution_options(yield_per=1000)
    )
    events = session.execute(
        select(AiringEvent, Airing)
        .join(Airing, AiringEvent.airing_id == Airing.id)
        .where(AiringEvent.seq > after)
        .order_by(AiringEvent.seq)
        .execution_options(yield_per=1000)
    )
    try:
        yield heapq.merge(
            (
                _Link(a.seq, a.prev_hash, a.row_hash, row_hash(a), a, None)
                for a in rows
                if a.seq is not None
            ),
            (
                _Link(e.seq, e.prev_hash, e.event_hash, event_hash(e, a), a, e.kind)
                for e, a in events
            ),
            key=lambda link: link.seq,
        )
    finally:
        rows.close()
        events.close()


def _walk(
    session: Session, wanted: set[int], since: Head | None = None
) -> tuple[int, Head | None, dict[int, str], dict[int, list[Outcome]], int]:
    """Check sequence, links and hashes (after `since`, a link verified before, if given);
    return (links checked, head, hashes of `wanted` seqs, the event kinds of each airing in
    order)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    last: Head | None = since
    if since is not None:
        expected_prev, expected_seq = since[1], since[0] + 1
    hashes: dict[int, str] = {}
    kinds: dict[int, list[Outcome]] = {}
    legacy_rows = 0
    with _links(session, expected_seq - 1) as links:
        for link in links:
            if link.seq != expected_seq:
                raise _Broken(
                    link.airing.id,
                    f"row(s) before it were deleted (sequence jumps from {expected_seq - 1} to {link.seq}).",
                )
            if link.prev_hash != expected_prev:
                raise _Broken(link.airing.id, "its link to the previous row does not match.")
            if link.computed != link.stored:
                raise _Broken(link.airing.id, "its content no longer matches its hash.")
            if link.kind is not None:
                kinds.setdefault(link.airing.id, []).append(link.kind)
            else:
                legacy_rows += 1
            if link.seq in wanted:
                hashes[link.seq] = link.computed
            last = (link.seq, link.computed)
            expected_prev, expected_seq, checked = link.computed, expected_seq + 1, checked + 1
    return checked, last, hashes, kinds, legacy_rows + len(kinds)


def _check_rows(
    session: Session, kinds: dict[int, list[Outcome]], since_airing: int | None = None
) -> None:
    """Every airing row must be in the chain, and say what its newest event says.

    A row opened by this release has a `started` event (or is a single `missed` one);
    rows of earlier releases still on air at the upgrade come before all of those.
    `since_airing` (the airing of a checkpoint's link): `kinds` holds only the events after
    the checkpoint, so an airing's first event seen may follow a `started` sealed before it
    (that rule is left to a full walk), and only rows from that airing on are looked at.
    """
    partial = since_airing is not None
    first_opened = min(
        (airing_id for airing_id, seen in kinds.items() if seen[0] == Outcome.STARTED),
        default=None,
    )
    rows = select(Airing.id, Airing.outcome).where(Airing.seal_format == SEAL_FORMAT)
    if partial:
        rows = rows.where(Airing.id >= min(kinds, default=0))
    outcomes = (
        {airing_id: outcome for airing_id, outcome in session.execute(rows)}
        if kinds or not partial
        else {}
    )
    for airing_id, seen in sorted(kinds.items()):
        if outcomes.get(airing_id) != seen[-1]:
            raise _Broken(
                airing_id, f"its content no longer matches its sealed events (they end {seen[-1]})."
            )
        legacy = partial or first_opened is None or airing_id < first_opened
        if seen[0] == Outcome.MISSED and len(seen) > 1:
            raise _Broken(airing_id, "a missed airing has more than one event.")
        if seen[0] not in (Outcome.STARTED, Outcome.MISSED) and not legacy:
            raise _Broken(airing_id, "it was opened outside the chain (it has no `started` event).")
    unsealed = select(Airing).where(
        Airing.seq.is_(None), Airing.id.not_in(select(AiringEvent.airing_id))
    )
    if since_airing is not None:
        unsealed = unsealed.where(Airing.id >= since_airing)
    loose = session.scalars(unsealed.order_by(Airing.id))
    for airing in loose:
        if airing.outcome in FINAL_OUTCOMES:
            raise _Broken(airing.id, "it is finished but was never sealed into the chain.")
        if first_opened is not None and airing.id > first_opened:
            raise _Broken(airing.id, "it was opened outside the chain (it has no `started` event).")


def link_hash(session: Session, seq: int) -> tuple[str, int] | None:
    """The hash link `seq` has now, computed from its content, and its airing's id (None: no
    such link)."""
    found = session.execute(
        select(AiringEvent, Airing)
        .join(Airing, AiringEvent.airing_id == Airing.id)
        .where(AiringEvent.seq == seq)
    ).first()
    if found is not None:
        return event_hash(found[0], found[1]), found[1].id
    row = session.scalars(select(Airing).where(Airing.seq == seq)).first()
    return None if row is None else (row_hash(row), row.id)


def verify(
    session: Session,
    anchor_dir: Path,
    witness: list[Head] | None = None,
    witness_lags: bool = False,
    since: Head | None = None,
) -> Verdict:
    """Walk the chain from its first link; name the first row that does not fit.

    Then every head in the anchor files, and in a witness copy when one is given, must
    still be in the chain with the same hash. A witness that receives every head (the
    per-seal mode) must also hold the newest one: links after its last head were added
    without it. `witness_lags` accepts such links for a witness copied less often.
    """
    anchored = anchored_heads(anchor_dir)
    # The checkpoint hook: with `since` (a link a full walk verified before), only the links
    # after it are walked, and the heads kept outside for them; the link itself is re-hashed.
    after = since[0] if since is not None else 0
    heads = {
        "the anchor file": [h for h in anchored or [] if h[0] > after],
        "the witness copy": [h for h in witness or [] if h[0] > after],
    }
    wanted = {seq for found in heads.values() for seq, _ in found}
    try:
        if anchored is None:
            raise _Broken(None, "an anchor file has a line that is not a chain head.")
        since_airing = None
        if since is not None:
            now_hash = link_hash(session, since[0])
            if now_hash is None or now_hash[0] != since[1]:
                raise _Broken(
                    None, f"row {since[0]} of the chain differs from the verified checkpoint."
                )
            since_airing = now_hash[1]
        checked, last, hashes, kinds, airings = _walk(session, wanted, since)
        _check_rows(session, kinds, since_airing)
        for source, found in heads.items():
            for seq, digest in found:
                if seq not in hashes:
                    raise _Broken(None, f"{source} names row {seq} of the chain, which is gone.")
                if hashes[seq] != digest:
                    raise _Broken(None, f"row {seq} differs from the hash kept in {source}.")
        if witness is not None and not witness_lags and last is not None:
            witnessed = max((seq for seq, _ in witness), default=0)
            if last[0] > witnessed:
                raise _Broken(
                    None,
                    f"rows {witnessed + 1} to {last[0]} of the chain are not in the witness "
                    "copy: they were added without the witness.",
                )
    except _Broken as broken:
        return Verdict(False, 0, None, None, broken.row_id, broken.reason)
    return Verdict(
        True, checked, last[0] if last else None, last[1] if last else None, airings=airings
    )
