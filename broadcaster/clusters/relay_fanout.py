"""Relay slots → loudspeaker clusters: the occurrences a cluster is to relay, as `wire.Relay`
entries of its programme, and their dispatch rows.

The station re-publishes each relay slot's stream to a mount of its own Icecast (`republish`);
a cluster in the slot's zones plays that mount from the occurrence's start to its end. Nothing is
sent when the station has no Icecast for its clusters (`relay_icecast` empty): the clusters
cannot reach the upper station themselves.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.orm import Session

from broadcaster.clusters import wire
from broadcaster.config import Settings
from broadcaster.enums import SlotKind
from broadcaster.onair.streams import shown_url
from broadcaster.programme.exceptions import occurrences
from broadcaster.programme.rule_rows import calendar_of
from broadcaster.programme.slot_rows import slots_from_rows
from broadcaster.programme.slots import SlotOccurrence
from broadcaster.store.db import Dispatch

LONGEST = timedelta(seconds=wire.LONGEST_RELAY_S)  # an occurrence this far back may still run


def _digest(slot: str) -> str:
    return hashlib.sha256(slot.encode()).hexdigest()[:10]


def relay_key(slot: str, start: datetime) -> str:
    """The wire key of a relay slot's occurrence (at most 27 characters, any slot name)."""
    return f"r-{_digest(slot)}-{start:%Y%m%dT%H%MZ}"


def mount(slot: str) -> str:
    """The station's Icecast mount of a relay slot."""
    return f"/relay-{_digest(slot)}.mp3"


def public_url(settings: Settings, slot: str) -> str:
    """The address a cluster opens the slot's mount at (without the source's credentials)."""
    base = settings.relay_icecast_public.strip() or settings.relay_icecast.strip()
    parts = urlsplit(base)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + mount(slot), "", ""))


def live_relays(session: Session, settings: Settings, now: datetime, until: datetime) -> list[
    SlotOccurrence
]:  # fmt: skip
    """Relay occurrences that end after `now` and start before `until`, when the station
    re-publishes relays; [] when it does not."""
    if not settings.relay_icecast.strip():
        return []
    return relay_occurrences(session, settings, now, until)


def relay_occurrences(
    session: Session, settings: Settings, now: datetime, until: datetime
) -> list[SlotOccurrence]:
    """Relay occurrences that end after `now` and start before `until`."""
    slots = [s for s in slots_from_rows(session) if s.kind == SlotKind.RELAY and s.url]
    if not slots:
        return []
    found = occurrences(slots, now - LONGEST, until, settings.tz, calendar_of(session))
    return [o for o in found if o.end > now]


def relays_for(settings: Settings, zone: str, live: list[SlotOccurrence]) -> tuple[wire.Relay, ...]:
    """The relays of `live` a cluster in `zone` plays (a slot without zones: every zone)."""
    return tuple(
        wire.Relay(relay_key(o.slot.name, o.start), o.slot.name, o.start, o.end,
                   public_url(settings, o.slot.name))
        for o in live
        if not o.slot.zones or zone in o.slot.zones
    )  # fmt: skip


def dispatch_relay(
    held: dict[str, Dispatch], session: Session, cluster_id: int, relay: wire.Relay,
    upper: str, sent_at: datetime,
) -> bool:  # fmt: skip
    """Bring the dispatch row of `relay` up to date (`upper`: the slot's stream); whether it
    changed. The row is taken out of `held` (what is left there was retracted)."""
    row = held.pop(relay.key, None)
    seconds = (relay.end - relay.start).total_seconds()
    shown = shown_url(upper)
    if row is None:
        row = Dispatch(cluster_id=cluster_id, entry=relay.key, sent_at=sent_at)
        session.add(row)
    elif (row.starts_at, row.duration_s, row.relay_url, row.retracted_at) == (
        relay.start, seconds, shown, None,
    ):  # fmt: skip
        return False
    row.script_id, row.sha256, row.slot_name = None, None, relay.slot
    row.starts_at, row.duration_s, row.relay_url = relay.start, seconds, shown
    row.sent_at, row.retracted_at = sent_at, None
    return True
