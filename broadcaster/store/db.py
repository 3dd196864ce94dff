"""Records (SQLAlchemy 2.x ORM): scripts, renderings, slots, programme, airings, users.

Each record is mapped onto its Core table in `tables` (declarative with an imperative table),
so `Base.metadata` is `tables.metadata`: the migrations' check and the schema of a new database
see every table, and a command that only reads can select from the tables without the ORM
(issue 25). The annotations give the attributes their types; the columns are the tables'."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from broadcaster.enums import (
    HolidayScope,
    Kind,
    Outcome,
    Priority,
    Role,
    RuleKind,
    SlotKind,
    Status,
    Topic,
)
from broadcaster.store import partial_index, tables  # noqa: F401  (partial_index: the index)


class Base(DeclarativeBase):
    """Declarative base of every Broadcaster record."""

    metadata = tables.metadata


class Script(Base):
    """A bulletin script as the officer wrote it."""

    __table__ = tables.script
    # The compare-and-set of every change (revision 0012), see `tables.script`.
    __mapper_args__ = {"version_id_col": tables.script.c.version}

    id: Mapped[int]
    title: Mapped[str]
    body: Mapped[str]
    source_name: Mapped[Optional[str]]
    encoding: Mapped[Optional[str]]
    topic: Mapped[Optional[Topic]]
    week: Mapped[Optional[str]]
    author: Mapped[Optional[str]]
    status: Mapped[Status]
    priority: Mapped[Priority]
    kind: Mapped[Kind]
    approved_by: Mapped[Optional[str]]
    approved_at: Mapped[Optional[datetime]]
    return_note: Mapped[Optional[str]]
    returned_by: Mapped[Optional[str]]
    search_text: Mapped[str]
    zones: Mapped[str]
    content_hash: Mapped[str]
    created_at: Mapped[datetime]
    version: Mapped[int]

    renderings: Mapped[list["Rendering"]] = relationship(back_populates="script")


class Rendering(Base):
    """One script's text turned into a broadcast MP3 by one engine and voice."""

    __table__ = tables.rendering

    id: Mapped[int]
    script_id: Mapped[int]
    content_hash: Mapped[str]
    cache_key: Mapped[str]
    engine: Mapped[str]
    voice: Mapped[str]
    spoken_text: Mapped[str]
    audio_path: Mapped[str]
    duration_s: Mapped[float]
    sha256: Mapped[str]
    loudness_lufs: Mapped[Optional[float]]
    true_peak_dbtp: Mapped[Optional[float]]
    created_at: Mapped[datetime]

    script: Mapped[Script] = relationship(back_populates="renderings")


class Slot(Base):
    """A broadcast window of the radio (the database is the source, 0015)."""

    __table__ = tables.slot

    id: Mapped[int]
    name: Mapped[str]
    days: Mapped[str]
    start: Mapped[str]
    minutes: Mapped[int]
    output: Mapped[Optional[str]]
    zones: Mapped[str]
    kind: Mapped[SlotKind]
    on_date: Mapped[Optional[date]]
    paused: Mapped[bool]
    version: Mapped[int]
    stream_url: Mapped[Optional[str]]
    fallback: Mapped[Optional[str]]


class ProgrammeEntry(Base):
    """Which rendering airs in which slot occurrence, and in what order."""

    __table__ = tables.programme_entry

    id: Mapped[int]
    slot_name: Mapped[str]
    starts_at: Mapped[datetime]
    position: Mapped[int]
    script_id: Mapped[int]
    rendering_id: Mapped[int]
    pinned: Mapped[bool]

    script: Mapped[Script] = relationship()
    rendering: Mapped[Rendering] = relationship()


class Airing(Base):
    """Evidence that a bulletin went (or failed to go) to the loudspeakers."""

    __table__ = tables.airing

    id: Mapped[int]
    programme_entry_id: Mapped[Optional[int]]
    attempt: Mapped[int]
    script_id: Mapped[Optional[int]]  # NULL for a relay's row (0017)
    rendering_id: Mapped[Optional[int]]
    slot_name: Mapped[Optional[str]]
    audio_sha256: Mapped[Optional[str]]
    duration_s: Mapped[Optional[float]]
    planned_start: Mapped[datetime]
    started_at: Mapped[Optional[datetime]]
    ended_at: Mapped[Optional[datetime]]
    outcome: Mapped[Outcome]
    error: Mapped[Optional[str]]
    output: Mapped[Optional[str]]
    host: Mapped[Optional[str]]
    uid: Mapped[Optional[str]]
    epoch: Mapped[Optional[int]]
    title: Mapped[Optional[str]]
    topic: Mapped[Optional[str]]
    kind: Mapped[Optional[str]]
    text_sha256: Mapped[Optional[str]]
    approved_by: Mapped[Optional[str]]
    author: Mapped[Optional[str]]
    approved_at: Mapped[Optional[datetime]]
    voice: Mapped[Optional[str]]
    requested_by: Mapped[Optional[str]]
    seal_format: Mapped[Optional[int]]
    seq: Mapped[Optional[int]]
    prev_hash: Mapped[Optional[str]]
    row_hash: Mapped[Optional[str]]
    cluster: Mapped[Optional[str]]
    cluster_entry: Mapped[Optional[str]]
    relay_url: Mapped[Optional[str]]
    received_s: Mapped[Optional[float]]
    gaps: Mapped[Optional[str]]

    script: Mapped[Script] = relationship()


