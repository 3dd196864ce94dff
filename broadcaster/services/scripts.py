"""Script use cases: add, edit, approve, return, retire, look up (draft → approved → retired)."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import object_session

from broadcaster.enums import Priority, Role, Status, Topic
from broadcaster.errors import Code
from broadcaster.evidence import audit
from broadcaster.intake.parse import MAX_BYTES, ScriptInput, check_length, clean_body, clean_line
from broadcaster.intake.parse import ScriptRejected as ScriptRejected
from broadcaster.intake.parse import clean_week as clean_week
from broadcaster.intake.parse import has_text as has_text
from broadcaster.intake.parse import parse_script as parse_script
from broadcaster.programme.planning import withdraw_script
from broadcaster.programme.slots import slots_from_rows
from broadcaster.services.context import Context
from broadcaster.sound.render import expected_seconds
from broadcaster.store.db import AuditEvent, Rendering, User
from broadcaster.store.db import Script as Script
from broadcaster.store.renderings import RECORDING_ENGINE, current_rendering

# The largest script file a door accepts (the web page sizes its request limit from it).
MAX_SCRIPT_BYTES = MAX_BYTES


@dataclass(frozen=True)
class Change:
    """What an edit, return or retirement did."""

    script: Script
    back_to_draft: bool
    withdrawn: int


@dataclass(frozen=True)
class ScriptFilter:
    """What the list of scripts is narrowed to; every field empty shows them all."""

    words: str = ""  # a phrase searched in title and body, with or without diacritics
    status: Status | None = None
    topic: Topic | None = None
    author: str | None = None
    week: str | None = None  # an ISO week: the scripts for it and those for every week


@dataclass(frozen=True)
class ScriptRow:
    """One script as the list shows it, with who changed its words last and when."""

    script: Script
    last_editor: str | None
    last_edited_at: datetime | None


@dataclass(frozen=True)
class ScriptPage:
    """One page of the filtered list (page counts from 1; `pages` is at least 1)."""

    rows: list[ScriptRow]
    total: int
    page: int
    pages: int


PAGE_SIZE = 100  # scripts a page of the list shows
MAX_WORDS = 200  # characters of a search that count

# The largest id an INTEGER column holds on PostgreSQL (SQLite's go further): a larger number
# in an address is no script, not a database error.
MAX_ID = 2**31 - 1


def fold(text: str) -> str:
    """Text as the search compares it: lower case, no diacritics, đ → d, single spaces.

    "Thông báo ĐĂNG KÝ" and "thong bao dang ky" fold alike; revision 0006 fills the
    column with this same rule.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def search_text(title: str, body: str) -> str:
    """The folded title and body a script's search column holds."""
    return fold(f"{title}\n{body}")


def _conditions(chosen: ScriptFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    # The words as one phrase: Vietnamese writes a word as syllables ("đăng ký"), and
    # syllables matched apart ("dang" anywhere, "ky" anywhere) find nearly every text.
    phrase = fold(chosen.words)[:MAX_WORDS]
    if phrase:
        escaped = phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Script.search_text.like(f"%{escaped}%", escape="\\"))
    if chosen.status:
        conditions.append(Script.status == chosen.status)
    if chosen.topic:
        conditions.append(Script.topic == chosen.topic)
    if chosen.author:
        conditions.append(Script.author == chosen.author)
    if chosen.week:
        conditions.append(or_(Script.week == chosen.week, Script.week.is_(None)))
    return conditions


