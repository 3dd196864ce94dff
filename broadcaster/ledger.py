"""The ledger: airing rows sealed into a hash chain that shows any edit or deletion.

When an airing row reaches its final outcome it is sealed: it gets the next sequence
number, the previous sealed row's hash, and its own hash over its content and that
link. Editing a sealed row changes its hash; deleting one breaks the sequence. The
newest rows are protected by an anchor outside the table: after each seal the head
(sequence number and hash) is appended to a daily file under var/ledger/, and
`verify` checks that the chain still contains that head.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.db import Airing
from broadcaster.enums import FINAL_OUTCOMES

GENESIS = "0" * 64
WITNESS_TIMEOUT_SECONDS = 10.0
# Format 1 (the first release) hashed the row's own columns; format 2 adds the epoch and
# the snapshot of what the listener heard. A row verifies under the format it was sealed in.
SEAL_FORMAT = 2


def _when(moment: datetime | None) -> str | None:
    return (
        None
        if moment is None
        else moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
    )


def row_content(airing: Airing) -> dict[str, object]:
    """Everything the evidence says, in a stable form for hashing (by its seal format)."""
    content: dict[str, object] = {
        "id": airing.id,
        "programme_entry_id": airing.programme_entry_id,
        "attempt": airing.attempt,
        "script_id": airing.script_id,
        "rendering_id": airing.rendering_id,
        "slot_name": airing.slot_name,
        "audio_sha256": airing.audio_sha256,
        "duration_s": None if airing.duration_s is None else f"{airing.duration_s:.3f}",
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


def row_hash(airing: Airing) -> str:
    """sha256 over the row's content, which includes the previous row's hash."""
    canonical = json.dumps(row_content(airing), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _sealed_seq(airing: Airing) -> int:
    """The place in the chain of a row read as sealed (queried with `seq IS NOT NULL`)."""
    if airing.seq is None:
        raise ValueError(f"airing {airing.id} is not sealed")
    return airing.seq


def seal(session: Session, airing: Airing) -> None:
    """Give a finished row its place and hash in the chain (the caller commits)."""
    if airing.outcome not in FINAL_OUTCOMES:
        raise ValueError(f"airing {airing.id} is still {airing.outcome}")
    session.flush()  # the row needs its id before it is hashed
    head = session.scalars(
        select(Airing).where(Airing.seq.is_not(None)).order_by(Airing.seq.desc()).limit(1)
    ).first()
    airing.seal_format = SEAL_FORMAT
    airing.seq = 1 if head is None else _sealed_seq(head) + 1
    airing.prev_hash = GENESIS if head is None else head.row_hash
    airing.row_hash = row_hash(airing)


def anchor(anchor_dir: Path, airing: Airing, now: datetime) -> None:
    """Append the chain head to today's anchor file (after the commit that sealed it)."""
    anchor_dir.mkdir(parents=True, exist_ok=True)
    line = head_line(airing, now)
    with open(
        anchor_dir / f"{now.astimezone(timezone.utc):%Y-%m-%d}.log", "a", encoding="ascii"
    ) as handle:
        handle.write(line)


Head = tuple[int, str]  # (sequence number, row hash) of a chain head


def head_line(airing: Airing, now: datetime) -> str:
    """The line that records a new chain head: 'SEQ HASH TIME'."""
    return f"{airing.seq} {airing.row_hash} {now.astimezone(timezone.utc).isoformat(timespec='seconds')}\n"


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


def send_to_witness(command: str, line: str) -> str | None:
    """Give a new head to the witness command on its standard input; its failure, or None.

    The witness keeps the heads off this machine (a second disk, another server, a
    printer): whoever rewrites the database and var/ledger cannot rewrite its copy.
    """
    try:
        done = subprocess.run(
            shlex.split(command), input=line, text=True, capture_output=True,
            timeout=WITNESS_TIMEOUT_SECONDS,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"The witness command '{command}' could not take the chain head: {exc}."
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        return f"The witness command '{command}' exited with code {done.returncode}. {last}".strip()
    return None


@dataclass(frozen=True)
class Verdict:
    """The result of checking the chain."""

    ok: bool
    checked: int
    head_seq: int | None
    head_hash: str | None
    first_bad_id: int | None = None
    reason: str | None = None

    def sentence(self) -> str:
        """One line for people."""
        if self.ok:
            return f"The airing log is intact: {self.checked} sealed row(s), head {self.head_seq} {self.head_hash}."
        where = f"row {self.first_bad_id}" if self.first_bad_id is not None else "the newest rows"
        return f"The airing log has been altered at {where}: {self.reason}"


def _broken(checked: int, row_id: int | None, reason: str) -> Verdict:
    """The verdict for a chain that does not hold at `row_id` (None: the newest rows)."""
    return Verdict(False, checked, None, None, row_id, reason)


def verify(session: Session, anchor_dir: Path, witness: list[Head] | None = None) -> Verdict:
    """Walk the chain from the first sealed row; name the first row that does not fit.

    Then every head in the anchor files, and in a witness copy when one is given, must
    still be in the chain with the same hash.
    """
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    last: Airing | None = None
    hashes: dict[int, str | None] = {}
    for airing in session.scalars(
        select(Airing).where(Airing.seq.is_not(None)).order_by(Airing.seq)
    ):
        if airing.seq != expected_seq:
            return _broken(
                checked,
                airing.id,
                f"row(s) before it were deleted (sequence jumps from {expected_seq - 1} to {airing.seq}).",
            )
        if airing.prev_hash != expected_prev:
            return _broken(checked, airing.id, "its link to the previous row does not match.")
        if row_hash(airing) != airing.row_hash:
            return _broken(checked, airing.id, "its content no longer matches its hash.")
        hashes[expected_seq] = airing.row_hash
        expected_prev, expected_seq, checked, last = (
            airing.row_hash,
            expected_seq + 1,
            checked + 1,
            airing,
        )
    unsealed = session.scalars(
        select(Airing)
        .where(Airing.seq.is_(None), Airing.outcome.in_(FINAL_OUTCOMES))
        .order_by(Airing.id)
        .limit(1)
    ).first()
    if unsealed is not None:
        return _broken(checked, unsealed.id, "it is finished but was never sealed into the chain.")
    anchored = anchored_heads(anchor_dir)
    if anchored is None:
        return _broken(checked, None, "an anchor file has a line that is not a chain head.")
    for source, heads in (("the anchor file", anchored), ("the witness copy", witness or [])):
        for seq, digest in heads:
            if seq not in hashes:
                return _broken(
                    checked, None, f"{source} names row {seq} of the chain, which is gone."
                )
            if hashes[seq] != digest:
                return _broken(checked, None, f"row {seq} differs from the hash kept in {source}.")
    return Verdict(True, checked, last.seq if last else None, last.row_hash if last else None)
