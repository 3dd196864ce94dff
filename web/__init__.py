"""The web page (Flask): officers upload and listen, leaders approve, the Office pulls the log."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask, flash, g, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.wrappers import Response

from broadcaster import notes
from broadcaster.clock import Clock, utc_now
from broadcaster.config import Settings
from broadcaster.enums import label_vi
from broadcaster.services.accounts import author_vi
from broadcaster.services.background import RenderQueue
from broadcaster.services.recording import MAX_UPLOAD_BYTES
from broadcaster.services.reports import decimal_vi, period_vi, town_banner
from broadcaster.services.scripts import MAX_SCRIPT_BYTES
from broadcaster.services.slots import shown_url
from broadcaster.services.station import open_station

# Bytes a request may carry: an upload route takes a 5 MB file and its form; every other
# form at most 50,000 characters of text (each up to 9 bytes once URL-encoded). Waitress
# itself refuses anything over the largest of them (serving.MAX_BODY).
from .serving import FORM_LIMIT  # noqa: E402
from .serving import open_files_for_connections as open_files_for_connections  # noqa: E402
from .serving import waitress_options as waitress_options  # noqa: E402

# A recorded reading or an uploaded audio file: up to 100 MB (broadcaster.sound.recording).
BODY_LIMITS = {
    "scripts.create": MAX_SCRIPT_BYTES + FORM_LIMIT,
    "recording.save": MAX_UPLOAD_BYTES + FORM_LIMIT,
}
# No inline script or style anywhere: the pages load only their own stylesheet. A recording
# is played back from the browser's memory (a blob: address) before it is sent.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: Flask-WTF checks the Referer of a form sent over HTTPS
    "Referrer-Policy": "same-origin",
}
# The accounts page shows a generated password once; the others are the Office's files.
NO_STORE = {
    "users.index", "users.act", "auth.password", "log.report_csv", "log.report_download",
}  # fmt: skip
ERRORS_VI = {
    400: "Yêu cầu không hợp lệ. Hãy quay lại trang trước và thử lại.",
    404: "Không tìm thấy trang.",
    405: "Trang này không nhận yêu cầu gửi theo cách đó.",
    500: "Phần mềm gặp lỗi khi xử lý yêu cầu. Hãy báo kỹ thuật viên (chi tiết đã ghi vào nhật ký).",
}


def create_app(
    settings: Settings,
    test_config: dict[str, Any] | None = None,
    clock: Clock = utc_now,
) -> Flask:
    """Build the web app for one installation; it never starts a scheduler."""
    app = Flask(__name__)
    station = open_station(settings)
    app.config.update(
        SECRET_KEY=station.secret_key(),
        MAX_CONTENT_LENGTH=FORM_LIMIT,
        MAX_FORM_MEMORY_SIZE=FORM_LIMIT,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web_secure_cookie == "on",
    )
    app.config.update(test_config or {})
    app.extensions["broadcaster"] = station
    app.extensions["broadcaster.clock"] = clock
    app.extensions["broadcaster.proxies"] = settings.trusted_proxies()
    app.extensions["broadcaster.renders"] = RenderQueue(settings, station.sessions, clock)

    from . import auth, log, programme, recording, script_list, scripts, slots, status, users
    from . import rules as _rules  # noqa: F401  (its routes join the slots page's blueprint)

    # Before-request order matters: the size limit before anything reads the body, the
    # user before the CSRF check, so a refused form can come back with what was typed.
    app.before_request(_limit_body)
    app.register_blueprint(auth.bp)
    app.register_blueprint(scripts.bp)
    app.register_blueprint(programme.bp)
    app.register_blueprint(slots.bp)
    app.register_blueprint(log.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(recording.bp)
    CSRFProtect(app)
    app.after_request(_security_headers)
    app.after_request(script_list.forget_counts_after_writes)
    app.teardown_appcontext(_close_session)
    app.add_template_filter(_local_time, "local")
    app.add_template_filter(label_vi, "label")
    app.add_template_filter(notes.vietnamese, "note")
    app.add_template_filter(author_vi, "author")
    app.add_template_filter(week_vi, "week")
    app.add_template_filter(duration_vi, "duration")
    app.add_template_filter(decimal_vi, "num")
    app.add_template_filter(period_vi, "period")
    app.add_template_filter(shown_url, "shown_url")  # a stream's address without credentials
    app.context_processor(lambda: {"town_banner": town_banner(settings)})
    _handle_errors(app)
    return app


def _handle_errors(app: Flask) -> None:
    """Every refusal and fault becomes a Vietnamese page or a form shown again."""
    from . import forms, recording

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str | Response, int]:
        """A form sent without a valid token: its page again, with what was typed."""
        flash(
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Nội dung vừa nhập vẫn còn "
            "dưới đây; hãy kiểm tra rồi gửi lại.",
            "error",
        )
        return forms.form_again()

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: HTTPException) -> tuple[Response, int]:
        """A request over its route's size limit."""
        if request.endpoint == "recording.save":
            if recording.wants_json():  # the page's script shows it beside the form it keeps
                return jsonify(error=recording.TOO_LARGE_VI), 413
            flash(recording.TOO_LARGE_VI, "error")
            # ?script= is in the form's address: the body, too large, is never read
            script = request.args.get("script", "")
            return redirect(url_for("recording.page", script=script or None)), 303
        flash(
            f"Nội dung gửi lên quá lớn (tệp tối đa {MAX_SCRIPT_BYTES // 1_000_000} MB, nội dung bản tin "
            "tối đa 50000 ký tự). Hãy chia nhỏ bản tin.",
            "error",
        )
        return forms.form_page(), 303

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        """Any other refusal as a Vietnamese page; a message given to abort() is kept."""
        code = error.code or 500
        given = error.description if error.description != type(error).description else None
        message = given or ERRORS_VI.get(code, f"Không thực hiện được yêu cầu (mã {code}).")
        return render_template("error.html", message=message), code

    @app.errorhandler(InternalServerError)
    def server_error(_error: InternalServerError) -> tuple[str, int]:
        """A fault in the program: a Vietnamese page; the traceback goes to the log."""
        g.user = None  # the page must render even when the fault was the database
        return render_template("error.html", message=ERRORS_VI[500]), 500


