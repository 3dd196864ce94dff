"""Cluster reports → evidence: each agent's report becomes a row per (cluster, entry) in the
same hash chain, sealed when the station receives it, exactly once; heartbeats → the cluster's
health. A batch of messages is sealed in one transaction and anchored once (and the witness
told once), so thousands of confirmations cost a few commits, not thousands.

Refused, with a problem for the status page and nothing recorded: a report on another
cluster's topic, from an unknown or disabled cluster, for an entry the cluster was never sent,
or naming audio other than what was sent. A report seen before (its key) is ignored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from broadcaster.clusters import wire
from broadcaster.clusters.relay_reports import relay_receipt, relay_row
from broadcaster.config import Settings
from broadcaster.enums import Outcome
from broadcaster.evidence import ledger, witness
from broadcaster.evidence.snapshot import snapshot
from broadcaster.notes import Note, NoteCode, note
from broadcaster.store.db import Airing, Cluster, Dispatch, Problem, Rendering, Script

logger = logging.getLogger(__name__)

OUTCOMES = {
    "aired": Outcome.AIRED,
    "failed": Outcome.FAILED,
    "interrupted": Outcome.INTERRUPTED,
    "preempted": Outcome.PREEMPTED,
}
RETRIES = 5  # another writer took the chain's next place: the batch is sealed again


@dataclass(frozen=True)
class Received:
    """One message as it came off the broker, with the station's time of receipt."""

    topic: str
    payload: bytes
    at: datetime


@dataclass
class Tally:
    """What a batch did: rows sealed, duplicates ignored, reports refused, heartbeats kept."""

    sealed: int = 0
    duplicates: int = 0
    refused: list[Note] = field(default_factory=list)
    heartbeats: int = 0


class Refused(Exception):
    """A report that must not become evidence; the sentence says why."""


def take(session: Session, settings: Settings, batch: list[Received]) -> Tally:
    """Seal the batch's reports and keep its heartbeats, in one commit; then anchor once."""
    for _ in range(RETRIES):
        tally = Tally()
        try:
            _take_all(session, settings, batch, tally)
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            if "seq" not in str(exc.orig).lower():
                raise
            continue
        _after_commit(session, settings, tally, batch)
        return tally
    raise RuntimeError("could not seal a batch of cluster reports into the ledger")


def _after_commit(
    session: Session, settings: Settings, tally: Tally, batch: list[Received]
) -> None:
    if tally.sealed:
        head = ledger.head(session)
        if head is not None:
            at = batch[-1].at
            try:
                ledger.anchor(settings.var_path / "ledger", head, at)
            except OSError as exc:
                logger.error("could not write the chain head to var/ledger: %s", exc)
            if settings.witness:  # its worker sends it and records a failure itself
                bind = session.get_bind()
                engine = bind if isinstance(bind, Engine) else None
                witness.witness_for(settings.witness, settings.var_path, engine).send(
                    ledger.head_line(head, at)
                )
    for refusal in tally.refused:
        logger.warning("%s", refusal.english())
        session.add(Problem(at=batch[-1].at, message=refusal.stored()))
    if tally.refused:
        session.commit()


@dataclass
class _Book:
    """What a batch needs from the database, read with one query per table, not per report."""

    clusters: dict[str, Cluster]
    sent: dict[tuple[int, str], Dispatch]
    rows: dict[tuple[str, str], Airing]
    final: set[tuple[str, str]]  # rows whose outcome is sealed, or planned in this batch
    audio: dict[tuple[int, str], tuple[Script, Rendering | None]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, names: set[str], entries: set[str]) -> _Book:
        """The batch's clusters, what they were sent (a relay's parts: the relay's row), and
        the rows their reports opened before."""
        sent_keys = {wire.relay_of(entry)[0] for entry in entries}
        clusters = {
            c.name: c for c in session.scalars(select(Cluster).where(Cluster.name.in_(names)))
        }
        ids = [c.id for c in clusters.values()]
        sent = {
            (d.cluster_id, d.entry): d
            for d in session.scalars(
                select(Dispatch).where(Dispatch.cluster_id.in_(ids), Dispatch.entry.in_(sent_keys))
            )
        }
        rows = {
            (a.cluster or "", a.cluster_entry or ""): a
            for a in session.scalars(
                select(Airing).where(Airing.cluster.in_(names), Airing.cluster_entry.in_(entries))
            )
        }
        final = {key for key, a in rows.items() if a.outcome != Outcome.STARTED}
        return cls(clusters, sent, rows, final)

    def script(self, session: Session, sent: Dispatch) -> tuple[Script, Rendering | None]:
        assert sent.script_id is not None and sent.sha256 is not None  # a bulletin's row
        key = (sent.script_id, sent.sha256)
        if key not in self.audio:
            rendering = session.scalar(
                select(Rendering)
                .where(Rendering.script_id == sent.script_id, Rendering.sha256 == sent.sha256)
                .order_by(Rendering.id.desc())
                .limit(1)
            )
            self.audio[key] = (session.get_one(Script, sent.script_id), rendering)
        return self.audio[key]


@dataclass(frozen=True)
class _Seal:
    """One event to seal, in order; `closing` is the outcome a final report gives the row."""

    airing: Airing
    kind: Outcome
    at: datetime
    said: ledger.Reported
    closing: dict[str, object] | None = None


