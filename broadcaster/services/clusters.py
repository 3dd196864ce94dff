"""Zones and loudspeaker clusters: add and list them, give each cluster its credentials once,
and keep the broker's accounts and ACL in step with the clusters that are enabled."""

from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from broadcaster.clusters import broker, wire
from broadcaster.clusters.agent_reports import health_of
from broadcaster.clusters.endpoint import token_hash
from broadcaster.enums import Outcome
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import audit
from broadcaster.notes import Note, NoteCode, note
from broadcaster.services.context import Context
from broadcaster.services.scripts import get_script
from broadcaster.store.db import Airing, Cluster, Dispatch, Script, Zone

logger = logging.getLogger(__name__)

ZONE_NAME_LIMIT = 100
CLUSTER_NAME_LIMIT = 40
CLUSTER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")


@dataclass(frozen=True)
class ZoneView:
    """A zone as the CLI and the status page list it."""

    name: str
    description: str
    clusters: tuple[str, ...]


@dataclass(frozen=True)
class ClusterView:
    """A cluster and its last heartbeat, as the CLI and the status page list it."""

    name: str
    zone: str
    disabled: bool
    online: bool
    seen_at: datetime | None
    clock_offset_s: float | None
    health: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Credentials:
    """What a new cluster's agent needs, shown once: only their hashes are kept."""

    cluster: str
    password: str  # its broker password
    token: str  # its bearer token on the station's agent endpoint
    broker_updated: bool  # the broker's files were rewritten and the broker told to reload


def _zone(session: Session, name: str) -> Zone:
    zone = session.scalar(select(Zone).where(Zone.name == name.strip()))
    if zone is None:
        raise BroadcasterError(Code.ZONE_NOT_FOUND, name=name)
    return zone


def _cluster(session: Session, name: str) -> Cluster:
    cluster = session.scalar(select(Cluster).where(Cluster.name == name.strip()))
    if cluster is None:
        raise BroadcasterError(Code.CLUSTER_NOT_FOUND, name=name)
    return cluster


def add_zone(ctx: Context, name: str, description: str = "") -> Zone:
    """Add a zone (thôn, tổ dân phố) that slots, bulletins and air-nows can target."""
    name = " ".join(name.split())
    if not name or len(name) > ZONE_NAME_LIMIT or "," in name:
        raise BroadcasterError(Code.ZONE_NAME_INVALID, maximum=ZONE_NAME_LIMIT)
    if ctx.session.scalar(select(Zone.id).where(Zone.name == name)) is not None:
        raise BroadcasterError(Code.ZONE_EXISTS, name=name)
    zone = Zone(name=name, description=description.strip()[:500], added_at=ctx.now())
    ctx.session.add(zone)
    audit.record(ctx.session, ctx.now(), ctx.actor, "zone-add", f"zone:{name}")
    ctx.session.commit()
    return zone


def zones(session: Session) -> list[ZoneView]:
    """Every zone with the names of its clusters, by name."""
    found = []
    for zone in session.scalars(select(Zone).order_by(Zone.name)):
        names = session.scalars(
            select(Cluster.name).where(Cluster.zone_id == zone.id).order_by(Cluster.name)
        )
        found.append(ZoneView(zone.name, zone.description, tuple(names)))
    return found