def _limit_body() -> None:
    """Set this route's limit on the request body before anything reads it."""
    request.max_content_length = BODY_LIMITS.get(request.endpoint or "", FORM_LIMIT)


def _security_headers(response: Response) -> Response:
    """Every response: a strict content policy, no framing, no sniffing, a same-site referrer;
    pages that show a secret (a one-time password) and report downloads are never stored."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint in NO_STORE:
        response.headers["Cache-Control"] = "no-store"
    return response


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def _local_time(moment: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """Show a UTC time in the radio's local time."""
    from flask import current_app

    if moment is None:
        return ""
    return moment.astimezone(current_app.extensions["broadcaster"].settings.tz).strftime(fmt)


def week_vi(iso_week: str | None) -> str:
    """An ISO week as people here say it: '2026-W48' → 'Tuần 48 (23/11 – 29/11/2026)'.

    The year is written once, at the end, unless the week spans two years."""
    if not iso_week:
        return "mọi tuần"
    try:
        year, number = (int(part) for part in iso_week.split("-W"))
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        return iso_week
    sunday = monday + timedelta(days=6)
    first = f"{monday:%d/%m}" if monday.year == sunday.year else f"{monday:%d/%m/%Y}"
    return f"Tuần {number} ({first} – {sunday:%d/%m/%Y})"


def duration_vi(seconds: float) -> str:
    """A length as people say it: 65.2 → '1 phút 05 giây', 9 → '9 giây', 120 → '2 phút'."""
    minutes, rest = divmod(round(seconds), 60)
    if not minutes:
        return f"{rest} giây"
    return f"{minutes} phút" + (f" {rest:02d} giây" if rest else "")
