"""Records (SQLAlchemy 2.x): scripts, renderings, slots, programme, airings, users.

Every record is declared here on one `Base`, so `Base.metadata` (the migrations' check, the
schema of a new database) always sees all of them. Column types are in `columns`; the engine
and sessions in `engine`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from broadcaster.enums import Kind, Outcome, Priority, Role, SlotKind, Status, Topic
from broadcaster.store.columns import EnumText, UTCDateTime


class Base(DeclarativeBase):
    """Declarative base of every Broadcaster record."""


class Script(Base):
    """A bulletin script as the officer wrote it."""

    __tablename__ = "script"
    __table_args__ = (
        # The list's filters and its author and week choices (migration 0014).
        Index("ix_script_status_topic", "status", "topic"),
        Index("ix_script_topic", "topic"),
        Index("ix_script_author", "author"),
        Index("ix_script_week", "week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    source_name: Mapped[Optional[str]] = mapped_column(String(300))
    encoding: Mapped[Optional[str]] = mapped_column(String(40))
    topic: Mapped[Optional[Topic]] = mapped_column(EnumText(Topic, 2))  # CCHC only (0013)
    week: Mapped[Optional[str]] = mapped_column(String(8))
    author: Mapped[Optional[str]] = mapped_column(String(100))
    status: Mapped[Status] = mapped_column(EnumText(Status, 10), default=Status.DRAFT)
    priority: Mapped[Priority] = mapped_column(EnumText(Priority, 10), default=Priority.NORMAL)
    # What the bulletin is (revision 0013): only CCHC bulletins count against the plan.
    kind: Mapped[Kind] = mapped_column(EnumText(Kind, 10), default=Kind.CCHC, server_default="cchc")
    approved_by: Mapped[Optional[str]] = mapped_column(String(100))
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Why a leader sent it back, shown to the officer until it is approved (revision 0005).
    return_note: Mapped[Optional[str]] = mapped_column(Text)
    returned_by: Mapped[Optional[str]] = mapped_column(String(100))
    # Title and body folded for search (lower case, no diacritics, đ → d; revision 0006),
    # written by the service layer whenever the words change.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The zones whose loudspeaker clusters air it, comma-separated (0008); empty: every zone.
    zones: Mapped[str] = mapped_column(Text, default="", server_default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The compare-and-set of every change (revision 0012): the ORM writes a script with
    # `WHERE version = <the one read>` and adds one, and raises StaleDataError when another
    # change landed in between (services.scripts turns that into a refusal or a retry).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    renderings: Mapped[list["Rendering"]] = relationship(back_populates="script")

    __mapper_args__ = {"version_id_col": version}


class Rendering(Base):
    """One script's text turned into a broadcast MP3 by one engine and voice."""

    __tablename__ = "rendering"
    __table_args__ = (UniqueConstraint("script_id", "cache_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[int] = mapped_column(ForeignKey("script.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    engine: Mapped[str] = mapped_column(String(20))
    voice: Mapped[str] = mapped_column(String(40))
    spoken_text: Mapped[str] = mapped_column(Text)
    audio_path: Mapped[str] = mapped_column(String(500))
    duration_s: Mapped[float]
    sha256: Mapped[str] = mapped_column(String(64))
    loudness_lufs: Mapped[Optional[float]]
    true_peak_dbtp: Mapped[Optional[float]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    script: Mapped[Script] = relationship(back_populates="renderings")


class Slot(Base):
    """A broadcast window of the radio: the database is the source (0015), edited on the page
    and with `broadcaster slots`; schedules/*.toml are imported once at the upgrade."""

    __tablename__ = "slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    days: Mapped[str] = mapped_column(String(40))  # comma-separated; "" for a one-off slot
    start: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int]
    output: Mapped[Optional[str]] = mapped_column(String(300))
    zones: Mapped[str] = mapped_column(
        Text, default="", server_default=""
    )  # comma-separated (0008)
    kind: Mapped[SlotKind] = mapped_column(
        EnumText(SlotKind, 12), default=SlotKind.BULLETINS, server_default="bulletins"
    )  # (0015)
    on_date: Mapped[Optional[date]] = mapped_column(Date)  # a one-off slot's local date (0015)
    paused: Mapped[bool] = mapped_column(default=False, server_default=false())  # (0015)
    # Every change says `WHERE id = :id AND version = :read` and adds one (0015).
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # A relay slot's stream, whole (its credentials too: needed to connect; shown only through
    # streams.shown_url), and the programme file that fills it when the stream is lost (0016).
    stream_url: Mapped[Optional[str]] = mapped_column(Text)
    fallback: Mapped[Optional[str]] = mapped_column(String(300))


class ProgrammeEntry(Base):
    """Which rendering airs in which slot occurrence, and in what order."""

    __tablename__ = "programme_entry"
    __table_args__ = (UniqueConstraint("slot_name", "starts_at", "script_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    position: Mapped[int] = mapped_column(Integer)
    script_id: Mapped[int] = mapped_column(ForeignKey("script.id"))
    rendering_id: Mapped[int] = mapped_column(ForeignKey("rendering.id"))
    # Arranged by hand: the planner leaves this occurrence as it is (revision 0002).
    pinned: Mapped[bool] = mapped_column(default=False, server_default=false())

    script: Mapped[Script] = relationship()
    rendering: Mapped[Rendering] = relationship()


class Airing(Base):
    """Evidence that a bulletin went (or failed to go) to the loudspeakers."""

    __tablename__ = "airing"
    __table_args__ = (
        # The database itself refuses a second airing of one programme entry: only a
        # `failed` attempt (nothing reached the speakers) may be followed by another.
        Index(
            "one_airing_per_entry",
            "programme_entry_id",
            unique=True,
            sqlite_where=text("outcome != 'failed'"),
            postgresql_where=text("outcome != 'failed'"),
        ),
        UniqueConstraint("programme_entry_id", "attempt"),
        # The log in its order (planned_start, id), all of it or one outcome (0007, 0014).
        Index("ix_airing_planned_start_id", "planned_start", "id"),
        Index("ix_airing_outcome_planned_start_id", "outcome", "planned_start", "id"),
        # The station's last finished airing, by outcome, for the status page (0014).
        Index("ix_airing_cluster_outcome_id", "cluster", "outcome", "id"),
        # A loudspeaker cluster's evidence: one row per (cluster, programme entry), ever (0008).
        UniqueConstraint("cluster", "cluster_entry", name="one_row_per_cluster_entry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("programme_entry.id"))
    attempt: Mapped[int] = mapped_column(default=1)
    # NULL for a relay's row (0016): a stream, not a script, was heard.
    script_id: Mapped[Optional[int]] = mapped_column(ForeignKey("script.id"))
    rendering_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rendering.id"))
    slot_name: Mapped[Optional[str]] = mapped_column(String(100))
    audio_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    duration_s: Mapped[Optional[float]]
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    outcome: Mapped[Outcome] = mapped_column(EnumText(Outcome, 12))
    error: Mapped[Optional[str]] = mapped_column(Text)
    output: Mapped[Optional[str]] = mapped_column(String(300))
    host: Mapped[Optional[str]] = mapped_column(String(100))
    # Its identity from before the first sample (0010): in the on-air note and the journal too.
    uid: Mapped[Optional[str]] = mapped_column(String(32))
    # The lease epoch the daemon aired under (revision 0003): a fenced-off daemon's is stale.
    epoch: Mapped[Optional[int]]
    # What the listener heard, as it was when the row was opened (0003; seal format 2):
    # later edits of the script never change the evidence.
    title: Mapped[Optional[str]] = mapped_column(String(300))
    topic: Mapped[Optional[str]] = mapped_column(String(2))
    # The script's kind when the row opened (revision 0013; not part of the seal). NULL for
    # rows opened before: the report then goes by the script's priority (see reports/rows.py).
    kind: Mapped[Optional[str]] = mapped_column(String(10))
    text_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    approved_by: Mapped[Optional[str]] = mapped_column(String(100))
    # Who else the listener's evidence names (revision 0004; seal format 3).
    author: Mapped[Optional[str]] = mapped_column(String(100))
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    voice: Mapped[Optional[str]] = mapped_column(String(80))
    requested_by: Mapped[Optional[str]] = mapped_column(String(100))
    # How the evidence was sealed: None or 1, 2 — the row itself was the chain link
    # (seq, prev_hash, row_hash below); 3 — its events are (AiringEvent).
    seal_format: Mapped[Optional[int]]
    # The hash chain of formats 1 and 2 (see ledger.py): position, previous hash, own hash.
    seq: Mapped[Optional[int]] = mapped_column(unique=True)
    prev_hash: Mapped[Optional[str]] = mapped_column(String(64))
    row_hash: Mapped[Optional[str]] = mapped_column(String(64))
    # Set when a loudspeaker cluster reported this airing (0008): its name and the entry key it
    # was sent ("e-<programme entry>", "x-<air request>"). NULL: the station's own output.
    cluster: Mapped[Optional[str]] = mapped_column(String(60))
    cluster_entry: Mapped[Optional[str]] = mapped_column(String(40))
    # A relay's receipt (0016; sealed with the outcome): the stream's address without its
    # credentials, the seconds of audio received, and its gaps as JSON [[start_s, s, reason]].
    relay_url: Mapped[Optional[str]] = mapped_column(Text)
    received_s: Mapped[Optional[float]]
    gaps: Mapped[Optional[str]] = mapped_column(Text)

    script: Mapped[Script] = relationship()


class AiringEvent(Base):
    """One state change of an airing (started, then its outcome), sealed into the chain.

    The event's hash covers its own place (seq, prev_hash), kind and time, and the
    airing row's content as the ledger defines it for that kind (see ledger.py), so an
    edit of either shows. Events are only ever added.
    """

    __tablename__ = "airing_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    event_hash: Mapped[str] = mapped_column(String(64))
    seal_format: Mapped[int]
    kind: Mapped[Outcome] = mapped_column(EnumText(Outcome, 12))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    airing_id: Mapped[int] = mapped_column(ForeignKey("airing.id"), index=True)
    # A cluster's report (0008): `at` is when the station received it; these are what the agent
    # said — when it reported, whether it played from its cache, when it last heard the broker.
    reported_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    from_cache: Mapped[Optional[bool]]
    last_contact: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class User(Base):
    """A person who may log in to the web page."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(EnumText(Role, 10))
    # Revision 0005: a disabled account cannot log in; a generated password must be changed
    # at the first login; a new session version ends every session of the account.
    disabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    session_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    added_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """One try at the web login, kept so throttling survives a restart (revision 0005)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool]
    # The known device the try came from (its signed cookie's id; revision 0012), or None.
    device: Mapped[Optional[str]] = mapped_column(String(32))


class AuditEvent(Base):
    """One action that changed something (who, when, what, before and after), hash-chained
    like the airing evidence (see audit.py; revision 0005). Only ever added."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    event_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(120))
    before_hash: Mapped[Optional[str]] = mapped_column(String(64))
    after_hash: Mapped[Optional[str]] = mapped_column(String(64))
    detail: Mapped[Optional[str]] = mapped_column(Text)


class AirRequest(Base):
    """A request from `air-now` or the web page for the running daemon to air a bulletin."""

    __tablename__ = "air_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[int] = mapped_column(ForeignKey("script.id"))
    emergency: Mapped[bool] = mapped_column(default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    airing_id: Mapped[Optional[int]] = mapped_column(ForeignKey("airing.id"))
    # Who asked ("cli:<system user>" or a web account), kept in the evidence (0004).
    requested_by: Mapped[Optional[str]] = mapped_column(String(100))
    # The zones it is for, comma-separated names (0008); empty: every zone.
    zones: Mapped[str] = mapped_column(Text, default="", server_default="")


class Zone(Base):
    """A part of the town the loudspeakers cover (thôn, tổ dân phố), targeted by name."""

    __tablename__ = "zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Cluster(Base):
    """A loudspeaker cluster (cụm loa): an agent in a zone, its credentials and its health."""

    __tablename__ = "cluster"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)  # also its broker user name
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"))
    password_line: Mapped[str] = mapped_column(String(300))  # the broker's hash of its password
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # its audio token's hash
    disabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    latitude: Mapped[Optional[float]]
    longitude: Mapped[Optional[float]]
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last heartbeat (or last will) and what it said, as JSON (wire.Health).
    online: Mapped[bool] = mapped_column(default=False, server_default=false())
    seen_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    clock_offset_s: Mapped[Optional[float]]
    health: Mapped[str] = mapped_column(Text, default="", server_default="")

    zone: Mapped[Zone] = relationship()


class Dispatch(Base):
    """What the station sent a cluster to play: the base of "không xác nhận" and of refusing a
    report for an entry the cluster was never sent."""

    __tablename__ = "dispatch"
    __table_args__ = (UniqueConstraint("cluster_id", "entry"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id"))
    entry: Mapped[str] = mapped_column(String(40))  # wire key: e-<programme entry>, x-<request>
    script_id: Mapped[int] = mapped_column(ForeignKey("script.id"))
    rendering_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rendering.id"))
    slot_name: Mapped[Optional[str]] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_s: Mapped[float]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retracted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    requested_by: Mapped[Optional[str]] = mapped_column(String(100))

    cluster: Mapped[Cluster] = relationship()


class Problem(Base):
    """Something the daemon could not do, kept for the status page."""

    __tablename__ = "problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    message: Mapped[str] = mapped_column(Text)


class DaemonLease(Base):
    """Which daemon holds the database; one row, renewed by the holder's heartbeat."""

    __tablename__ = "daemon_lease"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Slots before this moment were never the daemon's to air, so they are not "missed".
    tracked_since: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The fencing token: every takeover adds one, and a daemon airs only under its own (0003).
    epoch: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # The process group of the player on air, so a takeover on this host can silence it.
    player_pgid: Mapped[Optional[int]]
