"""Script use cases: add, edit, approve, return, retire, look up (draft → approved → retired)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Sequence, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from broadcaster.config import Settings
from broadcaster.enums import Kind, Priority, Role, Status, Topic
from broadcaster.errors import Code
from broadcaster.evidence import audit
from broadcaster.intake.parse import MAX_BYTES, ScriptInput, check_length, clean_body, clean_line
from broadcaster.intake.parse import ScriptRejected as ScriptRejected
from broadcaster.intake.parse import clean_topic as clean_topic
from broadcaster.intake.parse import clean_week as clean_week
from broadcaster.intake.parse import has_text as has_text
from broadcaster.intake.parse import parse_script as parse_script
from broadcaster.programme.planning import withdraw_script
from broadcaster.programme.slot_rows import slots_from_rows
from broadcaster.services.context import Context
from broadcaster.services.filing import clean_kind as clean_kind
from broadcaster.services.filing import clean_priority as clean_priority
from broadcaster.services.filing import plan_topic
from broadcaster.services.script_list import MAX_WORDS as MAX_WORDS
from broadcaster.services.script_list import PAGE_SIZE as PAGE_SIZE
from broadcaster.services.script_list import ScriptFilter as ScriptFilter
from broadcaster.services.script_list import count_scripts as count_scripts
from broadcaster.services.script_list import find_scripts as find_scripts
from broadcaster.services.script_list import fold as fold
from broadcaster.services.script_list import script_authors as script_authors
from broadcaster.services.script_list import script_weeks as script_weeks
from broadcaster.services.script_list import search_text
from broadcaster.store.db import AuditEvent, Rendering, User
from broadcaster.store.db import Script as Script
from broadcaster.store.renderings import RECORDING_ENGINE, current_rendering

T = TypeVar("T")
# The largest id an INTEGER column holds on PostgreSQL (SQLite's go further): a larger number
# in an address is no script, not a database error.
MAX_ID = 2**31 - 1
# How often a change is run again on the newest state when another change of the same script
# landed between its read and its write (each retry means another writer won: a handful is
# far more than two people at one bulletin can make).
RETRIES = 5

# The largest script file a door accepts (the web page sizes its request limit from it).
MAX_SCRIPT_BYTES = MAX_BYTES


@dataclass(frozen=True)
class Change:
    """What an edit, return or retirement did."""

    script: Script
    back_to_draft: bool
    withdrawn: int


def expected_seconds(session: Session, script: Script, settings: Settings) -> float:
    """The bulletin's length, measured or estimated (the render stage loads only when asked)."""
    from broadcaster.sound.render import expected_seconds as length

    return length(session, script, settings)


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


def _on_newest(ctx: Context, change: Callable[[], T]) -> T:
    """Run `change`; when another change of the same script landed between its read and its
    write (the version's compare-and-set failed), roll back and run it again on what is there
    now, so it lands second and its rules are checked against the newest state."""
    for _ in range(RETRIES - 1):
        try:
            return change()
        except StaleDataError:
            ctx.session.rollback()
    return change()


def _bump(script: Script) -> None:
    """Count a change the row's columns do not show (a new recording) in its version."""
    flag_modified(script, "content_hash")


