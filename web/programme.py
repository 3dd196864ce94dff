"""The week's programme as a grid: days across, slots down."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from broadcaster.errors import BroadcasterError
from broadcaster.services import planning

from . import week_vi
from .auth import login_required
from .db import services
from .messages import vietnamese

bp = Blueprint("programme", __name__, url_prefix="/programme")

WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
ARRANGERS = ("officer", "admin")


def clock_vi(seconds: float | None) -> str:
    """A length as m:ss (4:05), or "chưa có âm thanh" when there is none."""
    if not seconds:
        return "chưa có âm thanh"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _week_arg() -> str | None:
    """The week asked for; a bad one falls back to this week with a message."""
    raw = request.values.get("week")
    try:
        return planning.week_programme(services(), raw).week if raw else None
    except BroadcasterError as exc:
        flash(vietnamese(exc) + " Đang hiển thị tuần này.", "error")
        return None


@bp.route("/")
@login_required()
def week() -> str:
    """Show the week's slot occurrences, their bulletins and lengths; ?print=1 for the notice board."""
    ctx = services()
    tz = ctx.settings.tz
    planned = planning.week_programme(ctx, _week_arg())
    slots = planning.station_slots(ctx)
    around = planning.week_days(ctx, planned.week)
    grid: dict[str, list[tuple[object, list[object]]]] = {slot.name: [] for slot in slots}
    for occurrence, entries in planned.occurrences:
        grid[occurrence.slot.name].append((occurrence, list(entries)))
    days = around.days
    return render_template(
        "programme.html", week=planned.week, days=days, weekdays=WEEKDAYS_VI, slots=slots,
        grid=grid, monday=days[0], previous_week=around.previous,
        next_week=around.next, tz=tz, now=ctx.now(),
        today=ctx.now().astimezone(tz).date(), printing=request.args.get("print") == "1",
        arranging=g.user.role in ARRANGERS, choices=planning.arrangeable(ctx),
        slot_seconds=planning.slot_seconds, clock=clock_vi,
    )  # fmt: skip


@bp.route("/plan", methods=["POST"])
@login_required("officer")
def plan() -> tuple[Response, int]:
    """Plan the week's slots that have not started yet."""
    chosen = _week_arg()
    planned = planning.plan_week(services(), chosen)
    filled = sum(1 for _, entries in planned.occurrences if entries)
    flash(
        f"Đã lập chương trình cho {week_vi(planned.week)}: {filled}/{len(planned.occurrences)} buổi phát "
        "có bản tin.",
        "ok",
    )
    return redirect(url_for("programme.week", week=planned.week)), 303


def _ids(raw: str) -> list[int]:
    """Script ids from "3,1,2" (empty: none); anything else is not a form this page sends."""
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        abort(400, "Danh sách bản tin không hợp lệ.")


@bp.route("/arrange", methods=["POST"])
@login_required(*ARRANGERS)
def arrange() -> tuple[Response, int]:
    """Arrange one slot occurrence by hand (reorder, remove, add); it is then pinned."""
    form = request.form
    try:
        start = datetime.fromisoformat(form.get("start", ""))
    except ValueError:
        abort(400, "Thời điểm của buổi phát không hợp lệ.")
    if start.tzinfo is None:
        abort(400, "Thời điểm của buổi phát không hợp lệ.")
    slot = form.get("slot", "")
    ids = _ids(form["ids"] if "ids" in form else form.get("current", ""))
    if form.get("action") == "add":
        ids = _ids(form.get("current", "")) + _ids(form.get("script", ""))
    week = _week_arg()
    ctx = services()
    try:
        planning.arrange(ctx, slot, start, ids)
    except BroadcasterError as exc:
        ctx.session.rollback()
        flash(vietnamese(exc), "error")
        return redirect(url_for("programme.week", week=week)), 303
    when = f"{start.astimezone(ctx.settings.tz):%H:%M %d/%m/%Y}"
    if ids:
        said = (
            f"Đã sắp xếp khung giờ {slot} lúc {when}: {len(dict.fromkeys(ids))} bản tin. "
            "Buổi phát này được giữ nguyên khi lập lại chương trình."
        )
    else:  # no entry is left to carry the pin
        said = (
            f"Đã bỏ hết bản tin khỏi khung giờ {slot} lúc {when}. "
            "Khi lập lại chương trình, buổi phát này sẽ được xếp bản tin lại."
        )
    flash(said, "ok")
    return redirect(
        url_for(
            "programme.week", week=week, _anchor=f"o-{start.astimezone(ctx.settings.tz):%Y%m%d%H%M}"
        )
    ), 303
