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
from .rules import skipped_marks

bp = Blueprint("programme", __name__, url_prefix="/programme")

WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
ARRANGERS = ("officer", "admin")
# Who may put an emergency bulletin into a routine slot, after confirming it (not officers).
LEADERS = ("leader", "admin")


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
        return planning.chosen_week(services(), raw) if raw else None
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
        placing=g.user.role in LEADERS, slot_seconds=planning.slot_seconds, clock=clock_vi,
        holidays=planning.holidays_of(days), replaced=planned.replaced,
        skipped=skipped_marks(planned.skipped, tz),
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


def _start() -> datetime:
    """The occurrence's start the form names (an ISO time with its offset); else a 400 page."""
    try:
        start = datetime.fromisoformat(request.values.get("start", ""))
    except ValueError:
        abort(400, "Thời điểm của buổi phát không hợp lệ.")
    if start.tzinfo is None:
        abort(400, "Thời điểm của buổi phát không hợp lệ.")
    return start


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
    start = _start()
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
    return _to_occurrence(week, start)


def _to_occurrence(week: str | None, start: datetime) -> tuple[Response, int]:
    """Back to the week grid, at the occurrence just changed."""
    anchor = f"o-{start.astimezone(services().settings.tz):%Y%m%d%H%M}"
    return redirect(url_for("programme.week", week=week, _anchor=anchor)), 303


def _emergency_choice() -> tuple[str, datetime, planning.Arrangeable]:
    """The slot, the occurrence's start and the approved, rendered emergency bulletin the
    request names; a bulletin that is not one is a 404 page."""
    raw = request.values.get("script", "")
    found = [
        choice
        for choice in planning.arrangeable(services())
        if choice.emergency and raw.isascii() and raw.isdigit() and choice.script_id == int(raw)
    ]
    if not found:
        abort(404, "Không có bản tin khẩn cấp đã duyệt và có âm thanh mang số này.")
    return request.values.get("slot", ""), _start(), found[0]


@bp.route("/emergency")
@login_required(*LEADERS)
def emergency_confirm() -> str | tuple[Response, int]:
    """Say what putting an emergency bulletin into a routine slot does, before a leader confirms."""
    slot, start, chosen = _emergency_choice()
    week = _week_arg()
    ctx = services()
    try:
        occurrence = planning.coming_occurrence(ctx, slot, start)
    except BroadcasterError as exc:
        flash(vietnamese(exc), "error")
        return _to_occurrence(week, start)
    local = occurrence.start.astimezone(ctx.settings.tz)
    return render_template(
        "programme_emergency.html", chosen=chosen, slot=occurrence.slot, start=occurrence.start,
        when=f"{local:%H:%M} {WEEKDAYS_VI[local.weekday()]} {local:%d/%m/%Y}", week=week,
        held=planning.slot_entries(ctx, slot, occurrence.start), clock=clock_vi,
    )  # fmt: skip


@bp.route("/emergency", methods=["POST"])
@login_required(*LEADERS)
def emergency() -> tuple[Response, int]:
    """Put an emergency bulletin first in a routine slot, once a leader has ticked the box."""
    slot, start, chosen = _emergency_choice()
    week = _week_arg()
    if request.form.get("confirmed") != "yes":
        flash("Hãy đánh dấu ô xác nhận trước khi đưa bản tin khẩn cấp vào khung giờ.", "error")
        return redirect(
            url_for(
                "programme.emergency_confirm", week=week, slot=slot, start=start.isoformat(),
                script=chosen.script_id,
            )
        ), 303  # fmt: skip
    ctx = services()
    try:
        planning.add_emergency(ctx, slot, start, chosen.script_id, g.user.name)
    except BroadcasterError as exc:
        ctx.session.rollback()
        flash(vietnamese(exc), "error")
        return _to_occurrence(week, start)
    flash(
        f"Đã đưa bản tin khẩn cấp “{chosen.title}” vào đầu khung giờ {slot} lúc "
        f"{start.astimezone(ctx.settings.tz):%H:%M %d/%m/%Y}. Buổi phát này được giữ nguyên khi "
        f"lập lại chương trình. Đã ghi lại việc này với tên người xác nhận: {g.user.name}.",
        "ok",
    )
    return _to_occurrence(week, start)
