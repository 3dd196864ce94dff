"""The week's programme as a grid: days across, slots down."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from broadcaster.errors import BroadcasterError
from broadcaster.services import planning
from broadcaster.slots import iso_week_of, week_range

from . import week_vi
from .auth import login_required
from .db import services
from .messages import vietnamese

bp = Blueprint("programme", __name__, url_prefix="/programme")

WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


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
    """Show the week's slot occurrences and the bulletins planned in each (reads only)."""
    ctx = services()
    tz = ctx.settings.tz
    planned = planning.week_programme(ctx, _week_arg())
    slots = planning.station_slots(ctx)
    start, end = week_range(planned.week, tz)
    grid: dict[str, list[tuple[object, list[object]]]] = {slot.name: [] for slot in slots}
    for occurrence, entries in planned.occurrences:
        grid[occurrence.slot.name].append((occurrence, list(entries)))
    days = [(start.astimezone(tz) + timedelta(days=i)).date() for i in range(7)]
    return render_template(
        "programme.html", week=planned.week, days=days, weekdays=WEEKDAYS_VI, slots=slots,
        grid=grid, monday=days[0], previous_week=iso_week_of(start - timedelta(days=1), tz),
        next_week=iso_week_of(end + timedelta(hours=1), tz), tz=tz, now=ctx.now(),
        today=ctx.now().astimezone(tz).date(),
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