def _take_all(session: Session, settings: Settings, batch: list[Received], tally: Tally) -> None:
    reports: list[tuple[str, wire.Report, datetime]] = []
    beats: list[tuple[str, wire.Health, datetime]] = []
    for message in batch:
        try:
            kind, name = wire.cluster_of(message.topic, settings.mqtt_prefix)
            decoded = wire.decode(message.payload)
        except wire.WireError as exc:
            tally.refused.append(_refusal(message.topic.rpartition("/")[2], str(exc)))
            continue
        if kind == "health" and isinstance(decoded, wire.Health):
            beats.append((name, decoded, message.at))
        elif kind == "report" and isinstance(decoded, wire.Report):
            reports.append((name, decoded, message.at))
        else:
            tally.refused.append(_refusal(name, f"a {kind} topic carried another message"))
    names = {name for name, _, _ in reports} | {name for name, _, _ in beats}
    book = _Book.read(session, names, {report.entry for _, report, _ in reports})
    for name, health, at in beats:
        _keep_health(book.clusters.get(name), name, health, at)
        tally.heartbeats += 1
    seals: list[_Seal] = []
    for name, report, at in reports:
        try:
            planned = _plan(session, settings, book, name, report, at)
        except Refused as exc:
            tally.refused.append(_refusal(name, str(exc)))
            continue
        if planned is None:
            tally.duplicates += 1
        elif planned:
            seals.extend(planned)
            tally.sealed += 1
    if not seals:
        return
    session.flush()  # the new rows get their ids, all at once
    head = ledger.head(session)
    for step in seals:
        for column, value in (step.closing or {}).items():
            setattr(step.airing, column, value)
        head = ledger.seal_after(session, step.airing, step.kind, step.at, head, step.said)


def _refusal(cluster: str, reason: str) -> Note:
    return note(NoteCode.CLUSTER_REPORT_REFUSED, cluster=cluster[:60], reason=reason)


def _keep_health(cluster: Cluster | None, name: str, health: wire.Health, at: datetime) -> None:
    if cluster is None or health.cluster != name:
        return
    cluster.online = health.online
    if health.online:  # the last will says only "offline": keep what the last heartbeat said
        cluster.seen_at = at
        if health.at is not None:
            cluster.clock_offset_s = round((health.at - at).total_seconds(), 3)
        cluster.health = wire.encode(health).decode()


def _plan(
    session: Session,
    settings: Settings,
    book: _Book,
    name: str,
    report: wire.Report,
    at: datetime,
) -> list[_Seal] | None:
    """The events one report seals ([] for nothing to seal); None when it was sealed before
    (a redelivery or a replay). Refused when it must not become evidence."""
    if report.cluster != name:
        raise Refused(f"it names cluster {report.cluster[:60]} on the topic of {name}")
    cluster = book.clusters.get(name)
    if cluster is None or cluster.disabled:
        raise Refused("no such enabled cluster")
    if report.kind == "retracted":
        return []  # the agent confirms it dropped an entry: nothing aired, nothing to seal
    sent = book.sent.get((cluster.id, wire.relay_of(report.entry)[0]))
    if sent is None:
        raise Refused(f"entry {report.entry[:40]} was never sent to it")
    if report.sha256 is not None and report.sha256 != sent.sha256:
        was = (sent.sha256 or "no audio")[:12]
        raise Refused(f"it played audio {report.sha256[:12]}…, not the {was}… sent")
    key = (name, report.entry)
    said = ledger.Reported(report.reported_at, report.from_cache, report.last_contact)
    seals = []
    airing = book.rows.get(key)
    if airing is None:
        airing = (
            relay_row(cluster.name, sent, report)
            if sent.script_id is None
            else _open(session, book, cluster, sent, report)
        )
        session.add(airing)
        book.rows[key] = airing
        seals.append(_Seal(airing, Outcome.STARTED, at, said))
    elif report.kind == "started" or key in book.final:
        return None  # this report, or the outcome, was sealed before
    if report.kind in OUTCOMES:
        outcome = OUTCOMES[report.kind]
        played = airing.started_at and report.ended_at and report.kind != "failed"
        closing: dict[str, object] = {
            "outcome": outcome,
            "ended_at": report.ended_at,
            # nothing played: no duration, as on the station
            "duration_s": round((report.ended_at - airing.started_at).total_seconds(), 3)
            if played and report.ended_at and airing.started_at
            else None,
            "error": _note(report, settings.tz),
        }
        if sent.script_id is None:  # a relay's part: its receipt, as the station's own rows
            closing |= relay_receipt(report)
        seals.append(_Seal(airing, outcome, at, said, closing))
        book.final.add(key)
    return seals


def _open(
    session: Session, book: _Book, cluster: Cluster, sent: Dispatch, report: wire.Report
) -> Airing:
    script, rendering = book.script(session, sent)
    if rendering is None:
        raise Refused(f"the audio of entry {sent.entry} is no longer on the station")
    return Airing(
        **snapshot(script, rendering),
        requested_by=sent.requested_by,
        attempt=1,
        slot_name=sent.slot_name,
        planned_start=sent.starts_at,
        started_at=report.started_at,
        outcome=Outcome.STARTED,
        output=f"cluster:{cluster.name}",
        host=cluster.name,
        cluster=cluster.name,
        cluster_entry=sent.entry,
    )


def _note(report: wire.Report, tz: ZoneInfo) -> str | None:
    """The row's note: what the agent said went wrong, or that it played from its cache."""
    if report.error:
        return note(NoteCode.CLUSTER_SAID, detail=report.error[:300]).stored()
    if report.from_cache:
        last = report.last_contact
        shown = last.astimezone(tz).strftime("%H:%M:%S %d/%m/%Y") if last else "—"
        return note(NoteCode.CLUSTER_FROM_CACHE, last_contact=shown).stored()
    return None


def health_of(cluster: Cluster) -> wire.Health | None:
    """The cluster's last heartbeat, if it sent one."""
    if not cluster.health:
        return None
    try:
        decoded = wire.decode(cluster.health.encode())
    except (wire.WireError, json.JSONDecodeError):
        return None
    return decoded if isinstance(decoded, wire.Health) else None
