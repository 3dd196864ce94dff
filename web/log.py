"""The airing log with filters, the Office's report page, and the report downloads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)  # fmt: skip
from werkzeug.wrappers import Response as BaseResponse

from broadcaster.enums import Outcome, labels_vi
from broadcaster.errors import BroadcasterError
from broadcaster.services import log_pages, reports
from broadcaster.services.reports import Period, Summary, kind_vi, month_vi, topic_vi

from .auth import login_required
from .cache import HeadCache
from .chart import month_topic_svg
from .db import services
from .messages import vietnamese
from .script_list import page_number

bp = Blueprint("log", __name__, url_prefix="/log")
REPORT_ROLES = ("office", "leader", "officer")
FORMAT_LABELS = {"xlsx": "Excel (.xlsx)", "docx": "Word (.docx)", "csv": "CSV", "json": "JSON"}
# Summaries by (database, period, cut-off, chain head, plan file state): a new airing moves
# the head, so a cached summary is never stale. Kept small: a few periods are looked at.
_summaries: HeadCache[Summary] = HeadCache(16)
# Row counts of the log's filters, by (database, bounds, outcome, chain head): counting a
# year of a province's airings is most of the page's time.
_counts: HeadCache[int] = HeadCache(64)
# The first key of a page asked for by its number alone (a kept link), by the count's key and
# the number: finding it walks the index up to that page.
_starts: HeadCache[log_pages.LogKey | None] = HeadCache(256)


def _period() -> Period:
    """The chosen days (default: this month so far); bad dates fall back with a message."""
    try:
        return reports.period(services(), request.args.get("from"), request.args.get("to"), True)
    except BroadcasterError as exc:
        flash(vietnamese(exc) + " Đang hiển thị tháng này.", "error")
        return reports.period(services(), None, None)


def _outcome() -> Outcome | None:
    raw = request.args.get("outcome", "")
    return Outcome(raw) if raw in set(Outcome) else None


PAGE_SIZE = 200  # rows a page of the log shows


def _asked() -> log_pages.PageAsked:
    """The page a link asks for: ?page= and the row it follows (?after=) or precedes
    (?before=); anything but a whole number is a 400 page."""
    keys = {}
    for name in ("after", "before"):
        raw = request.args.get(name, "").strip()
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            abort(400, f"Địa chỉ trang “{raw[:40]}” không hợp lệ: hãy dùng các nút chuyển trang.")
        keys[name] = int(raw) if raw else None
    return log_pages.PageAsked(page_number(), **keys)


@bp.route("/")
@login_required()
def index() -> str:
    """Show the airing log for a period, optionally one outcome only, a page at a time."""
    asked = _asked()
    days = _period()
    outcome = _outcome()
    # The reporting quarter (with the cut-off day) the last chosen day belongs to.
    ctx = services()
    quarter_start = reports.reporting_quarter(ctx, days).start
    view = (ctx.settings.db_url, days.start, days.end, outcome, reports.chain_head(ctx))
    total = _counts.get(view, lambda: log_pages.airing_count(ctx, days, outcome))

    def start_of(number: int) -> log_pages.LogKey | None:
        return _starts.get(
            (*view, number),
            lambda: log_pages.page_start(ctx, days, outcome, number, PAGE_SIZE),
        )

    shown = log_pages.log_page(ctx, days, outcome, asked, PAGE_SIZE, total, start_of)
    args = {"from": days.start.isoformat(), "to": days.end.isoformat(), "outcome": outcome or ""}
    silent = reports.unconfirmed(ctx, days) if shown.number == 1 else []
    return render_template(
        "log.html", records=shown.records, unconfirmed=silent, total=total, shown=shown,
        page=shown.number, pages=shown.pages, args=args,
        start=days.start, end=days.end, outcome=outcome or "", outcomes=labels_vi(Outcome),
        quarter_start=quarter_start, kind_vi=kind_vi,
    )  # fmt: skip


@bp.route("/report.csv")
@login_required(*REPORT_ROLES)
def report_csv() -> Response:
    """The report for the chosen period as a CSV file Excel opens; bad days are a 400 page.

    A download cannot show a message, so it never falls back to another period. A GET
    writes nothing: the chain is verified since the checkpoint, which stays where it was."""
    try:
        days = reports.period(services(), request.args.get("from"), request.args.get("to"), True)
    except BroadcasterError as exc:
        abort(400, vietnamese(exc))
    try:
        made = reports.office_report(services(), days, "csv", record=False)
    except BroadcasterError as exc:  # the commune has no name yet
        abort(409, vietnamese(exc))
    return _download(made)


def _download(made: reports.ReportFile) -> Response:
    """The file streamed from its temporary file, which is closed (deleted) once sent."""
    extension = made.name.rsplit(".", 1)[-1]
    return Response(
        _pieces(made.file),
        mimetype=reports.MIMETYPES[extension],
        headers={
            "Content-Disposition": f"attachment; filename={made.name}",
            "Content-Length": str(os.fstat(made.file.fileno()).st_size),
        },
    )


def _pieces(file: IO[bytes]) -> Iterator[bytes]:
    """`file` in pieces of 1 MB; closed when the last is sent or the download is cut off (the
    server closes the response, which closes this generator)."""
    with file:
        file.seek(0)
        while piece := file.read(1 << 20):
            yield piece


def _chosen(source: dict[str, str]) -> Period:
    """The period named in a form or query (`period`, or `from` and `to`); 400 if wrong."""
    try:
        return reports.choose_period(
            services(), source.get("period"), source.get("from"), source.get("to"), True
        )
    except BroadcasterError as exc:
        abort(400, vietnamese(exc))


def _summary(days: Period, samples: bool) -> Summary:
    ctx = services()
    return _summaries.get(
        (*reports.summary_key(ctx, days), samples),
        lambda: reports.report_summary(ctx, days, samples=samples),
    )


@bp.route("/report")
@login_required(*REPORT_ROLES)
def report_page() -> str:
    """The Office's report for a period: summary, chart and plan coverage, then downloads."""
    ctx = services()
    today = ctx.now().astimezone(ctx.settings.tz).date()
    samples = request.args.get("samples") == "1"
    args = {k: v for k, v in request.args.items() if v and k != "samples"}
    if not args:
        args = {"period": f"{today.year}-Q{(today.month - 1) // 3 + 1}"}
    try:
        days = reports.choose_period(
            ctx, args.get("period"), args.get("from"), args.get("to"), True
        )
    except BroadcasterError as exc:
        flash(vietnamese(exc), "error")
        days = reports.named_period(ctx, str(today.year))
    try:
        summary = _summary(days, samples)
    except BroadcasterError as exc:  # a plan file the town wrote wrong
        flash(vietnamese(exc), "error")
        summary = reports.report_summary(ctx, days, with_plan=False, samples=samples)
    saved = reports.last_checkpoint(ctx)
    head = reports.chain_head(ctx)
    return render_template(
        "report.html", summary=summary, days=days, chart=month_topic_svg(summary),
        names=reports.period_names(today.year) + reports.period_names(today.year - 1), formats=FORMAT_LABELS,
        month_vi=month_vi, topic_vi=topic_vi, kind_vi=kind_vi, saved=saved, head=head,
        samples=samples,
    )  # fmt: skip


@bp.route("/report/download", methods=["POST"])
@login_required(*REPORT_ROLES)
def report_download() -> Response:
    """The report file (or the evidence pack) of the period in the form; verifies what is new."""
    days = _chosen(request.form.to_dict())
    fmt = request.form.get("format", "")
    samples = request.form.get("samples") == "1"
    if fmt != "pack" and fmt not in reports.FORMATS:
        abort(400, "Định dạng tệp không hợp lệ.")
    try:
        if fmt == "pack":
            return _download(reports.evidence_pack(services(), days, samples=samples))
        return _download(reports.office_report(services(), days, fmt, samples=samples))
    except BroadcasterError as exc:  # the commune has no name yet
        abort(409, vietnamese(exc))


@bp.route("/report/verify", methods=["POST"])
@login_required(*REPORT_ROLES)
def report_verify() -> BaseResponse:
    """Walk the whole hash chain now, and say the result."""
    ctx = services()
    checked = reports.check_log(ctx, full=True)
    flash(checked.vietnamese(ctx.settings.tz), "ok" if checked.ok else "error")
    back = {k: v for k, v in request.form.items() if k in ("period", "from", "to") and v}
    return redirect(url_for("log.report_page") + ("?" + urlencode(back) if back else ""))
