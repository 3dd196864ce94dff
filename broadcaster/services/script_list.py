"""The list of scripts: search by words (with or without diacritics), filter, page."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import defer

from broadcaster.enums import Status, Topic
from broadcaster.services.context import Context
from broadcaster.store.db import AuditEvent, Script


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
# The list shows no words of a script: its body and search column stay in the database (on
# PostgreSQL, each would be fetched out of line and decompressed, a hundred times a page).
LIST_ONLY = defer(Script.body, raiseload=True), defer(Script.search_text, raiseload=True)


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


def count_scripts(ctx: Context, chosen: ScriptFilter) -> int:
    """How many scripts match `chosen` (a search reads every script's search column)."""
    query = select(func.count()).select_from(Script).where(*_conditions(chosen))
    return ctx.session.scalar(query) or 0


def find_scripts(
    ctx: Context, chosen: ScriptFilter, page: int = 1, total: int | None = None
) -> ScriptPage:
    """One page of the scripts that match `chosen`, newest first (a page past the end is
    empty), each with its last editor from the audit trail; `total` is `count_scripts`'s
    answer when the caller kept it."""
    conditions = _conditions(chosen)
    if total is None:
        total = count_scripts(ctx, chosen)
    pages = max(1, -(-total // PAGE_SIZE))
    found = list(
        ctx.session.scalars(
            select(Script)
            .options(*LIST_ONLY)
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