def attach_recording(ctx: Context, script: Script, rendering: Rendering) -> Change:
    """Make a recording the script's audio and commit; an approved script goes back to
    draft (it leaves every future slot), as after any edit. An approval racing it either
    lands first (and the recording returns the bulletin to draft) or is refused."""
    script_id = script.id

    def attach() -> Change:
        current = get_script(ctx, script_id)
        if current.status == Status.RETIRED:
            raise ScriptRejected(Code.SCRIPT_RETIRED, script_id=script_id)
        before = _state(current)
        back_to_draft = current.status == Status.APPROVED
        _bump(current)
        withdrawn = _to_draft(ctx, current) if back_to_draft else 0
        ctx.session.flush()  # the compare-and-set, before the recording is added
        ctx.session.add(rendering)
        ctx.session.flush()
        _audit(ctx, "script.recording", current, before, f"audio {rendering.sha256}")
        ctx.session.commit()
        return Change(current, back_to_draft, withdrawn)

    return _on_newest(ctx, attach)


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
    kind: Kind | None = None,
) -> list[Script]:
    """Store checked scripts as drafts, all or none, and commit (the kind follows the
    priority when none is given: see `clean_kind`)."""
    kind = kind or clean_kind(None, priority)
    added = []
    for item in items:
        script = Script(
            title=item.title,
            body=item.body,
            source_name=item.source_name,
            encoding=item.encoding,
            topic=plan_topic(kind, item.topic, item.source_name or item.title),
            week=item.week,
            author=author,
            status=Status.DRAFT,
            priority=priority,
            kind=kind,
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


def edit_script(
    ctx: Context, script_id: int, body: str, title: str | None = None, seen_hash: str | None = None,
    kind: str | None = None, topic: str | None = None,
) -> Change:  # fmt: skip
    """Change a script's words or title; any change sends an approved script back to draft.

    With `seen_hash` (the `version_hash` of the page the officer edited), refuse when someone
    else changed the words since (SCRIPT_EDIT_CONFLICT), so no edit is lost unseen. An approval
    landing meanwhile is no conflict: the edit lands second and returns the script to draft.
    With `kind` (and `topic` for CCHC), the bulletin is also filed anew: that changes the
    report and where it may air, not the words, so it keeps its approval (audited).
    """
    body = clean_body(body)
    if not has_text(body):
        raise ScriptRejected(Code.SCRIPT_EMPTY)
    check_length(body)
    line, filed = clean_line(title or ""), None
    if kind is not None:
        chosen = clean_kind(kind)
        filed = (chosen, plan_topic(chosen, clean_topic(topic) if topic else None, line))
    return _on_newest(ctx, lambda: _edit(ctx, script_id, body, line, seen_hash, filed))


def _file_anew(ctx: Context, script: Script, filed: tuple[Kind, Topic | None] | None) -> None:
    """Give the script another kind or plan topic (audited `script.kind`)."""
    if filed is None or filed == (script.kind, script.topic):
        return
    before = _state(script)
    detail = f"{script.kind}/{script.topic or '-'} -> {filed[0]}/{filed[1] or '-'}"
    script.kind, script.topic = filed
    _audit(ctx, "script.kind", script, before, detail)


def _edit(
    ctx: Context, script_id: int, body: str, title: str, seen_hash: str | None,
    filed: tuple[Kind, Topic | None] | None = None,
) -> Change:  # fmt: skip
    script = get_script(ctx, script_id)
    if script.status == Status.RETIRED:
        raise ScriptRejected(Code.SCRIPT_RETIRED, script_id=script_id)
    if seen_hash is not None and seen_hash != version_hash(script):
        raise ScriptRejected(Code.SCRIPT_EDIT_CONFLICT, script_id=script_id)
    new_title = title or script.title
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
    _file_anew(ctx, script, filed)
    ctx.session.commit()
    return Change(script, back_to_draft, withdrawn)


def approve_script(
    ctx: Context, script_id: int, approver: str, seen_hash: str | None = None
) -> Script:
    """Approve a draft for air; refuse one longer than every slot the daemon airs.

    With `seen_hash` (the `version_hash` of the page the leader read), refuse a script that
    was changed since. The approval is written `WHERE version = <the version checked>`: a
    change that lands between the check and the write makes it SCRIPT_CHANGED too, never an
    approval of words no leader read.
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
    try:
        ctx.session.flush()  # the compare-and-set: UPDATE ... WHERE version = :read
    except StaleDataError:
        ctx.session.rollback()
        raise ScriptRejected(Code.SCRIPT_CHANGED, script_id=script_id) from None
    _audit(ctx, "script.approve", script, before)
    ctx.session.commit()
    return script


def _check_approver(ctx: Context, script: Script, name: str) -> None:
    """The approver is an enabled leader (or admin) account, and not an author (the writer or
    the maker of a recording, see `_authors`) unless the town allows it (`self_approval`: a
    one-person commune) or the author is a leader whose own recorded reading is an emergency
    (the evidence then names the leader as both)."""
    account = ctx.session.scalar(select(User).where(User.name == name))
    if account is None or account.disabled or account.role not in (Role.LEADER, Role.ADMIN):
        raise ScriptRejected(Code.APPROVER_UNKNOWN, name=name)
    rendering = current_rendering(ctx.session, script)
    own_emergency = (
        script.priority == Priority.EMERGENCY
        and rendering is not None
        and rendering.engine == RECORDING_ENGINE
    )
    if name in _authors(ctx, script) and ctx.settings.self_approval != "on" and not own_emergency:
        raise ScriptRejected(Code.SELF_APPROVAL, name=name, script_id=script.id)


def _authors(ctx: Context, script: Script) -> set[str | None]:
    """Whoever supplied the words or the voice: the writer, and everyone who gave the script
    a recording or an audio file (the audit trail's `script.recording` events)."""
    voices = ctx.session.scalars(
        select(AuditEvent.actor).where(
            AuditEvent.target == f"script:{script.id}", AuditEvent.action == "script.recording"
        )
    )
    return {script.author, *voices}


def return_script(ctx: Context, script_id: int, note: str | None = None) -> Change:
    """Send an approved script back to draft (it leaves every future slot), with the leader's
    reason for the officer (kept until it is approved again)."""
    return _on_newest(ctx, lambda: _return(ctx, script_id, note))


def _return(ctx: Context, script_id: int, note: str | None) -> Change:
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
    return _on_newest(ctx, lambda: _retire(ctx, script_id))


def _retire(ctx: Context, script_id: int) -> Change:
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
