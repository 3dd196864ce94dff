"""The week's programme as a grid: days across, slots down."""

from __future__ import annotations

from datetime import timedelta

from broadcaster.web.auth import login_required
from broadcaster.web.db import session, station, station_clock
from flask import Blueprint, flash, redirect, render_template, request, url_for

from broadcaster.ingest import ScriptRejected, clean_week
from broadcaster.programme import entries_for, plan_week
from broadcaster.slots import SlotError, iso_week_of, occurrences_between, week_range

bp = Blueprint("programme", __name__, url_prefix="/programme")

WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def _week_arg() -> str:
    tz = station().settings.tz
    try:
        return clean_week(request.values.get("week")) or iso_week_of(station_clock()(), tz)
    except ScriptRejected:
        flash("Tuần không hợp lệ (ví dụ đúng: 2024-W10); đang hiển thị tuần này.", "error")
        return iso_week_of(station_clock()(), tz)


@bp.route("/")
@login_required()
def week():  # type: ignore[no-untyped-def]
    """Show the week's slot occurrences and the bulletins planned in each."""
    settings = station().settings
    tz = settings.tz
    chosen = _week_arg()
    start, end = week_range(chosen, tz)
    try:
        slots = station().load_slots()
    except SlotError as exc:
        return render_template("error.html", message=f"Lịch phát sóng có lỗi: {exc}"), 500
    grid: dict[str, list[tuple[object, list]]] = {slot.name: [] for slot in slots}
    for occurrence in occurrences_between(slots, start, end, tz):
        entries = entries_for(session(), occurrence.slot.name, occurrence.start)
        grid[occurrence.slot.name].append((occurrence, entries))
    days = [(start.astimezone(tz) + timedelta(days=i)).date() for i in range(7)]
    monday = days[0]
    previous_week = iso_week_of(start - timedelta(days=1), tz)
    next_week = iso_week_of(end + timedelta(hours=1), tz)
    return render_template(
        "programme.html", week=chosen, days=days, weekdays=WEEKDAYS_VI, slots=slots, grid=grid,
        monday=monday, previous_week=previous_week, next_week=next_week, tz=tz,
        now=station_clock()(),
    )  # fmt: skip


@bp.route("/plan", methods=["POST"])
@login_required("officer")
def plan():  # type: ignore[no-untyped-def]
    """Plan the week's slots that have not started yet."""
    settings = station().settings
    chosen = _week_arg()
    try:
        slots = station().load_slots()
    except SlotError as exc:
        flash(f"Không lập được chương trình: lịch phát sóng có lỗi ({exc}).", "error")
        return redirect(url_for("programme.week", week=chosen)), 303
    planned = plan_week(session(), slots, chosen, settings.tz, station_clock()())
    session().commit()
    filled = sum(1 for _, entries in planned if entries)
    flash(f"Đã lập chương trình tuần {chosen}: {filled}/{len(planned)} buổi phát có bản tin.", "ok")
    return redirect(url_for("programme.week", week=chosen)), 303
