"""What the station and the loudspeaker clusters say to each other over MQTT: the topics and
the messages, as frozen dataclasses with their JSON form. Standard library only: the agent at
each cluster imports this and nothing of the station (no Flask, no ORM).

Topics (PREFIX is `broadcaster` unless a station sets `mqtt_prefix`; CLUSTER is the cluster's
name, which is also its broker user name, so one ACL pattern `%u` covers every agent):

    PREFIX/programme/CLUSTER   station → agent  retained, QoS 1  the programme for the horizon
    PREFIX/emergency/CLUSTER   station → agent  retained, QoS 1  an air-now, with its expiry
    PREFIX/emergency/*         station → every agent              an air-now for every zone:
                                                                  one publish, the broker fans out
    PREFIX/report/CLUSTER      agent → station  QoS 1            what the agent did
    PREFIX/health/CLUSTER      agent → station  retained, QoS 1  heartbeat; the last will says offline

Every message is one JSON object with "v": 1. A programme is the whole horizon, never a
difference: an entry missing from a newer programme is retracted, an entry whose audio changed
is replaced; the agent works that out against what it holds (`changes`).

A programme's `relays` are relay slots (tiếp sóng): the station re-publishes the upper station's
stream to a mount of its own Icecast, and the agent plays that mount from `start` to `end`. A
relay cut by an emergency resumes after it; each part after the first reports under the key
`<key>.<part>` (`part_key`). An agent of an older release ignores `relays` (unknown fields are
not read) and plays its bulletins as before.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import datetime, timezone
from typing import Any

VERSION = 1
EVERY = "*"  # the cluster name of an emergency for every cluster (no cluster can be named so)
PREFIX = "broadcaster"
KINDS = ("started", "aired", "failed", "interrupted", "preempted", "retracted")
FINAL_KINDS = frozenset({"aired", "failed", "interrupted", "preempted"})
MAX_MESSAGE = 4 * 1024 * 1024  # bytes; a programme of two days for one cluster is far smaller
MAX_ENTRIES = 2000
LONGEST_RELAY_S = 6 * 3600  # a relay slot lasts at most 6 h


class WireError(ValueError):
    """A message that cannot be read: the sentence says why (English, for the log)."""


def topic(kind: str, cluster: str, prefix: str = PREFIX) -> str:
    """The topic of `kind` (programme, emergency, report, health) for one cluster."""
    return f"{prefix}/{kind}/{cluster}"


def cluster_of(topic_name: str, prefix: str = PREFIX) -> tuple[str, str]:
    """(kind, cluster) of a topic, or WireError for one outside the layout."""
    parts = topic_name.split("/")
    if len(parts) != 3 or parts[0] != prefix or parts[1] not in _TOPIC_KINDS or not parts[2]:
        raise WireError(f"topic {topic_name!r} is not one of the station's")
    return parts[1], parts[2]


_TOPIC_KINDS = ("programme", "emergency", "report", "health")


def when(moment: datetime | None) -> str | None:
    """A UTC moment as ISO text with microseconds (every time on the wire is UTC)."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def moment(text: object, name: str) -> datetime:
    """Read a time written by `when`; WireError when it is not one."""
    if not isinstance(text, str):
        raise WireError(f"{name} is not a time")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise WireError(f"{name} is not a time: {text[:40]!r}") from None
    if value.tzinfo is None:
        raise WireError(f"{name} has no time zone")
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Entry:
    """One bulletin a cluster is to play: where its audio is and when it starts."""

    key: str  # "e-<programme entry id>"; unique on the station, the idempotency key's base
    slot: str
    start: datetime
    script_id: int
    title: str
    sha256: str
    duration_s: float
    url: str  # path on the station's agent endpoint, e.g. /agent/audio/<sha256>


@dataclass(frozen=True)
class Relay:
    """A relay slot a cluster is to air: the station's mount of the upper station's stream."""

    key: str  # "r-<slot digest>-<start>"; unique on the station; parts after a cut: `part_key`
    slot: str
    start: datetime
    end: datetime
    url: str  # the station's Icecast mount, as the cluster reaches it (http or https)


def part_key(key: str, part: int) -> str:
    """The report key of a relay's `part` (1: the relay's own key)."""
    return key if part == 1 else f"{key}.{part}"


def relay_of(entry: str) -> tuple[str, int]:
    """(relay key, part) of a report's entry key (part 1 for a key without a part)."""
    key, dot, part = entry.rpartition(".")
    if dot and key.startswith("r-") and part.isdigit() and 1 < int(part) < 1000:
        return key, int(part)
    return entry, 1


@dataclass(frozen=True)
class Programme:
    """Everything a cluster is to play until `until`; a newer `version` replaces an older one."""

    cluster: str
    version: int
    sent_at: datetime
    until: datetime
    entries: tuple[Entry, ...] = ()
    relays: tuple[Relay, ...] = ()


@dataclass(frozen=True)
class Emergency:
    """An air-now for a cluster: stop what plays, play this, confirm; never after `expires`."""

    key: str  # "x-<air request id>"
    cluster: str
    title: str
    sha256: str
    duration_s: float
    url: str
    issued_at: datetime
    expires: datetime
    requested_by: str | None = None


@dataclass(frozen=True)
class Report:
    """What an agent did with one entry; (entry, cluster, kind) is its idempotency key."""

    cluster: str
    entry: str
    kind: str  # one of KINDS
    sha256: str | None
    started_at: datetime | None
    ended_at: datetime | None
    reported_at: datetime
    from_cache: bool = False
    last_contact: datetime | None = None
    error: str | None = None
    # a relay's part: seconds of audio received, and its gaps [start_s, seconds, reason]
    received_s: float | None = None
    gaps: tuple[tuple[float, float, str], ...] = ()

    @property
    def key(self) -> str:
        """The idempotency key: one report of each kind per entry and cluster, ever."""
        return f"{self.entry}/{self.cluster}/{self.kind}"


