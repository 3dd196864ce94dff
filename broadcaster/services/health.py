"""Health: is the daemon alive, what airs next and is its audio ready, how did the last go.

It must answer whatever state the machine is in (a full disk above all), so every
database error becomes DATABASE_UNREACHABLE, said together with the disk's state.

It reads through Core (the tables of `store.tables`) on a Connection or a Session, so
`broadcaster status` loads no ORM (issue 25); the cluster code, which does, only at a station
that has clusters.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from broadcaster.config import Settings
from broadcaster.enums import Outcome, Priority, SlotKind
from broadcaster.errors import BroadcasterError, Code
from broadcaster.notes import Note
from broadcaster.onair.lease import Lease, lease_row, renewed_within
from broadcaster.onair.streams import shown_url
from broadcaster.programme.entry_rows import entry_audio
from broadcaster.programme.exceptions import occurrences
from broadcaster.programme.rule_rows import calendar_of
from broadcaster.programme.slot_rows import files_changed, slots_from_rows
from broadcaster.reports.plan import Lag
from broadcaster.services.summaries import plan_behind, plan_missing
from broadcaster.store import tables as t
from broadcaster.store.engine import Reader
from broadcaster.store.renderings import rendering_intact

if TYPE_CHECKING:
    from broadcaster.services.clusters import ClusterHealth

# Below this much free space SQLite cannot even open its write-ahead files, and no airing
# can be logged: the disk counts as full.
FULL_BELOW_BYTES = 1_000_000


@dataclass(frozen=True)
class NextAiring:
    """What a coming slot airs: a planned bulletin (title None: not planned yet), or a relay of
    an upper-level station (`relay`: its stream's address shown without credentials, until
    `until`; `ready`: it has a fallback file for a lost stream). One timeline of both."""

    start: datetime
    slot: str
    title: str | None
    ready: bool
    relay: str | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class LastOutcome:
    """One recent evidence row."""

    planned_start: datetime
    title: str
    outcome: Outcome
    error: str | None


@dataclass(frozen=True)
class OnAir:
    """What sounds now: its title, where it came from, who asked, since and until when."""

    title: str
    source: str  # a slot's name, "air-now" or "emergency"
    requested_by: str | None
    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class Waiting:
    """An air-now or emergency request the daemon has not aired yet (they air in this order)."""

    title: str
    emergency: bool
    requested_by: str | None
    requested_at: datetime


@dataclass(frozen=True)
class Health:
    """Everything `broadcaster status` and the web page show."""

    daemon_alive: bool
    holder: str | None
    heartbeat_at: datetime | None  # None when it stopped cleanly or never ran
    next_airings: list[NextAiring]
    last_outcomes: list[LastOutcome]
    problems: list[tuple[datetime, str]]
    disk_free_bytes: int
    disk_total_bytes: int
    slots_changed: str | None  # why the schedule files differ from the daemon's slots
    stopped_cleanly: bool = False  # the last daemon gave the air up when it stopped
    plan_behind: list[Lag] = field(default_factory=list)  # topics behind the quarter's plan
    clusters: list[ClusterHealth] = field(default_factory=list)  # the loudspeaker clusters
    cluster_problems: list[Note] = field(default_factory=list)  # offline, clock, missing audio
    on_air: OnAir | None = None  # what sounds now, while the daemon runs
    output: str | None = None  # where the station's last airing went (e.g. file:…/var/aired)
    output_failed: str | None = None  # its stored note, when the last airing failed
    waiting: list[Waiting] = field(default_factory=list)  # requests before the next slot
    plan_missing: int | None = None  # this year, when it has no plan file yet

    @property
    def disk_full(self) -> bool:
        """Too little space left to log an airing."""
        return self.disk_free_bytes < FULL_BELOW_BYTES


def disk_space(settings: Settings) -> tuple[int, int]:
    """Free and total bytes of the disk that holds var/ (or the folder it will be made in)."""
    existing = settings.var_path if settings.var_path.is_dir() else settings.base_dir
    usage = shutil.disk_usage(existing)
    return usage.free, usage.total


def with_disk_state(settings: Settings, error: BroadcasterError) -> BroadcasterError:
    """A database that cannot be opened on a full disk: the sentence says the disk is full."""
    if error.code != Code.DATABASE_UNREACHABLE:
        return error
    free, _ = disk_space(settings)
    if free >= FULL_BELOW_BYTES:
        return error
    detail = (
        f"{error.data['detail']}; the disk that holds {settings.var_path} is full "
        f"({free // 1000} kB free)"
    )
    return BroadcasterError(Code.DATABASE_UNREACHABLE, **(error.data | {"detail": detail}))


def check_health(settings: Settings, db: Reader, now: datetime, count: int = 5) -> Health:
    """Gather the station's health as of `now` from `db` (a Connection or a Session); reads
    only.

    Raises DATABASE_UNREACHABLE (with the disk's state) when the database cannot be read.
    """
    try:
        return _gather(settings, db, now, count)
    except OperationalError as exc:
        unreachable = BroadcasterError(
            Code.DATABASE_UNREACHABLE, url=settings.db_url_shown, detail=exc.orig
        )
        raise with_disk_state(settings, unreachable) from exc


def _next_airings(settings: Settings, db: Reader, now: datetime, count: int) -> list[NextAiring]:
    """The next `count` bulletins and relays of the coming eight days' slots, in time order,
    each bulletin with its audio checked."""
    upcoming: list[NextAiring] = []
    slots = slots_from_rows(db)
    window = (now, now + timedelta(days=8))
    for occurrence in occurrences(slots, *window, settings.tz, calendar_of(db)):
        slot = occurrence.slot
        if slot.kind == SlotKind.RELAY:
            shown = shown_url(slot.url or "")
            upcoming.append(
                NextAiring(
                    occurrence.start, slot.name, None, bool(slot.fallback), shown, occurrence.end
                )
            )
            continue
        entries = entry_audio(db, occurrence.slot.name, occurrence.start)
        if not entries:
            upcoming.append(NextAiring(occurrence.start, occurrence.slot.name, None, False))
        for entry in entries:
            ready = rendering_intact(settings, entry)
            upcoming.append(NextAiring(occurrence.start, occurrence.slot.name, entry.title, ready))
        if len(upcoming) >= count:
            break
    return upcoming[:count]


def _gather(settings: Settings, db: Reader, now: datetime, count: int) -> Health:
    airing, script, problem = t.airing, t.script, t.problem
    lease = lease_row(db)
    alive = renewed_within(lease, now, settings.lease_seconds)
    last = [
        LastOutcome(row.planned_start, row.title or row.script_title, row.outcome, row.error)
        for row in db.execute(
            select(airing, script.c.title.label("script_title"))
            .outerjoin(script, airing.c.script_id == script.c.id)  # a relay's parts: no script
            .order_by(airing.c.id.desc())
            .limit(count)
        )
    ]
    problems = [
        (row.at, row.message)
        for row in db.execute(select(problem).order_by(problem.c.id.desc()).limit(count))
    ]
    free, total = disk_space(settings)
    fleet_lines, fleet_problems = _fleet(settings, db, now)
    on_air = _on_air(db) if alive else None
    output, output_failed = _output_state(db)
    waiting = _waiting(db, on_air) if alive else []
    return Health(
        daemon_alive=alive,
        holder=lease.holder if lease else None,
        heartbeat_at=(
            lease.heartbeat_at if lease and not Lease.released(lease.heartbeat_at) else None
        ),
        stopped_cleanly=lease is not None and Lease.released(lease.heartbeat_at),
        next_airings=_next_airings(settings, db, now, count),
        last_outcomes=last,
        problems=problems,
        disk_free_bytes=free,
        disk_total_bytes=total,
        slots_changed=files_changed(settings.schedules_path, db),
        on_air=on_air,
        waiting=waiting,
        output=output,
        output_failed=output_failed,
        plan_behind=_plan_behind(settings, db, now),
        plan_missing=plan_missing(settings, now),
        clusters=fleet_lines,
        cluster_problems=fleet_problems,
    )


def _plan_behind(settings: Settings, db: Reader, now: datetime) -> list[Lag]:
    """The quarter's lagging topics. A plan file the town wrote wrong is refused by the
    report, which can say why; health answers without it."""
    try:
        return plan_behind(settings, db, now)
    except BroadcasterError:
        return []


def _fleet(settings: Settings, db: Reader, now: datetime) -> tuple[list[ClusterHealth], list[Note]]:
    """The clusters' lines and problems; the cluster code (and the ORM it reads with) loads
    only at a station that has clusters (most have none, and `broadcaster status` stays light)."""
    if db.scalar(select(t.cluster.c.id).limit(1)) is None:
        return [], []
    from sqlalchemy.orm import Session

    from broadcaster.services.clusters import fleet
    from broadcaster.services.context import Context

    session = db if isinstance(db, Session) else Session(bind=db)
    return fleet(Context(settings, session, lambda: now))


def _on_air(db: Reader) -> OnAir | None:
    """The airing whose row is `started`: what sounds now."""
    airing, script = t.airing, t.script
    row = db.execute(
        select(airing, script.c.priority.label("script_priority"))
        .join(script, airing.c.script_id == script.c.id)
        .where(airing.c.outcome == Outcome.STARTED)
        .order_by(airing.c.id.desc())
        .limit(1)
    ).first()
    if row is None or row.started_at is None:
        return None
    emergency = row.script_priority == Priority.EMERGENCY
    source = row.slot_name or ("emergency" if emergency else "air-now")
    until = row.started_at + timedelta(seconds=row.duration_s) if row.duration_s else None
    return OnAir(row.title or "", source, row.requested_by, row.started_at, until)


def _waiting(db: Reader, on_air: OnAir | None) -> list[Waiting]:
    """Requests not aired yet, in the order the arbiter takes them: emergencies first (the
    one on air, still open until it ends, is left out)."""
    request, script = t.air_request, t.script
    rows = db.execute(
        select(request, script.c.title)
        .join(script, request.c.script_id == script.c.id)
        .where(request.c.handled_at.is_(None))
        .order_by(request.c.emergency.desc(), request.c.id)
    ).all()
    waiting = [Waiting(r.title, r.emergency, r.requested_by, r.requested_at) for r in rows]
    if on_air is not None and on_air.source in ("air-now", "emergency"):
        sounding = [
            w for w in waiting if (w.title, w.requested_by) == (on_air.title, on_air.requested_by)
        ]
        if sounding:
            waiting.remove(sounding[0])
    return waiting


def _output_state(db: Reader) -> tuple[str | None, str | None]:
    """Where the station's last finished airing went, and why it failed if it did: a failing
    output stays red on the status page until an airing gets through again."""
    # One outcome at a time: each is the end of one index range (0014), where both together
    # had the database sort every airing of the year to find the newest.
    airing = t.airing
    lasts = [
        db.execute(
            select(airing.c.id, airing.c.output, airing.c.error, airing.c.outcome)
            .where(airing.c.cluster.is_(None), airing.c.outcome == outcome)
            .order_by(airing.c.id.desc())
            .limit(1)
        ).first()
        for outcome in (Outcome.AIRED, Outcome.FAILED)
    ]
    found = [row for row in lasts if row is not None]
    if not found:
        return None, None
    last = max(found, key=lambda row: row.id)
    return last.output, (last.error or "") if last.outcome == Outcome.FAILED else None
