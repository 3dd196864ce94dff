"""Verifying the ledger: walk the chain from its first link (or from a verified checkpoint) and
name the first row that does not fit.

Each link must follow the one before it (sequence and previous hash) and still hash to what was
sealed; every airing row must be in the chain and say what its newest event says; and every head
kept outside the table (the anchor files, a witness copy) must still be in the chain.
"""

from __future__ import annotations

import heapq
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.enums import FINAL_OUTCOMES, Outcome
from broadcaster.evidence.ledger import (
    GENESIS,
    SEAL_FORMAT,
    Head,
    anchored_heads,
    event_hash,
    row_hash,
)
from broadcaster.store.db import Airing, AiringEvent


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
    # NOT EXISTS, not NOT IN: PostgreSQL runs NOT IN (a subquery larger than work_mem) once per
    # row (a province's year: 250,000 × 500,000), NOT EXISTS as one anti-join.
    has_events = select(AiringEvent.id).where(AiringEvent.airing_id == Airing.id).exists()
    unsealed = select(Airing).where(Airing.seq.is_(None), ~has_events)
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
