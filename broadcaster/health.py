"""Health: is the daemon alive, what airs next and is its audio ready, how did the last go."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster import audio
from broadcaster.config import Settings
from broadcaster.db import Airing, DaemonLease, Problem, Script
from broadcaster.lease import LEASE_SECONDS
from broadcaster.programme import entries_for
from broadcaster.slots import SlotDef, occurrences_between


@dataclass(frozen=True)
class NextAiring:
    """A planned bulletin in a coming slot (title None: the slot is not planned yet)."""

    start: datetime
    slot: str
    title: str | None
    ready: bool


@dataclass(frozen=True)
class LastOutcome:
    """One recent evidence row."""

    planned_start: datetime
    title: str
    outcome: str
    error: str | None


@dataclass(frozen=True)
class Health:
    """Everything `broadcaster status` and the web page show."""

    daemon_alive: bool
    holder: str | None
    heartbeat_at: datetime | None
    next_airings: list[NextAiring]
    last_outcomes: list[LastOutcome]
    problems: list[tuple[datetime, str]]
    disk_free_bytes: int
    disk_total_bytes: int


def _file_ready(settings: Settings, audio_path: str, sha256: str) -> bool:
    path = settings.var_path / audio_path
    return path.is_file() and audio.file_sha256(path) == sha256


def check_health(
    session: Session, settings: Settings, slots: list[SlotDef], now: datetime, count: int = 5
) -> Health:
    """Gather the station's health as of `now`."""
    lease = session.get(DaemonLease, 1)
    alive = lease is not None and now - lease.heartbeat_at < timedelta(seconds=LEASE_SECONDS)
    upcoming: list[NextAiring] = []
    for occurrence in occurrences_between(slots, now, now + timedelta(days=8), settings.tz):
        entries = entries_for(session, occurrence.slot.name, occurrence.start)
        if not entries:
            upcoming.append(NextAiring(occurrence.start, occurrence.slot.name, None, False))
        for entry in entries:
            ready = _file_ready(settings, entry.rendering.audio_path, entry.rendering.sha256)
            upcoming.append(
                NextAiring(occurrence.start, occurrence.slot.name, entry.script.title, ready)
            )
        if len(upcoming) >= count:
            break
    last = [
        LastOutcome(a.planned_start, title, a.outcome, a.error)
        for a, title in session.execute(
            select(Airing, Script.title)
            .join(Script, Airing.script_id == Script.id)
            .order_by(Airing.id.desc())
            .limit(count)
        )
    ]
    problems = [
        (p.at, p.message)
        for p in session.scalars(select(Problem).order_by(Problem.id.desc()).limit(count))
    ]
    settings.var_path.mkdir(parents=True, exist_ok=True)
    disk = shutil.disk_usage(settings.var_path)
    return Health(
        daemon_alive=alive,
        holder=lease.holder if lease else None,
        heartbeat_at=lease.heartbeat_at if lease else None,
        next_airings=upcoming[:count],
        last_outcomes=last,
        problems=problems,
        disk_free_bytes=disk.free,
        disk_total_bytes=disk.total,
    )
