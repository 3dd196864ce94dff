"""The list of scripts: its filters and search from the address, a page of it, and its counts."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, abort, render_template, request

from broadcaster.enums import Kind, Status, Topic, labels_vi
from broadcaster.errors import BroadcasterError
from broadcaster.services import scripts as service
from broadcaster.services.scripts import clean_week

from .cache import TimedCache
from .db import services
from .messages import vietnamese

# How many scripts match a filter, by (database, filter): a search reads every script's words
# to count them. Kept COUNT_SECONDS at most; forgotten on every write this process serves, so
# only a change made elsewhere (the command line, another server) shows up to that late.
COUNT_SECONDS = 10
counts: TimedCache[int] = TimedCache(COUNT_SECONDS, 256)


MAX_PAGE = 1_000_000  # past any real list; a larger number is a mistyped address


def page_number() -> int:
    """The ?page= asked for (default 1); anything but a whole number from 1 is a 400 page."""
    raw = request.args.get("page", "1").strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, f"Số trang “{raw[:40]}” không hợp lệ: hãy dùng các nút chuyển trang.")
    return int(raw)


def _chosen_filter() -> service.ScriptFilter:
    """The list's filters from the query string; a value that is not one of the choices is a
    400 page saying which."""
    args = request.args
    status, topic = args.get("status", ""), args.get("topic", "")
    if status and status not in set(Status):
        abort(400, f"Trạng thái “{status[:40]}” không có; hãy chọn trong danh sách.")
    if topic and topic not in set(Topic):
        abort(400, f"Chủ đề “{topic[:40]}” không có; hãy chọn trong danh sách.")
    try:
        week = clean_week(args.get("week"))
    except BroadcasterError as exc:
        abort(400, vietnamese(exc))
    return service.ScriptFilter(
        words=_printable(args.get("q", ""))[: service.MAX_WORDS],
        status=Status(status) if status else None,
        topic=Topic(topic) if topic else None,
        author=_printable(args.get("author", ""))[:100] or None,
        week=week,
    )


def _printable(raw: str) -> str:
    """`raw` without control characters (PostgreSQL refuses a NUL anywhere in a query)."""
    return "".join(char for char in raw if char.isprintable())


def index_page(kept: Mapping[str, str] | None = None) -> str:
    """One page of the filtered list of scripts and the form to add one, filled with `kept`
    (a refused form)."""
    chosen = _chosen_filter()
    ctx = services()
    total = counts.get((ctx.settings.db_url, chosen), lambda: service.count_scripts(ctx, chosen))
    found = service.find_scripts(ctx, chosen, page_number(), total)
    return render_template(
        "scripts.html",
        found=found,
        chosen=chosen,
        filtered=any(request.args.get(name) for name in ("q", "status", "topic", "author", "week")),
        args={k: v for k, v in request.args.items() if k != "page" and v},
        statuses=labels_vi(Status),
        authors=service.script_authors(ctx),
        weeks=service.script_weeks(ctx),
        topics=labels_vi(Topic),
        kinds=labels_vi(Kind),
        kept=kept or {},
    )


def forget_counts_after_writes(response: Response) -> Response:
    """After any request that may have written (all but GET and HEAD), count afresh."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        counts.clear()
    return response
