"""Script records: store, edit, approve and look up bulletins (draft → approved → retired)."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.db import Script
from broadcaster.ingest import ScriptInput, ScriptRejected


class ScriptNotFound(Exception):
    """No script has the id asked for."""


def content_hash(body: str) -> str:
    """The sha256 of a script body; it changes whenever the words change."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def add_script(session: Session, item: ScriptInput, now: datetime, author: str | None) -> Script:
    """Store a new draft script and return it (the caller commits)."""
    script = Script(
        title=item.title,
        body=item.body,
        source_name=item.source_name,
        encoding=item.encoding,
        topic=item.topic,
        week=item.week,
        author=author,
        status="draft",
        content_hash=content_hash(item.body),
        created_at=now,
    )
    session.add(script)
    session.flush()
    return script


def get_script(session: Session, script_id: int) -> Script:
    """The script with this id, or ScriptNotFound."""
    script = session.get(Script, script_id)
    if script is None:
        raise ScriptNotFound(f"There is no script with id {script_id}.")
    return script


def list_scripts(session: Session, status: str | None = None) -> list[Script]:
    """All scripts, newest first, optionally only those with one status."""
    query = select(Script).order_by(Script.id.desc())
    if status:
        query = query.where(Script.status == status)
    return list(session.scalars(query))


def approve_script(
    session: Session,
    script_id: int,
    approver: str,
    now: datetime,
    seconds: float | None = None,
    longest_slot_minutes: int | None = None,
) -> Script:
    """Mark a draft script approved for air by `approver`; refuse one longer than every slot."""
    script = get_script(session, script_id)
    if seconds is not None and longest_slot_minutes and seconds > longest_slot_minutes * 60:
        raise ScriptRejected(
            f"Script {script_id} lasts about {int(seconds // 60)} min {int(seconds % 60)} s, longer than "
            f"the longest slot ({longest_slot_minutes} min); shorten or split it before approval."
        )
    if not approver.strip():
        raise ScriptRejected("Say who approves the script (--by NAME).")
    if script.status == "retired":
        raise ScriptRejected(f"Script {script_id} is retired and cannot be approved again.")
    if script.status == "approved":
        raise ScriptRejected(f"Script {script_id} is already approved by {script.approved_by}.")
    script.status = "approved"
    script.approved_by = approver.strip()
    script.approved_at = now
    return script


def edit_script(session: Session, script_id: int, body: str, title: str | None = None) -> Script:
    """Change a script's text; an approved script goes back to draft when its words change."""
    script = get_script(session, script_id)
    if script.status == "retired":
        raise ScriptRejected(f"Script {script_id} is retired and cannot be edited.")
    body = unicodedata.normalize("NFC", body.replace("\r\n", "\n")).strip()
    if not body:
        raise ScriptRejected("The script text is empty.")
    if title is not None and title.strip():
        script.title = title.strip()
    new_hash = content_hash(body)
    if new_hash != script.content_hash:
        script.body = body
        script.content_hash = new_hash
        script.status = "draft"
        script.approved_by = None
        script.approved_at = None
    return script


def retire_script(session: Session, script_id: int) -> Script:
    """Take a script out of rotation for good."""
    script = get_script(session, script_id)
    script.status = "retired"
    return script
