"""Programme → loudspeaker clusters: what each cluster is to play, as `wire` messages, and the
dispatch rows that remember what was sent (the base of "không xác nhận" and of refusing a
report for an entry a cluster was never sent).

A slot or an air-now targets zones (none: every zone); a cluster plays what targets its zone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from broadcaster.clusters import wire
from broadcaster.clusters.relay_fanout import LONGEST, dispatch_relay, live_relays, relays_for
from broadcaster.config import Settings
from broadcaster.programme.slots import SlotOccurrence
from broadcaster.store.db import (
    AirRequest,
    Cluster,
    Dispatch,
    ProgrammeEntry,
    Rendering,
    Script,
    Zone,
)
from broadcaster.store.db import Slot as SlotRow

AUDIO_PATH = "/agent/audio/"
PAST = timedelta(minutes=30)  # entries this far back stay in the programme (a late agent)


def entry_key(entry_id: int) -> str:
    """The wire key of a programme entry."""
    return f"e-{entry_id}"


def emergency_key(request_id: int) -> str:
    """The wire key of an air-now request."""
    return f"x-{request_id}"


def zone_list(text: str) -> tuple[str, ...]:
    """Zones kept as comma-separated names; empty: every zone."""
    return tuple(z for z in (part.strip() for part in text.split(",")) if z)


def targeted(session: Session, zones: tuple[str, ...]) -> list[Cluster]:
    """The enabled clusters in `zones` (every enabled cluster when none is named)."""
    query = select(Cluster).where(Cluster.disabled.is_(False)).order_by(Cluster.name)
    if zones:
        query = query.join(Zone, Cluster.zone_id == Zone.id).where(Zone.name.in_(zones))
    return list(session.scalars(query))


@dataclass(frozen=True)
class Sent:
    """A programme to publish to one cluster, and whether it differs from the last one sent."""

    cluster: str
    message: wire.Programme
    changed: bool


def programme_for(
    session: Session, settings: Settings, cluster: Cluster, now: datetime,
    live: list[SlotOccurrence] | None = None,
) -> wire.Programme:  # fmt: skip
    """Everything `cluster` is to play from a little before `now` to the render-ahead horizon
    (`live`: the relay occurrences of that time, read once for every cluster)."""
    until = now + timedelta(hours=settings.render_ahead_hours)
    if live is None:
        live = live_relays(session, settings, now, until)
    zone = session.get_one(Zone, cluster.zone_id).name
    rows = session.execute(
        select(ProgrammeEntry, Rendering, Script.title, SlotRow.zones, Script.zones)
        .join(Rendering, ProgrammeEntry.rendering_id == Rendering.id)
        .join(Script, ProgrammeEntry.script_id == Script.id)
        .join(SlotRow, SlotRow.name == ProgrammeEntry.slot_name)
        .where(ProgrammeEntry.starts_at >= now - PAST, ProgrammeEntry.starts_at < until)
        .order_by(ProgrammeEntry.starts_at, ProgrammeEntry.position)
    )
    entries = []
    offsets: dict[tuple[str, datetime], float] = {}
    for entry, rendering, title, zones, script_zones in rows:
        occurrence = (entry.slot_name, entry.starts_at)
        offset = offsets.get(occurrence, 0.0)  # bulletins of a slot play one after another
        offsets[occurrence] = offset + rendering.duration_s
        if any(zone_list(z) and zone not in zone_list(z) for z in (zones, script_zones)):
            continue  # the slot, or the bulletin, is for other zones
        entries.append(
            wire.Entry(
                key=entry_key(entry.id),
                slot=entry.slot_name,
                start=entry.starts_at + timedelta(seconds=offset),
                script_id=entry.script_id,
                title=title,
                sha256=rendering.sha256,
                duration_s=rendering.duration_s,
                url=AUDIO_PATH + rendering.sha256,
            )  # fmt: skip
        )
    version = int(now.timestamp() * 1000)
    relays = relays_for(settings, zone, live)
    return wire.Programme(cluster.name, version, now, until, tuple(entries), relays)


def dispatch(
    session: Session, cluster: Cluster, programme: wire.Programme, uppers: dict[str, str]
) -> bool:
    """Remember what `programme` sends `cluster` (`uppers`: each relay slot's stream); entries
    and relays gone from it (not yet started) are retracted. Returns whether anything changed
    since the last programme (the caller commits)."""
    sent = programme.sent_at
    held = {
        d.entry: d
        for d in session.scalars(
            select(Dispatch).where(
                Dispatch.cluster_id == cluster.id,
                or_(
                    and_(Dispatch.entry.like("e-%"), Dispatch.starts_at >= sent - PAST),
                    and_(Dispatch.entry.like("r-%"), Dispatch.starts_at >= sent - LONGEST),
                ),
            )
        )
    }
    changed = False
    for relay in programme.relays:
        changed |= dispatch_relay(held, session, cluster.id, relay, uppers[relay.slot], sent)
    for entry in programme.entries:
        row = held.pop(entry.key, None)
        if row is None:
            row = Dispatch(cluster_id=cluster.id, entry=entry.key, sent_at=programme.sent_at)
            session.add(row)
        elif (row.sha256, row.starts_at, row.retracted_at) == (entry.sha256, entry.start, None):
            continue
        changed = True
        row.script_id, row.slot_name, row.sha256 = entry.script_id, entry.slot, entry.sha256
        row.starts_at, row.duration_s = entry.start, entry.duration_s
        row.sent_at, row.retracted_at = programme.sent_at, None
    for row in held.values():  # no longer in the programme: retracted, unless it began
        if row.retracted_at is None and row.starts_at > programme.sent_at:
            row.retracted_at = programme.sent_at
            changed = True
    return changed


def programmes(session: Session, settings: Settings, now: datetime) -> list[Sent]:
    """The programme of every enabled cluster, with its dispatch rows brought up to date."""
    until = now + timedelta(hours=settings.render_ahead_hours)
    live = live_relays(session, settings, now, until)
    uppers = {o.slot.name: o.slot.url or "" for o in live}
    sent = []
    for cluster in targeted(session, ()):
        message = programme_for(session, settings, cluster, now, live)
        sent.append(Sent(cluster.name, message, dispatch(session, cluster, message, uppers)))
    return sent


def emergencies(
    session: Session, settings: Settings, request: AirRequest, now: datetime
) -> list[wire.Emergency]:
    """The emergency of `request` for each targeted cluster not yet sent it, with its dispatch
    rows (the caller commits). Nothing once it has expired."""
    expires = request.requested_at + timedelta(minutes=settings.emergency_expiry_minutes)
    script = session.get_one(Script, request.script_id)
    rendering = session.scalar(
        select(Rendering)
        .where(Rendering.script_id == script.id, Rendering.content_hash == script.content_hash)
        .order_by(Rendering.id.desc())
        .limit(1)
    )
    if rendering is None or now >= expires:
        return []
    key = emergency_key(request.id)
    sent = set(session.scalars(select(Dispatch.cluster_id).where(Dispatch.entry == key)))
    query = select(Cluster.id, Cluster.name).where(Cluster.disabled.is_(False))
    zones = zone_list(request.zones)
    if zones:
        query = query.join(Zone, Cluster.zone_id == Zone.id).where(Zone.name.in_(zones))
    clusters = [c for c in session.execute(query) if c.id not in sent]  # ids and names only
    if not clusters:
        return []
    # One statement for every row: a province's thousands of clusters in a fraction of a second.
    rows = [
        {"cluster_id": cluster.id, "entry": key, "script_id": script.id,
         "rendering_id": rendering.id, "sha256": rendering.sha256,
         "starts_at": request.requested_at, "duration_s": rendering.duration_s,
         "sent_at": now, "requested_by": request.requested_by}
        for cluster in clusters
    ]  # fmt: skip
    session.execute(insert(Dispatch), rows)
    message = wire.Emergency(
        key=key, cluster="", title=script.title, sha256=rendering.sha256,
        duration_s=rendering.duration_s, url=AUDIO_PATH + rendering.sha256,
        issued_at=request.requested_at, expires=expires, requested_by=request.requested_by,
    )  # fmt: skip
    return [replace(message, cluster=cluster.name) for cluster in clusters]
