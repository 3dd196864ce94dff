"""The schema as SQLAlchemy Core tables on one `metadata`: scripts, renderings, slots, programme,
airings, users, clusters (issue 25).

Core only, so a command that only reads (`broadcaster status`) selects from these without
loading the ORM; the records of `db` are mapped onto these same tables, and `metadata` is what
the migrations' check and a new database's schema see. Column types are in `columns`."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

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
from broadcaster.store.columns import EnumText, UTCDateTime

metadata = MetaData()


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


# A bulletin script as the officer wrote it.
script = Table(
    "script",
    metadata,
    _id(),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("source_name", String(300)),
    Column("encoding", String(40)),
    Column("topic", EnumText(Topic, 2)),  # CCHC only (0013)
    Column("week", String(8)),
    Column("author", String(100)),
    Column("status", EnumText(Status, 10), nullable=False, default=Status.DRAFT),
    Column("priority", EnumText(Priority, 10), nullable=False, default=Priority.NORMAL),
    # What the bulletin is (revision 0013): only CCHC bulletins count against the plan.
    Column("kind", EnumText(Kind, 10), nullable=False, default=Kind.CCHC, server_default="cchc"),
    Column("approved_by", String(100)),
    Column("approved_at", UTCDateTime),
    # Why a leader sent it back, shown to the officer until it is approved (revision 0005).
    Column("return_note", Text),
    Column("returned_by", String(100)),
    # Title and body folded for search (lower case, no diacritics, đ → d; revision 0006),
    # written by the service layer whenever the words change.
    Column("search_text", Text, nullable=False, default="", server_default=""),
    # The zones whose loudspeaker clusters air it, comma-separated (0008); empty: every zone.
    Column("zones", Text, nullable=False, default="", server_default=""),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The compare-and-set of every change (revision 0012): the ORM writes a script with
    # `WHERE version = <the one read>` and adds one, and raises StaleDataError when another
    # change landed in between (services.scripts turns that into a refusal or a retry).
    Column("version", Integer, nullable=False, default=1, server_default="1"),
    # The list's filters and its author and week choices (migration 0014).
    Index("ix_script_status_topic", "status", "topic"),
    Index("ix_script_topic", "topic"),
    Index("ix_script_author", "author"),
    Index("ix_script_week", "week"),
)

# One script's text turned into a broadcast MP3 by one engine and voice.
rendering = Table(
    "rendering",
    metadata,
    _id(),
    Column("script_id", Integer, ForeignKey("script.id"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("cache_key", String(64), nullable=False, index=True),
    Column("engine", String(20), nullable=False),
    Column("voice", String(40), nullable=False),
    Column("spoken_text", Text, nullable=False),
    Column("audio_path", String(500), nullable=False),
    Column("duration_s", Double, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loudness_lufs", Double),
    Column("true_peak_dbtp", Double),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("script_id", "cache_key"),
)

# A broadcast window of the radio: the database is the source (0015), edited on the page and
# with `broadcaster slots`; schedules/*.toml are imported once at the upgrade.
slot = Table(
    "slot",
    metadata,
    _id(),
    Column("name", String(100), nullable=False, unique=True),
    Column("days", String(40), nullable=False),  # comma-separated; "" for a one-off slot
    Column("start", String(8), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("output", String(300)),
    Column("zones", Text, nullable=False, default="", server_default=""),  # comma-separated (0008)
    Column(
        "kind",
        EnumText(SlotKind, 12),
        nullable=False,
        default=SlotKind.BULLETINS,
        server_default="bulletins",
    ),  # (0015)
    Column("on_date", Date),  # a one-off slot's local date (0015)
    Column("paused", Boolean, nullable=False, default=False, server_default=false()),  # (0015)
    # Every change says `WHERE id = :id AND version = :read` and adds one (0015).
    Column("version", Integer, nullable=False, default=1, server_default=text("1")),
    # A relay slot's stream, whole (its credentials too: needed to connect; shown only through
    # streams.shown_url), and the programme file that fills it when the stream is lost (0017).
    Column("stream_url", Text),
    Column("fallback", String(300)),
)

# A date rule of the station's calendar (0016): a slot skipped or replaced on a date, a
# working-day swap (a date aired as another weekday), or a station rule by holiday.
date_rule = Table(
    "date_rule",
    metadata,
    _id(),
    # What the rule is about: one rule per slot and date, per swapped date, per holiday rule.
    Column("key", String(80), nullable=False, unique=True),
    Column("kind", EnumText(RuleKind, 8), nullable=False),
    Column("slot_id", Integer, ForeignKey("slot.id", ondelete="CASCADE")),
    Column("on_date", Date),  # local date (skip, replace, swap)
    Column("start", String(8)),  # a replacement's start
    Column("minutes", Integer),  # a replacement's length
    Column("as_day", String(3)),  # a swapped date's weekday
    Column("holidays", EnumText(HolidayScope, 8)),
    # Every change says `WHERE id = :id AND version = :read` and adds one.
    Column("version", Integer, nullable=False, default=1, server_default=text("1")),
)

# Which rendering airs in which slot occurrence, and in what order.
programme_entry = Table(
    "programme_entry",
    metadata,
    _id(),
    Column("slot_name", String(100), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("script_id", Integer, ForeignKey("script.id"), nullable=False),
    Column("rendering_id", Integer, ForeignKey("rendering.id"), nullable=False),
    # Arranged by hand: the planner leaves this occurrence as it is (revision 0002).
    Column("pinned", Boolean, nullable=False, default=False, server_default=false()),
    UniqueConstraint("slot_name", "starts_at", "script_id"),
)

# Evidence that a bulletin went (or failed to go) to the loudspeakers.
airing = Table(
    "airing",
    metadata,
    _id(),
    Column("programme_entry_id", Integer, ForeignKey("programme_entry.id")),
    Column("attempt", Integer, nullable=False, default=1),
    # NULL for a relay's row (0017): a stream, not a script, was heard.
    Column("script_id", Integer, ForeignKey("script.id")),
    Column("rendering_id", Integer, ForeignKey("rendering.id")),
    Column("slot_name", String(100)),
    Column("audio_sha256", String(64)),
    Column("duration_s", Double),
    Column("planned_start", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("outcome", EnumText(Outcome, 12), nullable=False),
    Column("error", Text),
    Column("output", String(300)),
    Column("host", String(100)),
    # Its identity from before the first sample (0010): in the on-air note and the journal too.
    Column("uid", String(32)),
    # The lease epoch the daemon aired under (revision 0003): a fenced-off daemon's is stale.
    Column("epoch", Integer),
    # What the listener heard, as it was when the row was opened (0003; seal format 2):
    # later edits of the script never change the evidence.
    Column("title", String(300)),
    Column("topic", String(2)),
    # The script's kind when the row opened (revision 0013; not part of the seal). NULL for
    # rows opened before: the report then goes by the script's priority (see reports/rows.py).
    Column("kind", String(10)),
    Column("text_sha256", String(64)),
    Column("approved_by", String(100)),
    # Who else the listener's evidence names (revision 0004; seal format 3).
    Column("author", String(100)),
    Column("approved_at", UTCDateTime),
    Column("voice", String(80)),
    Column("requested_by", String(100)),
    # How the evidence was sealed: None or 1, 2 — the row itself was the chain link
    # (seq, prev_hash, row_hash below); 3 — its events are (airing_event).
    Column("seal_format", Integer),
    # The hash chain of formats 1 and 2 (see ledger.py): position, previous hash, own hash.
    Column("seq", Integer, unique=True),
    Column("prev_hash", String(64)),
    Column("row_hash", String(64)),
    # Set when a loudspeaker cluster reported this airing (0008): its name and the entry key it
    # was sent ("e-<programme entry>", "x-<air request>"). NULL: the station's own output.
    Column("cluster", String(60)),
    Column("cluster_entry", String(40)),
    # A relay's receipt (0017; sealed with the outcome): the stream's address without its
    # credentials, the seconds of audio received, and its gaps as JSON [[start_s, s, reason]].
    Column("relay_url", Text),
    Column("received_s", Double),
    Column("gaps", Text),
    # One airing per programme entry: the partial index of `store.partial_index`.
    UniqueConstraint("programme_entry_id", "attempt"),
    # The log in its order (planned_start, id), all of it or one outcome (0007, 0014).
    Index("ix_airing_planned_start_id", "planned_start", "id"),
    Index("ix_airing_outcome_planned_start_id", "outcome", "planned_start", "id"),
    # The station's last finished airing, by outcome, for the status page (0014).
    Index("ix_airing_cluster_outcome_id", "cluster", "outcome", "id"),
    # A loudspeaker cluster's evidence: one row per (cluster, programme entry), ever (0008).
    UniqueConstraint("cluster", "cluster_entry", name="one_row_per_cluster_entry"),
)

# One state change of an airing (started, then its outcome), sealed into the chain. The event's
# hash covers its own place (seq, prev_hash), kind and time, and the airing row's content as the
# ledger defines it for that kind (see ledger.py), so an edit of either shows. Only ever added.
airing_event = Table(
    "airing_event",
    metadata,
    _id(),
    Column("seq", Integer, nullable=False, unique=True),
    Column("prev_hash", String(64), nullable=False),
    Column("event_hash", String(64), nullable=False),
    Column("seal_format", Integer, nullable=False),
    Column("kind", EnumText(Outcome, 12), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("airing_id", Integer, ForeignKey("airing.id"), nullable=False, index=True),
    # A cluster's report (0008): `at` is when the station received it; these are what the agent
    # said — when it reported, whether it played from its cache, when it last heard the broker.
    Column("reported_at", UTCDateTime),
    Column("from_cache", Boolean),
    Column("last_contact", UTCDateTime),
)

# A person who may log in to the web page.
user_account = Table(
    "user_account",
    metadata,
    _id(),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", EnumText(Role, 10), nullable=False),
    # Revision 0005: a disabled account cannot log in; a generated password must be changed
    # at the first login; a new session version ends every session of the account.
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=false()),
    Column("session_version", Integer, nullable=False, default=1, server_default=text("1")),
    Column("added_at", UTCDateTime),
)

# One try at the web login, kept so throttling survives a restart (revision 0005).
login_attempt = Table(
    "login_attempt",
    metadata,
    _id(),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("name", String(100), nullable=False, index=True),
    Column("address", String(64), nullable=False, index=True),
    Column("ok", Boolean, nullable=False),
    # The known device the try came from (its signed cookie's id; revision 0012), or None.
    Column("device", String(32)),
)

# One action that changed something (who, when, what, before and after), hash-chained like the
# airing evidence (see audit.py; revision 0005). Only ever added.
audit_event = Table(
    "audit_event",
    metadata,
    _id(),
    Column("seq", Integer, nullable=False, unique=True),
    Column("prev_hash", String(64), nullable=False),
    Column("event_hash", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(120), nullable=False),
    Column("before_hash", String(64)),
    Column("after_hash", String(64)),
    Column("detail", Text),
)

# A request from `air-now` or the web page for the running daemon to air a bulletin.
air_request = Table(
    "air_request",
    metadata,
    _id(),
    Column("script_id", Integer, ForeignKey("script.id"), nullable=False),
    Column("emergency", Boolean, nullable=False, default=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("handled_at", UTCDateTime),
    Column("airing_id", Integer, ForeignKey("airing.id")),
    # Who asked ("cli:<system user>" or a web account), kept in the evidence (0004).
    Column("requested_by", String(100)),
    # The zones it is for, comma-separated names (0008); empty: every zone.
    Column("zones", Text, nullable=False, default="", server_default=""),
)

# A part of the town the loudspeakers cover (thôn, tổ dân phố), targeted by name.
zone = Table(
    "zone",
    metadata,
    _id(),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", Text, nullable=False, default="", server_default=""),
    Column("added_at", UTCDateTime, nullable=False),
)

# A loudspeaker cluster (cụm loa): an agent in a zone, its credentials and its health.
cluster = Table(
    "cluster",
    metadata,
    _id(),
    Column("name", String(60), nullable=False, unique=True),  # also its broker user name
    Column("zone_id", Integer, ForeignKey("zone.id"), nullable=False),
    Column("password_line", String(300), nullable=False),  # the broker's hash of its password
    Column("token_sha256", String(64), nullable=False, unique=True),  # its audio token's hash
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),
    Column("latitude", Double),
    Column("longitude", Double),
    Column("added_at", UTCDateTime, nullable=False),
    # The last heartbeat (or last will) and what it said, as JSON (wire.Health).
    Column("online", Boolean, nullable=False, default=False, server_default=false()),
    Column("seen_at", UTCDateTime),
    Column("clock_offset_s", Double),
    Column("health", Text, nullable=False, default="", server_default=""),
)

# What the station sent a cluster to play: the base of "không xác nhận" and of refusing a
# report for an entry the cluster was never sent.
dispatch = Table(
    "dispatch",
    metadata,
    _id(),
    Column("cluster_id", Integer, ForeignKey("cluster.id"), nullable=False),
    Column("entry", String(40), nullable=False),  # wire key: e-<programme entry>, x-<request>
    # NULL for a relay (0018): the cluster plays the station's mount, not a file
    Column("script_id", Integer, ForeignKey("script.id")),
    Column("rendering_id", Integer, ForeignKey("rendering.id")),
    Column("slot_name", String(100)),
    Column("sha256", String(64)),
    Column("starts_at", UTCDateTime, nullable=False, index=True),
    Column("duration_s", Double, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("retracted_at", UTCDateTime),
    Column("requested_by", String(100)),
    Column("relay_url", Text),  # a relay's upper station, without credentials (0018)
    UniqueConstraint("cluster_id", "entry"),
)

# Something the daemon could not do, kept for the status page.
problem = Table(
    "problem",
    metadata,
    _id(),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("message", Text, nullable=False),
)

# Which daemon holds the database; one row, renewed by the holder's heartbeat.
daemon_lease = Table(
    "daemon_lease",
    metadata,
    _id(),
    Column("holder", String(200), nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    # Slots before this moment were never the daemon's to air, so they are not "missed".
    Column("tracked_since", UTCDateTime),
    # The fencing token: every takeover adds one, and a daemon airs only under its own (0003).
    Column("epoch", Integer, nullable=False, default=1, server_default=text("1")),
    # The process group of the player on air, so a takeover on this host can silence it.
    Column("player_pgid", Integer),
)