def known_zones(session: Session, names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The zones named, each checked to exist (ZONE_NOT_FOUND); none means every zone."""
    chosen = tuple(dict.fromkeys(" ".join(n.split()) for n in names if n.strip()))
    for name in chosen:
        _zone(session, name)
    return chosen


def set_script_zones(ctx: Context, script_id: int, names: list[str]) -> tuple[str, ...]:
    """Air a bulletin only in these zones' clusters (none: every zone)."""
    script = get_script(ctx, script_id)
    chosen = known_zones(ctx.session, names)
    script.zones = ",".join(chosen)
    audit.record(ctx.session, ctx.now(), ctx.actor, "script-zones", f"script:{script_id}",
                 detail=script.zones or "all")  # fmt: skip
    ctx.session.commit()
    return chosen


def add_cluster(
    ctx: Context,
    name: str,
    zone: str,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Credentials:
    """Add a cluster in `zone` with a new broker password and audio token (shown once)."""
    if not CLUSTER_NAME.fullmatch(name) or name == ctx.settings.mqtt_user:
        raise BroadcasterError(Code.CLUSTER_NAME_INVALID, maximum=CLUSTER_NAME_LIMIT)
    if ctx.session.scalar(select(Cluster.id).where(Cluster.name == name)) is not None:
        raise BroadcasterError(Code.CLUSTER_EXISTS, name=name)
    where = _zone(ctx.session, zone)
    password, token = secrets.token_urlsafe(18), secrets.token_urlsafe(32)
    ctx.session.add(
        Cluster(
            name=name,
            zone_id=where.id,
            password_line=broker.password_line(name, password),
            token_sha256=token_hash(token),
            latitude=latitude,
            longitude=longitude,
            added_at=ctx.now(),
        )
    )
    audit.record(ctx.session, ctx.now(), ctx.actor, "cluster-add", f"cluster:{name}", detail=zone)
    ctx.session.commit()
    return Credentials(name, password, token, update_broker(ctx))


def disable_cluster(ctx: Context, name: str) -> bool:
    """Disable a cluster: its broker account goes at the broker's next reload, its token at once.

    Returns whether the broker's files were rewritten and the broker told to reload.
    """
    cluster = _cluster(ctx.session, name)
    if not cluster.disabled:
        cluster.disabled = True
        audit.record(ctx.session, ctx.now(), ctx.actor, "cluster-disable", f"cluster:{name}")
        ctx.session.commit()
    return update_broker(ctx)


def clusters(session: Session) -> list[ClusterView]:
    """Every cluster by zone and name, with its last heartbeat."""
    rows = session.execute(
        select(Cluster, Zone.name)
        .join(Zone, Cluster.zone_id == Zone.id)
        .order_by(Zone.name, Cluster.name)
    )
    return [
        ClusterView(
            c.name,
            zone,
            c.disabled,
            c.online and not c.disabled,
            c.seen_at,
            c.clock_offset_s,
            c.health,
            c.latitude,
            c.longitude,
        )  # fmt: skip
        for c, zone in rows
    ]


def update_broker(ctx: Context) -> bool:
    """Rewrite the broker's password and ACL files from the enabled clusters and reload it.

    Only where `broadcaster broker setup` made the broker's folder; False when there is none
    or no broker runs to reload (the files are right for its next start).
    """
    folder = ctx.settings.broker_path
    if not folder.is_dir():
        return False
    if not ctx.settings.mqtt_password:  # never an account with an empty password
        logger.warning("mqtt_password is not set: run 'broadcaster broker setup' first")
        return False
    agents = [
        (c.name, c.password_line)
        for c in ctx.session.scalars(select(Cluster).where(Cluster.disabled.is_(False)))
    ]
    station = broker.password_line(ctx.settings.mqtt_user, ctx.settings.mqtt_password)
    broker.write_accounts(folder, ctx.settings.mqtt_user, station, agents, ctx.settings.mqtt_prefix)
    try:
        broker.reload(folder)
    except broker.BrokerError as exc:
        logger.warning("broker files written, but not reloaded: %s", exc)
        return False
    return True


# --- health ------------------------------------------------------------------------------------

CLOCK_TOLERANCE_S = 1.0  # neighbouring clusters more than this apart are heard as an echo
CONFIRM_GRACE = timedelta(minutes=10)  # after an entry's end, its report is overdue


@dataclass(frozen=True)
class ClusterHealth:
    """One cluster's line on the status page."""

    view: ClusterView
    beat: wire.Health | None  # its last heartbeat
    unconfirmed: int  # entries sent to it, over and never confirmed ("không xác nhận")


def fleet(ctx: Context) -> tuple[list[ClusterHealth], list[Note]]:
    """Every cluster's health, and the problems to raise: offline, a clock off by more than a
    second, audio missing for what comes next."""
    now = ctx.now()
    lines, problems = [], []
    views = {view.name: view for view in clusters(ctx.session)}
    silent = Counter(u.cluster for u in unconfirmed_between(ctx.session, None, now, now, None))
    for cluster in ctx.session.scalars(select(Cluster).order_by(Cluster.name)):
        view = views[cluster.name]
        beat = health_of(cluster)
        line = ClusterHealth(view, beat, silent[cluster.name])
        lines.append(line)
        if cluster.disabled:
            continue
        if not cluster.online:
            since = cluster.seen_at.astimezone(ctx.settings.tz).strftime("%H:%M %d/%m/%Y") if (
                cluster.seen_at
            ) else "—"  # fmt: skip
            problems.append(note(NoteCode.CLUSTER_OFFLINE, cluster=cluster.name,
                                 zone=view.zone, since=since))  # fmt: skip
        if cluster.clock_offset_s is not None and abs(cluster.clock_offset_s) > CLOCK_TOLERANCE_S:
            problems.append(note(NoteCode.CLUSTER_CLOCK, cluster=cluster.name,
                                 offset=f"{cluster.clock_offset_s:+.1f}"))  # fmt: skip
        if beat is not None and beat.missing:
            problems.append(note(NoteCode.CLUSTER_AUDIO_MISSING, cluster=cluster.name,
                                 count=len(beat.missing)))  # fmt: skip
    lines.sort(key=lambda line: (line.view.zone, line.view.name))
    return lines, problems


@dataclass(frozen=True)
class Unconfirmed:
    """An entry sent to a cluster that never confirmed it ("không xác nhận")."""

    cluster: str
    entry: str
    title: str
    starts_at: datetime


def unconfirmed_between(
    session: Session,
    start: datetime | None,
    end: datetime,
    now: datetime,
    limit: int | None = 500,
) -> list[Unconfirmed]:
    """Entries of [start, end) sent to a cluster, ended more than CONFIRM_GRACE before `now`,
    with no outcome from it (one query for every cluster)."""
    confirmed = (
        select(Airing.id)
        .where(
            Airing.cluster == Cluster.name,
            Airing.cluster_entry == Dispatch.entry,
            Airing.outcome != Outcome.STARTED,
        )
        .exists()
    )
    query = (
        select(
            Cluster.name,
            Dispatch.entry,
            func.coalesce(Script.title, Dispatch.slot_name, ""),
            Dispatch.starts_at,
            Dispatch.duration_s,
        )  # fmt: skip
        .join(Cluster, Dispatch.cluster_id == Cluster.id)
        .outerjoin(Script, Dispatch.script_id == Script.id)  # a relay has no script: its slot
        .where(
            Dispatch.starts_at < min(end, now - CONFIRM_GRACE),
            Dispatch.retracted_at.is_(None),
            ~confirmed,
        )
        .order_by(Dispatch.starts_at, Cluster.name)
        .limit(limit)
    )
    if start is not None:
        query = query.where(Dispatch.starts_at >= start)
    return [
        Unconfirmed(name, entry, title, starts)
        for name, entry, title, starts, seconds in session.execute(query)
        if starts + timedelta(seconds=seconds) + CONFIRM_GRACE < now  # over, and overdue
    ]
