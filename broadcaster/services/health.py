"""Health: is the daemon alive, what airs next and is its audio ready, how did the last go.

It must answer whatever state the machine is in (a full disk above all), so every
database error becomes DATABASE_UNREACHABLE, said together with the disk's state.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from broadcaster.config import Settings
from broadcaster.enums import Outcome, Priority
from broadcaster.errors import BroadcasterError, Code
from broadcaster.notes import Note
from broadcaster.onair.lease import Lease, lease_is_alive
from broadcaster.programme.planning import entries_for
from broadcaster.programme.slots import occurrences_between
from broadcaster.reports.plan import Lag
from broadcaster.services.context import Context
from broadcaster.services.planning import slot_files_changed, station_slots
from broadcaster.services.summaries import plan_behind, plan_missing
from broadcaster.store.db import Airing, AirRequest, Cluster, DaemonLease, Problem, Script
from broadcaster.store.renderings import rendering_intact

if TYPE_CHECKING:
    from broadcaster.services.clusters import ClusterHealth

# Below this much free space SQLite cannot even open its write-ahead files, and no airing
# can be logged: the disk counts as full.
FULL_BELOW_BYTES = 1_000_000


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


def check_health(ctx: Context, count: int = 5) -> Health:
    """Gather the station's health as of now; reads only.

    Raises DATABASE_UNREACHABLE (with the disk's state) when the database cannot be read.
    """
    try:
        return _gather(ctx, count)
    except OperationalError as exc:
        unreachable = BroadcasterError(
            Code.DATABASE_UNREACHABLE, url=ctx.settings.db_url_shown, detail=exc.orig
        )
        raise with_disk_state(ctx.settings, unreachable) from exc


def _gather(ctx: Context, count: int) -> Health:
    session, settings, now = ctx.session, ctx.settings, ctx.now()
    lease = session.get(DaemonLease, 1)
    alive = lease_is_alive(session, now, settings.lease_seconds)
    upcoming: list[NextAiring] = []
    for occurrence in occurrences_between(
        station_slots(ctx), now, now + timedelta(days=8), settings.tz
    ):
        entries = entries_for(session, occurrence.slot.name, occurrence.start)
        if not entries:
            upcoming.append(NextAiring(occurrence.start, occurrence.slot.name, None, False))
        for entry in entries:
            ready = rendering_intact(settings, entry.rendering)
            upcoming.append(
                NextAiring(occurrence.start, occurrence.slot.name, entry.script.title, ready)
            )
        if len(upcoming) >= count:
            break
    last = [
        LastOutcome(a.planned_start, a.title or title, a.outcome, a.error)
        for a, title in session.execute(
            select(Airing, Script.title)
            .outerjoin(Script, Airing.script_id == Script.id)  # a relay's parts: no script
            .order_by(Airing.id.desc())
            .limit(count)
        )
    ]
    problems = [
        (p.at, p.message)
        for p in session.scalars(select(Problem).order_by(Problem.id.desc()).limit(count))
    ]
    free, total = disk_space(settings)
    fleet_lines, fleet_problems = _fleet(ctx)
    on_air = _on_air(ctx) if alive else None
    output, output_failed = _output_state(ctx)
    waiting = _waiting(ctx, on_air) if alive else []
    return Health(
        daemon_alive=alive,
        holder=lease.holder if lease else None,
        heartbeat_at=(
            lease.heartbeat_at if lease and not Lease.released(lease.heartbeat_at) else None
        ),
        stopped_cleanly=lease is not None and Lease.released(lease.heartbeat_at),
        next_airings=upcoming[:count],
        last_outcomes=last,
        problems=problems,
        disk_free_bytes=free,
        disk_total_bytes=total,
        slots_changed=slot_files_changed(ctx),
        on_air=on_air,
        waiting=waiting,
        output=output,
        output_failed=output_failed,
        plan_behind=_plan_behind(ctx),
        plan_missing=plan_missing(ctx),
        clusters=fleet_lines,
        cluster_problems=fleet_problems,
    )


def _plan_behind(ctx: Context) -> list[Lag]:
    """The quarter's lagging topics. A plan file the town wrote wrong is refused by the
    report, which can say why; health answers without it."""
    try:
        return plan_behind(ctx)
    except BroadcasterError:
        return []


def _fleet(ctx: Context) -> tuple[list[ClusterHealth], list[Note]]:
    """The clusters' lines and problems; the cluster code loads only at a station that has
    clusters (most have none, and `broadcaster status` stays light)."""
    if ctx.session.scalar(select(Cluster.id).limit(1)) is None:
        return [], []
    from broadcaster.services.clusters import fleet

    return fleet(ctx)


def _on_air(ctx: Context) -> OnAir | None:
    """The airing whose row is `started`: what sounds now."""
    airing = ctx.session.scalars(
        select(Airing).where(Airing.outcome == Outcome.STARTED).order_by(Airing.id.desc())
    ).first()
    if airing is None or airing.started_at is None:
        return None
    emergency = airing.script.priority == Priority.EMERGENCY
    source = airing.slot_name or ("emergency" if emergency else "air-now")
    until = airing.started_at + timedelta(seconds=airing.duration_s) if airing.duration_s else None
    return OnAir(airing.title or "", source, airing.requested_by, airing.started_at, until)


def _waiting(ctx: Context, on_air: OnAir | None) -> list[Waiting]:
    """Requests not aired yet, in the order the arbiter takes them: emergencies first (the
    one on air, still open until it ends, is left out)."""
    rows = ctx.session.execute(
        select(AirRequest, Script.title)
        .join(Script, AirRequest.script_id == Script.id)
        .where(AirRequest.handled_at.is_(None))
        .order_by(AirRequest.emergency.desc(), AirRequest.id)
    ).all()
    waiting = [Waiting(title, r.emergency, r.requested_by, r.requested_at) for r, title in rows]
    if on_air is not None and on_air.source in ("air-now", "emergency"):
        sounding = [
            w for w in waiting if (w.title, w.requested_by) == (on_air.title, on_air.requested_by)
        ]
        if sounding:
            waiting.remove(sounding[0])
    return waiting


def _output_state(ctx: Context) -> tuple[str | None, str | None]:
    """Where the station's last finished airing went, and why it failed if it did: a failing
    output stays red on the status page until an airing gets through again."""
    # One outcome at a time: each is the end of one index range (0014), where both together
    # had the database sort every airing of the year to find the newest.
    lasts = [
        ctx.session.scalars(
            select(Airing)
            .where(Airing.cluster.is_(None), Airing.outcome == outcome)
            .order_by(Airing.id.desc())
            .limit(1)
        ).first()
        for outcome in (Outcome.AIRED, Outcome.FAILED)
    ]
    found = [airing for airing in lasts if airing is not None]
    if not found:
        return None, None
    last = max(found, key=lambda airing: airing.id)
    return last.output, (last.error or "") if last.outcome == Outcome.FAILED else None
