"""What the agent keeps on its own disk: the programme it holds, the audio by sha256 and the
as-run log, in one SQLite file in its folder (stdlib sqlite3), so a restart or a lost
connection loses nothing."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from broadcaster.clusters import wire

_SCHEMA = """
CREATE TABLE IF NOT EXISTS programme (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS asrun (
    id INTEGER PRIMARY KEY,
    entry TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT,
    started_at TEXT,
    ended_at TEXT,
    reported_at TEXT NOT NULL,
    from_cache INTEGER NOT NULL DEFAULT 0,
    last_contact TEXT,
    error TEXT,
    delivered INTEGER NOT NULL DEFAULT 0,
    UNIQUE (entry, kind)
);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Columns added after the first release, with their type: a cache from before gets them.
_ADDED = {"received_s": "REAL", "gaps": "TEXT"}  # a relay part's seconds received, its gaps


@dataclass(frozen=True)
class Row:
    """One line of the as-run log and whether the broker has acknowledged its report."""

    id: int
    report: wire.Report
    delivered: bool


def _time(text: str | None) -> datetime | None:
    return None if text is None else wire.moment(text, "stored time")


class Cache:
    """The agent's SQLite file and audio folder; used from the agent's one control thread."""

    def __init__(self, folder: Path, cluster: str) -> None:
        self.folder = folder
        self.cluster = cluster
        self.audio_dir = folder / "audio"
        self.audio_dir.mkdir(parents=True, exist_ok=True)
        # autocommit: every row is on disk before the agent goes on (a crash keeps it)
        self.db = sqlite3.connect(folder / "agent.db", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(asrun)")}
        for name, kind in _ADDED.items():
            if name not in have:
                self.db.execute(f"ALTER TABLE asrun ADD COLUMN {name} {kind}")

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # The programme
    def programme(self) -> wire.Programme | None:
        """The programme held, or None before the first one."""
        row = self.db.execute("SELECT body FROM programme WHERE id = 1").fetchone()
        if row is None:
            return None
        held = wire.decode(row[0])
        return held if isinstance(held, wire.Programme) else None

    def keep_programme(self, programme: wire.Programme) -> None:
        """Hold `programme` instead of the one before."""
        self.db.execute(
            "INSERT OR REPLACE INTO programme (id, version, body) VALUES (1, ?, ?)",
            (programme.version, wire.encode(programme)),
        )

    # Audio
    def audio_path(self, sha256: str) -> Path:
        """Where the audio with this sha256 lives once fetched and checked."""
        return self.audio_dir / f"{sha256}.mp3"

    def has_audio(self, sha256: str) -> bool:
        """Whether the checked audio is on disk."""
        return self.audio_path(sha256).is_file()

    def prune(self, keep: set[str]) -> list[str]:
        """Delete audio no longer needed (a small board's disk is small); the sha256s deleted."""
        gone = []
        for path in self.audio_dir.glob("*.mp3"):
            if path.stem not in keep:
                path.unlink(missing_ok=True)
                gone.append(path.stem)
        return gone

    # The as-run log
    def record(self, report: wire.Report) -> bool:
        """Add a row; False (and nothing written) when that entry already has a row of that kind."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO asrun (entry, kind, sha256, started_at, ended_at, reported_at,"
            " from_cache, last_contact, error, received_s, gaps)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (report.entry, report.kind, report.sha256, wire.when(report.started_at),
             wire.when(report.ended_at), wire.when(report.reported_at), int(report.from_cache),
             wire.when(report.last_contact), report.error, report.received_s,
             json.dumps(report.gaps) if report.gaps else None),
        )  # fmt: skip
        return cursor.rowcount == 1

    def kinds(self, entry: str) -> set[str]:
        """The kinds of row the log holds for an entry."""
        rows = self.db.execute("SELECT kind FROM asrun WHERE entry = ?", (entry,))
        return {kind for (kind,) in rows}

    def handled(self) -> set[str]:
        """Entries the agent has started, played or given up on (never to be played again)."""
        rows = self.db.execute("SELECT DISTINCT entry FROM asrun WHERE kind != 'retracted'")
        return {entry for (entry,) in rows}

    def relay_history(self) -> list[tuple[str, str]]:
        """(entry, kind) of every row of a relay's parts (keys `r-…`), oldest first."""
        rows = self.db.execute("SELECT entry, kind FROM asrun WHERE entry LIKE 'r-%' ORDER BY id")
        return [(str(entry), str(kind)) for entry, kind in rows]

    def left_started(self) -> list[wire.Report]:
        """`started` rows with no outcome: the agent stopped (or was killed) mid-airing."""
        rows = self.db.execute(
            "SELECT * FROM asrun a WHERE kind = 'started' AND NOT EXISTS (SELECT 1 FROM asrun b"
            " WHERE b.entry = a.entry AND b.kind IN ('aired', 'failed', 'interrupted',"
            " 'preempted')) ORDER BY id"
        )
        return [self._row(r).report for r in rows.fetchall()]

    def undelivered(self) -> list[Row]:
        """Rows whose report the broker has not acknowledged yet, oldest first."""
        rows = self.db.execute("SELECT * FROM asrun WHERE delivered = 0 ORDER BY id")
        return [self._row(r) for r in rows.fetchall()]

    def delivered(self, row_id: int) -> None:
        """The broker acknowledged this row's report."""
        self.db.execute("UPDATE asrun SET delivered = 1 WHERE id = ?", (row_id,))

    def rows(self) -> list[Row]:
        """The whole as-run log, oldest first."""
        return [self._row(r) for r in self.db.execute("SELECT * FROM asrun ORDER BY id")]

    def _row(self, r: tuple[object, ...]) -> Row:
        (row_id, entry, kind, sha, started, ended, reported, from_cache, contact, error,
         delivered, received, gaps) = r  # fmt: skip
        report = wire.Report(
            cluster=self.cluster, entry=str(entry), kind=str(kind),
            sha256=sha if isinstance(sha, str) else None,
            started_at=_time(started if isinstance(started, str) else None),
            ended_at=_time(ended if isinstance(ended, str) else None),
            reported_at=wire.moment(reported, "reported_at"), from_cache=bool(from_cache),
            last_contact=_time(contact if isinstance(contact, str) else None),
            error=error if isinstance(error, str) else None,
            received_s=float(received) if isinstance(received, (int, float)) else None,
            gaps=tuple(tuple(g) for g in json.loads(gaps)) if isinstance(gaps, str) else (),
        )  # fmt: skip
        return Row(int(str(row_id)), report, bool(delivered))

    # Small state that outlives a restart
    def get(self, name: str) -> str | None:
        """A stored value (e.g. last_contact)."""
        row = self.db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, name: str, value: str) -> None:
        """Store a value."""
        self.db.execute("INSERT OR REPLACE INTO state (name, value) VALUES (?, ?)", (name, value))

    def tracked_since(self, now: datetime) -> datetime | None:
        """Since when this agent answers for its programme: `now` at its first start, kept.

        None for a cache that held something before this was kept (an agent upgraded): it
        ran before, since when is unknown, so every entry it let pass still counts as missed.
        """
        stored = self.get("tracked_since")
        if stored is None:
            history = self.db.execute(
                "SELECT 1 FROM programme UNION ALL SELECT 1 FROM asrun"
                " UNION ALL SELECT 1 FROM state LIMIT 1"
            ).fetchone()
            stored = "" if history else wire.when(now) or ""
            self.put("tracked_since", stored)
        return wire.moment(stored, "tracked_since") if stored else None