class AiringEvent(Base):
    """One state change of an airing (started, then its outcome), sealed into the chain."""

    __table__ = tables.airing_event

    id: Mapped[int]
    seq: Mapped[int]
    prev_hash: Mapped[str]
    event_hash: Mapped[str]
    seal_format: Mapped[int]
    kind: Mapped[Outcome]
    at: Mapped[datetime]
    airing_id: Mapped[int]
    reported_at: Mapped[Optional[datetime]]
    from_cache: Mapped[Optional[bool]]
    last_contact: Mapped[Optional[datetime]]


class User(Base):
    """A person who may log in to the web page."""

    __table__ = tables.user_account

    id: Mapped[int]
    name: Mapped[str]
    password_hash: Mapped[str]
    role: Mapped[Role]
    disabled: Mapped[bool]
    must_change_password: Mapped[bool]
    session_version: Mapped[int]
    added_at: Mapped[Optional[datetime]]


class LoginAttempt(Base):
    """One try at the web login, kept so throttling survives a restart (revision 0005)."""

    __table__ = tables.login_attempt

    id: Mapped[int]
    at: Mapped[datetime]
    name: Mapped[str]
    address: Mapped[str]
    ok: Mapped[bool]
    device: Mapped[Optional[str]]


class AuditEvent(Base):
    """One action that changed something, hash-chained like the airing evidence (audit.py)."""

    __table__ = tables.audit_event

    id: Mapped[int]
    seq: Mapped[int]
    prev_hash: Mapped[str]
    event_hash: Mapped[str]
    at: Mapped[datetime]
    actor: Mapped[str]
    action: Mapped[str]
    target: Mapped[str]
    before_hash: Mapped[Optional[str]]
    after_hash: Mapped[Optional[str]]
    detail: Mapped[Optional[str]]


class AirRequest(Base):
    """A request from `air-now` or the web page for the running daemon to air a bulletin."""

    __table__ = tables.air_request

    id: Mapped[int]
    script_id: Mapped[int]
    emergency: Mapped[bool]
    requested_at: Mapped[datetime]
    handled_at: Mapped[Optional[datetime]]
    airing_id: Mapped[Optional[int]]
    requested_by: Mapped[Optional[str]]
    zones: Mapped[str]


class Zone(Base):
    """A part of the town the loudspeakers cover (thôn, tổ dân phố), targeted by name."""

    __table__ = tables.zone

    id: Mapped[int]
    name: Mapped[str]
    description: Mapped[str]
    added_at: Mapped[datetime]


class Cluster(Base):
    """A loudspeaker cluster (cụm loa): an agent in a zone, its credentials and its health."""

    __table__ = tables.cluster

    id: Mapped[int]
    name: Mapped[str]
    zone_id: Mapped[int]
    password_line: Mapped[str]
    token_sha256: Mapped[str]
    disabled: Mapped[bool]
    latitude: Mapped[Optional[float]]
    longitude: Mapped[Optional[float]]
    added_at: Mapped[datetime]
    online: Mapped[bool]
    seen_at: Mapped[Optional[datetime]]
    clock_offset_s: Mapped[Optional[float]]
    health: Mapped[str]

    zone: Mapped[Zone] = relationship()


class Dispatch(Base):
    """What the station sent a cluster to play (the base of "không xác nhận")."""

    __table__ = tables.dispatch

    id: Mapped[int]
    cluster_id: Mapped[int]
    entry: Mapped[str]
    script_id: Mapped[Optional[int]]  # NULL for a relay (0018)
    rendering_id: Mapped[Optional[int]]
    slot_name: Mapped[Optional[str]]
    sha256: Mapped[Optional[str]]
    starts_at: Mapped[datetime]
    duration_s: Mapped[float]
    sent_at: Mapped[datetime]
    retracted_at: Mapped[Optional[datetime]]
    requested_by: Mapped[Optional[str]]
    relay_url: Mapped[Optional[str]]

    cluster: Mapped[Cluster] = relationship()


class Problem(Base):
    """Something the daemon could not do, kept for the status page."""

    __table__ = tables.problem

    id: Mapped[int]
    at: Mapped[datetime]
    message: Mapped[str]


class DaemonLease(Base):
    """Which daemon holds the database; one row, renewed by the holder's heartbeat."""

    __table__ = tables.daemon_lease

    id: Mapped[int]
    holder: Mapped[str]
    heartbeat_at: Mapped[datetime]
    tracked_since: Mapped[Optional[datetime]]
    epoch: Mapped[int]
    player_pgid: Mapped[Optional[int]]


class DateRule(Base):
    """A date rule of the station's calendar (`programme/rule_rows.py` reads them through
    Core; `services/exceptions.py` writes them)."""

    __table__ = tables.date_rule

    id: Mapped[int]
    key: Mapped[str]
    kind: Mapped[RuleKind]
    slot_id: Mapped[Optional[int]]
    on_date: Mapped[Optional[date]]
    start: Mapped[Optional[str]]
    minutes: Mapped[Optional[int]]
    as_day: Mapped[Optional[str]]
    holidays: Mapped[Optional[HolidayScope]]
    version: Mapped[int]
