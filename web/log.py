"""The airing log with filters, and the Office's report download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, render_template, request

from broadcaster.enums import Outcome, labels_vi
from broadcaster.errors import BroadcasterError
from broadcaster.services import records

from .auth import login_required
from .db import services
from .messages import vietnamese
from .scripts import page_number

bp = Blueprint("log", __name__, url_prefix="/log")


def _period() -> records.Period:
    """The chosen days (default: this month so far); bad dates fall back with a message."""
    try:
        return records.period(services(), request.args.get("from"), request.args.get("to"))
    except BroadcasterError as exc:
        flash(vietnamese(exc) + " Đang hiển thị tháng này.", "error")
        return records.period(services(), None, None)


def _outcome() -> Outcome | None:
    raw = request.args.get("outcome", "")
    return Outcome(raw) if raw in set(Outcome) else None


PAGE_SIZE = 200  # rows a page of the log shows


@bp.route("/")
@login_required()
def index() -> str:
    """Show the airing log for a period, optionally one outcome only, a page at a time."""
    page = page_number()
    days = _period()
    outcome = _outcome()
    quarter_start = days.end.replace(month=(days.end.month - 1) // 3 * 3 + 1, day=1)
    found = records.airing_log(services(), days, outcome)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    args = {"from": days.start.isoformat(), "to": days.end.isoformat(), "outcome": outcome or ""}
    return render_template(
        "log.html", records=shown, total=len(found), page=page, pages=pages, args=args,
        start=days.start, end=days.end, outcome=outcome or "", outcomes=labels_vi(Outcome),
        quarter_start=quarter_start,
    )  # fmt: skip


@bp.route("/report.csv")
@login_required("office", "leader", "officer")
def report_csv() -> Response:
    """The report for the chosen period as a CSV file Excel opens; bad days are a 400 page.

    A download cannot show a message, so it never falls back to another period."""
    try:
        days = records.period(services(), request.args.get("from"), request.args.get("to"))
    except BroadcasterError as exc:
        abort(400, vietnamese(exc))
    made = records.office_report(services(), days)
    return Response(
        made.body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={made.name}"},
    )
