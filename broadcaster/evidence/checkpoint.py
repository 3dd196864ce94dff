"""The verified checkpoint: the chain head a walk last found intact, so a report walks only what
was added since, and says what it checked.

Kept in a file (var/verified-head.json) rather than a table: it is a cache of a result, not
evidence; the anchor files it sits beside are files too; it needs no schema change, and a
lost or damaged file only means the next check walks the whole chain. It protects nothing by
itself: whoever can rewrite the database and var/ can rewrite it, which is why a full
`broadcaster log verify` (one command; one button on the report page) walks every link.

A chain without a checkpoint (an upgrade from a release before it, a restored database, a lost
var/) is walked whole once, by the daemon in the background when it starts (`make`), not by
each download: a report that comes meanwhile waits for that walk and starts from its end.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from broadcaster.evidence.ledger import Head
from broadcaster.evidence.verify import Verdict, verify

FILE_NAME = "verified-head.json"
LOCK_NAME = "verified-head.lock"


@dataclass(frozen=True)
class Checkpoint:
    """Link `seq` with hash `hash` was found intact by a walk at `at` (UTC)."""

    seq: int
    hash: str
    at: datetime


@dataclass(frozen=True)
class Check:
    """What one verification looked at: links 1..`through` before (at `through_at`), then
    `first`..`last` now; `full` when it walked the chain from its first link."""

    verdict: Verdict
    full: bool
    through: int
    through_at: datetime | None
    first: int
    last: int

    @property
    def ok(self) -> bool:
        """The chain held."""
        return self.verdict.ok

    def sentence(self) -> str:
        """What was checked, in English (the command line)."""
        if not self.ok:
            return self.verdict.sentence()
        if self.last == 0:
            return "The airing log has no sealed records yet."
        head = f"head {self.verdict.head_seq} {self.verdict.head_hash}"
        if self.full or self.through_at is None:
            return f"Chain verified in full now: links 1 to {self.last}; {head}."
        now = (
            f"links {self.first} to {self.last} verified now"
            if self.last >= self.first
            else "nothing added since"
        )
        return (
            f"Chain verified through link {self.through} on {self.through_at:%Y-%m-%d %H:%M} UTC; "
            f"{now}; {head}."
        )

    def vietnamese(self, tz: ZoneInfo) -> str:
        """What was checked, in Vietnamese (reports and the web page), times local."""
        if not self.ok:
            return f"CẢNH BÁO: nhật ký phát đã bị sửa hoặc xóa ({self.verdict.sentence()})"
        if self.last == 0:
            return "Nhật ký phát chưa có bản ghi niêm phong nào."
        head = f"mã đầu chuỗi số {self.verdict.head_seq}: {self.verdict.head_hash}"
        if self.full or self.through_at is None:
            return f"Đã kiểm tra toàn bộ chuỗi lúc này: bản ghi 1 đến {self.last}; {head}."
        now = (
            f"bản ghi {self.first} đến {self.last} kiểm tra lúc này"
            if self.last >= self.first
            else "không có bản ghi mới"
        )
        return (
            f"Chuỗi đã kiểm tra đến bản ghi {self.through} lúc "
            f"{self.through_at.astimezone(tz):%H:%M %d/%m/%Y}; {now}; {head}."
        )


def load(var_path: Path) -> Checkpoint | None:
    """The checkpoint, or None when there is none or it cannot be read (then walk in full)."""
    try:
        data = json.loads((var_path / FILE_NAME).read_text(encoding="utf-8"))
        return Checkpoint(int(data["seq"]), str(data["hash"]), datetime.fromisoformat(data["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(var_path: Path, head: Head, at: datetime) -> None:
    """Record `head` as verified at `at` (written whole under a name of its own, then renamed
    into place: two processes saving at once leave one whole file)."""
    var_path.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=FILE_NAME, suffix=".tmp", dir=var_path)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(
            json.dumps({"seq": head[0], "hash": head[1], "at": at.isoformat(timespec="seconds")})
        )
    os.replace(temporary, var_path / FILE_NAME)


@contextmanager
def walking_alone(var_path: Path) -> Iterator[None]:
    """Hold the checkpoint's lock (var/verified-head.lock): one walk without a checkpoint at a
    time across the processes of an installation (the daemon's, the web page's, the command
    line's); the next waits, then starts from the checkpoint the first one left."""
    var_path.mkdir(parents=True, exist_ok=True)
    with open(var_path / LOCK_NAME, "a", encoding="ascii") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def check(
    session: Session, var_path: Path, now: datetime, full: bool = False, record: bool = True
) -> Check:
    """Verify the links added since the checkpoint (all of them if `full` or there is none);
    when the chain holds and `record`, the new head becomes the checkpoint. Without one, the
    walk waits for a walk already under way in another process (`make` at the daemon's start)
    and starts from the checkpoint it leaves."""
    saved = None if full else load(var_path)
    if saved is not None or full:
        return _check(session, var_path, now, saved, record)
    with walking_alone(var_path):
        return _check(session, var_path, now, load(var_path), record)


def make(session: Session, var_path: Path, now: datetime) -> Check | None:
    """The first checkpoint of a chain that has none: walk it whole once and keep its head if it
    holds (None, walking nothing, when a checkpoint is there)."""
    with walking_alone(var_path):
        if load(var_path) is not None:
            return None
        return _check(session, var_path, now, None, record=True)


def _check(
    session: Session, var_path: Path, now: datetime, saved: Checkpoint | None, record: bool
) -> Check:
    anchor_dir = var_path / "ledger"
    since = (saved.seq, saved.hash) if saved else None
    verdict = verify(session, anchor_dir, since=since)
    if not verdict.ok and saved is not None:
        # The checkpoint's link itself changed, or a later one: say which with a full walk.
        verdict = verify(session, anchor_dir)
        saved = None
    last = verdict.head_seq or 0
    if verdict.ok and record and verdict.head_seq is not None and verdict.head_hash is not None:
        save(var_path, (verdict.head_seq, verdict.head_hash), now)
    through = saved.seq if saved else 0
    return Check(verdict, saved is None, through, saved.at if saved else None, through + 1, last)