@dataclass(frozen=True)
class Health:
    """An agent's heartbeat; `online` False is its last will (the broker sends it)."""

    cluster: str
    online: bool
    at: datetime | None = None
    version: str | None = None
    cache_ready_hours: float | None = None  # how far ahead every entry's audio is on disk
    missing: tuple[str, ...] = ()  # entries whose audio is not on disk yet
    disk_free_mb: float | None = None
    last_airing: str | None = None  # entry key of the last one it played
    last_contact: datetime | None = None
    playing: str | None = None


_TIMES = {"start", "end", "sent_at", "until", "issued_at", "expires", "started_at", "ended_at",
          "reported_at", "last_contact", "at"}  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def encode(message: Programme | Emergency | Report | Health) -> bytes:
    """The JSON bytes of a message."""
    body = {"v": VERSION, "type": type(message).__name__.lower(), **_plain(asdict(message))}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


_TYPES: dict[str, type] = {"programme": Programme, "emergency": Emergency, "report": Report,
                           "health": Health}  # fmt: skip


def _build(kind: type, raw: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for item in fields(kind):
        if item.name not in raw:
            if item.default is not MISSING:
                continue
            raise WireError(f"{kind.__name__.lower()} has no {item.name}")
        value = raw[item.name]
        if item.name in _TIMES and value is not None:
            value = moment(value, item.name)
        elif item.name == "entries":
            if not isinstance(value, list) or len(value) > MAX_ENTRIES:
                raise WireError("entries is not a list of at most %d" % MAX_ENTRIES)
            value = tuple(_build(Entry, e) if isinstance(e, dict) else _bad("entry") for e in value)
        elif item.name == "relays":
            if not isinstance(value, list) or len(value) > MAX_ENTRIES:
                raise WireError("relays is not a list of at most %d" % MAX_ENTRIES)
            value = tuple(_build(Relay, r) if isinstance(r, dict) else _bad("relay") for r in value)
        elif item.name == "gaps":
            value = _gaps(value)
        elif item.name == "missing":
            value = tuple(str(v) for v in value) if isinstance(value, list) else _bad(item.name)
        values[item.name] = value
    try:
        built = kind(**values)
    except TypeError as exc:
        raise WireError(str(exc)) from None
    _check(built)
    return built


def _bad(name: str) -> Any:
    raise WireError(f"{name} is malformed")


def _gaps(value: object) -> tuple[tuple[float, float, str], ...]:
    """A relay part's gaps: at most MAX_ENTRIES of [start_s, seconds, reason]."""
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise WireError("gaps is not a list")
    gaps = []
    for gap in value:
        if not (isinstance(gap, list) and len(gap) == 3 and isinstance(gap[2], str)):
            raise WireError("a gap is not [start_s, seconds, reason]")
        start, seconds, reason = gap
        if not all(_number(n) and n >= 0 for n in (start, seconds)) or len(reason) > 40:
            raise WireError("a gap is not [start_s, seconds, reason]")
        gaps.append((float(start), float(seconds), reason))
    return tuple(gaps)


def _number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def _check(message: Any) -> None:
    """Types a hostile or broken sender could get wrong."""
    for item in fields(message):
        value = getattr(message, item.name)
        if item.name in {"cluster", "key", "entry", "kind", "title", "slot", "url"}:
            if not isinstance(value, str) or not value or len(value) > 300:
                raise WireError(f"{item.name} is not a short text")
        if item.name == "sha256" and value is not None:
            if not (isinstance(value, str) and len(value) == 64 and _is_hex(value)):
                raise WireError("sha256 is not 64 hex digits")
        numbers = {"duration_s", "cache_ready_hours", "disk_free_mb", "received_s"}
        if item.name in numbers and value is not None:
            if not _number(value) or value < 0:
                raise WireError(f"{item.name} is not a number")
        if item.name in {"version", "script_id"} and isinstance(message, (Programme, Entry)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise WireError(f"{item.name} is not a whole number")
    if isinstance(message, Relay):
        length = (message.end - message.start).total_seconds()
        if not 0 < length <= LONGEST_RELAY_S:
            raise WireError("a relay's end is not after its start, within 6 hours")
        if not message.url.startswith(("http://", "https://")):
            raise WireError("a relay's url is not an http or https address")
    if isinstance(message, Report) and message.kind not in KINDS:
        raise WireError(f"kind {message.kind[:20]!r} is not one of {', '.join(KINDS)}")


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def decode(payload: bytes) -> Programme | Emergency | Report | Health:
    """Read a message; WireError with the reason when it is not one of ours."""
    if len(payload) > MAX_MESSAGE:
        raise WireError(f"message of {len(payload)} bytes is over the limit")
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WireError("message is not JSON") from None
    if not isinstance(raw, dict) or raw.get("v") != VERSION or raw.get("type") not in _TYPES:
        raise WireError("message is not a version-1 station message")
    return _build(_TYPES[raw["type"]], raw)


def changes(old: Programme | None, new: Programme) -> tuple[list[Entry], list[Entry]]:
    """(retracted, added-or-replaced) entries going from `old` to `new`."""
    before = {e.key: e for e in old.entries} if old else {}
    after = {e.key: e for e in new.entries}
    retracted = [e for key, e in before.items() if key not in after or after[key] != e]
    added = [e for key, e in after.items() if before.get(key) != e]
    return retracted, added