def find_scripts(ctx: Context, chosen: ScriptFilter, page: int = 1) -> ScriptPage:
    """One page of the scripts that match `chosen`, newest first (a page past the end is
    empty), each with its last editor from the audit trail."""
    conditions = _conditions(chosen)
    total = ctx.session.scalar(select(func.count()).select_from(Script).where(*conditions)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    found = list(
        ctx.session.scalars(
            select(Script)
            .where(*conditions)
            .order_by(Script.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    edits: dict[str, tuple[str, datetime]] = {}
    if found:
        targets = [f"script:{script.id}" for script in found]
        for target, actor, at in ctx.session.execute(
            select(AuditEvent.target, AuditEvent.actor, AuditEvent.at)
            .where(AuditEvent.action == "script.edit", AuditEvent.target.in_(targets))
            .order_by(AuditEvent.seq)
        ):
            edits[target] = (actor, at)  # the newest edit is the last one seen
    rows = []
    for script in found:
        editor, edited_at = edits.get(f"script:{script.id}", (None, None))
        rows.append(ScriptRow(script, editor, edited_at))
    return ScriptPage(rows, total, page, pages)


def script_authors(ctx: Context) -> list[str]:
    """Everyone who added a script, for the list's author filter."""
    query = select(Script.author).where(Script.author.is_not(None)).distinct()
    return sorted(name for name in ctx.session.scalars(query) if name)


def script_weeks(ctx: Context) -> list[str]:
    """The weeks scripts are meant for, newest first, for the list's week filter."""
    query = select(Script.week).where(Script.week.is_not(None)).distinct()
    return sorted((week for week in ctx.session.scalars(query) if week), reverse=True)


def content_hash(body: str) -> str:
    """The sha256 of a script body; it changes whenever the words change."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _state(script: Script) -> str:
    """A fingerprint of a script as the audit trail sees it: its words, title, status, approver."""
    return audit.fingerprint(
        version_hash(script), script.status, script.approved_by, script.priority
    )


def _audit(
    ctx: Context, action: str, script: Script, before: str | None, detail: str | None = None
) -> None:
    audit.record(
        ctx.session, ctx.now(), ctx.actor, action, f"script:{script.id}", before, _state(script),
        detail,
    )  # fmt: skip


MAX_NOTE = 2000  # characters of a leader's reason for returning a bulletin


def version_hash(script: Script) -> str:
    """The sha256 of what a leader reads before approving: the title and the words, and the
    audio's sha256 when the audio is a person's recording (what airs is not the words then).

    The approve form carries it, so an edit or a new recording made after the page was
    opened is caught.
    """
    seen = f"{script.title}\n{script.body}"
    session = object_session(script)
    rendering = current_rendering(session, script) if session is not None else None
    if rendering is not None and rendering.engine == RECORDING_ENGINE:
        seen += f"\n{RECORDING_ENGINE}:{rendering.sha256}"
    return hashlib.sha256(seen.encode("utf-8")).hexdigest()


def attach_recording(ctx: Context, script: Script, rendering: Rendering) -> Change:
    """Make a recording the script's audio and commit; an approved script goes back to
    draft (it leaves every future slot), as after any edit."""
    if script.status == Status.RETIRED:
        raise ScriptRejected(Code.SCRIPT_RETIRED, script_id=script.id)
    before = _state(script)
    ctx.session.add(rendering)
    ctx.session.flush()
    back_to_draft = script.status == Status.APPROVED
    withdrawn = _to_draft(ctx, script) if back_to_draft else 0
    _audit(ctx, "script.recording", script, before, f"audio {rendering.sha256}")
    ctx.session.commit()
    return Change(script, back_to_draft, withdrawn)


def clean_priority(raw: str | None) -> Priority:
    """The priority named by `raw` (default normal), or PRIORITY_UNKNOWN."""
    value = (raw or Priority.NORMAL).strip().lower()
    if value not in set(Priority):
        raise ScriptRejected(Code.PRIORITY_UNKNOWN, priority=raw)
    return Priority(value)


def get_script(ctx: Context, script_id: int) -> Script:
    """The script with this id, or SCRIPT_NOT_FOUND."""
    script = ctx.session.get(Script, script_id) if 0 < script_id <= MAX_ID else None
    if script is None:
        raise ScriptRejected(Code.SCRIPT_NOT_FOUND, script_id=script_id)
    return script


def list_scripts(ctx: Context, status: Status | None = None) -> list[Script]:
    """All scripts, newest first, optionally only those with one status."""
    query = select(Script).order_by(Script.id.desc())
    if status:
        query = query.where(Script.status == status)
    return list(ctx.session.scalars(query))


def add_scripts(
    ctx: Context,
    items: Sequence[ScriptInput],
    author: str | None,
    priority: Priority = Priority.NORMAL,
) -> list[Script]:
    """Store checked scripts as drafts, all or none, and commit."""
    added = []
    for item in items:
        script = Script(
            title=item.title,
            body=item.body,
            source_name=item.source_name,
            encoding=item.encoding,
            topic=item.topic,
            week=item.week,
            author=author,
            status=Status.DRAFT,
            priority=priority,
            content_hash=content_hash(item.body),
            search_text=search_text(item.title, item.body),
            created_at=ctx.now(),
        )
        ctx.session.add(script)
        added.append(script)
    ctx.session.flush()
    for script in added:
        _audit(ctx, "script.add", script, None)
    ctx.session.commit()
    return added


def edit_script(ctx: Context, script_id: int, body: str, title: str | None = None) -> Change:
    """Change a script's words or title; any change sends an approved script back to draft."""
    script = get_script(ctx, script_id)
    if script.status == Status.RETIRED:
        raise ScriptRejected(Code.SCRIPT_RETIRED, script_id=script_id)
    body = clean_body(body)
    if not has_text(body):
        raise ScriptRejected(Code.SCRIPT_EMPTY)
    check_length(body)
    new_title = clean_line(title or "") or script.title
    before = _state(script)
    new_hash = content_hash(body)
    back_to_draft = False
    withdrawn = 0
    if new_hash != script.content_hash or new_title != script.title:
        # the title is what the log and reports show: the leader approves it too
        back_to_draft = script.status == Status.APPROVED
        script.title, script.body, script.content_hash = new_title, body, new_hash
        script.search_text = search_text(new_title, body)
        withdrawn = _to_draft(ctx, script)
        _audit(ctx, "script.edit", script, before)
    ctx.session.commit()
    return Change(script, back_to_draft, withdrawn)


def approve_script(
    ctx: Context, script_id: int, approver: str, seen_hash: str | None = None
) -> Script:
    """Approve a draft for air; refuse one longer than every slot the daemon airs.

    With `seen_hash` (the `version_hash` of the page the leader read), refuse a script that
    was changed since.
    """
    script = get_script(ctx, script_id)
    if not approver.strip():
        raise ScriptRejected(Code.APPROVER_MISSING)
    if script.status == Status.RETIRED:
        raise ScriptRejected(Code.SCRIPT_RETIRED, script_id=script_id)
    if script.status == Status.APPROVED:
        raise ScriptRejected(
            Code.SCRIPT_ALREADY_APPROVED, script_id=script_id, approver=script.approved_by
        )
    if seen_hash is not None and seen_hash != version_hash(script):
        raise ScriptRejected(Code.SCRIPT_CHANGED, script_id=script_id)
    _check_approver(ctx, script, approver.strip())
    longest = max((slot.minutes for slot in slots_from_rows(ctx.session)), default=0)
    seconds = expected_seconds(ctx.session, script, ctx.settings)
    if longest and seconds > longest * 60:
        raise ScriptRejected(
            Code.SCRIPT_TOO_LONG, script_id=script_id, minutes=int(seconds // 60),
            seconds=int(seconds % 60), longest=longest,
        )  # fmt: skip
    before = _state(script)
    script.status = Status.APPROVED
    script.approved_by = approver.strip()
    script.approved_at = ctx.now()
    script.return_note = script.returned_by = None
    _audit(ctx, "script.approve", script, before)
    ctx.session.commit()
    return script


def _check_approver(ctx: Context, script: Script, name: str) -> None:
    """The approver is an enabled leader (or admin) account, and not the author unless the
    town allows it (`self_approval`: a one-person commune) or the author is a leader whose own
    recorded reading is an emergency (the evidence then names the leader as both)."""
    account = ctx.session.scalar(select(User).where(User.name == name))
    if account is None or account.disabled or account.role not in (Role.LEADER, Role.ADMIN):
        raise ScriptRejected(Code.APPROVER_UNKNOWN, name=name)
    rendering = current_rendering(ctx.session, script)
    own_emergency = (
        script.priority == Priority.EMERGENCY
        and rendering is not None
        and rendering.engine == RECORDING_ENGINE
    )
    if script.author == name and ctx.settings.self_approval != "on" and not own_emergency:
        raise ScriptRejected(Code.SELF_APPROVAL, name=name, script_id=script.id)


def return_script(ctx: Context, script_id: int, note: str | None = None) -> Change:
    """Send an approved script back to draft (it leaves every future slot), with the leader's
    reason for the officer (kept until it is approved again)."""
    script = get_script(ctx, script_id)
    if script.status != Status.APPROVED:
        raise ScriptRejected(Code.SCRIPT_NOT_APPROVED, script_id=script_id, status=script.status)
    before = _state(script)
    withdrawn = _to_draft(ctx, script)
    script.return_note = clean_body(note or "")[:MAX_NOTE] or None
    script.returned_by = ctx.actor
    _audit(ctx, "script.return", script, before, script.return_note)
    ctx.session.commit()
    return Change(script, True, withdrawn)


def retire_script(ctx: Context, script_id: int) -> Change:
    """Take a script off the air for good (it leaves every future slot)."""
    script = get_script(ctx, script_id)
    if script.status == Status.RETIRED:
        raise ScriptRejected(Code.SCRIPT_RETIRED, script_id=script_id)
    before = _state(script)
    script.status = Status.RETIRED
    withdrawn = withdraw_script(ctx.session, script.id, ctx.now())
    _audit(ctx, "script.retire", script, before)
    ctx.session.commit()
    return Change(script, False, withdrawn)


def _to_draft(ctx: Context, script: Script) -> int:
    """Make a script a draft again and pull it from every future slot; return how many."""
    script.status = Status.DRAFT
    script.approved_by = None
    script.approved_at = None
    return withdraw_script(ctx.session, script.id, ctx.now())
