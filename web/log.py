"""The airing log with filters, and the Office's report download."""

from __future__ import annotations

from datetime import date

from broadcaster.web.auth import login_required
from broadcaster.web.db import session, station, station_clock
from flask import Blueprint, Response, flash, render_template, request

from broadcaster import evidence, ledger, report
from broadcaster.evidence import OUTCOME_LABELS_VI

bp = Blueprint("log", __name__, url_prefix="/log")


def _period() -> tuple[date, date]:
    """The chosen days (default: this month so far); bad dates fall back with a message."""
    tz = station().settings.tz
    today = station_clock()().astimezone(tz).date()
    try:
        start = date.fromisoformat(request.args.get("from") or today.replace(day=1).isoformat())
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        flash("Ngày không hợp lệ (dạng đúng: 2024-03-31); đang hiển thị tháng này.", "error")
        return today.replace(day=1), today
    if end < start:
        flash("Ngày kết thúc đứng trước ngày bắt đầu; đã đổi chỗ hai ngày.", "error")
        start, end = end, start
    return start, end


def _records(start: date, end: date) -> list[evidence.AiringRecord]:
    tz = station().settings.tz
    records = evidence.airings_between(session(), *evidence.local_day_range(start, end, tz), tz)
    outcome = request.args.get("outcome")
    return [r for r in records if r.outcome == outcome] if outcome else records


@bp.route("/")
@login_required()
def index():  # type: ignore[no-untyped-def]
    """Show the airing log for a period, optionally one outcome only."""
    start, end = _period()
    return render_template(
        "log.html", records=_records(start, end), start=start, end=end,
        outcome=request.args.get("outcome", ""), outcomes=OUTCOME_LABELS_VI,
        quarter_start=_quarter_start(end),
    )  # fmt: skip


def _quarter_start(day: date) -> date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


@bp.route("/report.csv")
@login_required("office", "leader", "officer")
def report_csv():  # type: ignore[no-untyped-def]
    """The report for the chosen period as a CSV file Excel opens."""
    start, end = _period()
    title = f"Báo cáo phát thanh tuyên truyền CCHC từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"
    verdict = ledger.verify(session(), station().settings.var_path / "ledger")
    body = report.report_csv(_records(start, end), title, verdict)
    name = f"bao-cao-phat-thanh-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
