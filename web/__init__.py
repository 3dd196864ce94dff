"""The web page (Flask): officers upload and listen, leaders approve, the Office pulls the log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, flash, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from broadcaster.clock import Clock, utc_now
from broadcaster.config import Settings
from broadcaster.enums import label_vi
from broadcaster.station import open_station


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
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config.update(test_config or {})
    app.extensions["broadcaster"] = station
    app.extensions["broadcaster.clock"] = clock
    CSRFProtect(app)

    from . import auth, log, programme, scripts, status

    app.register_blueprint(auth.bp)
    app.register_blueprint(scripts.bp)
    app.register_blueprint(programme.bp)
    app.register_blueprint(log.bp)
    app.register_blueprint(status.bp)
    app.teardown_appcontext(_close_session)
    app.add_template_filter(_local_time, "local")
    app.add_template_filter(label_vi, "label")

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[Response, int]:
        """A form sent without a valid token: say so and go back."""
        flash("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng thử lại.", "error")
        return redirect(request.referrer or url_for("scripts.index")), 303

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> tuple[str, int]:
        """A page or record that does not exist."""
        message = getattr(error, "description", "") or "Không tìm thấy trang."
        return render_template("error.html", message=message), 404

    @app.errorhandler(413)
    def too_large(_error: HTTPException) -> tuple[Response, int]:
        """An upload over the size limit."""
        flash("Tệp tải lên quá lớn (tối đa 5 MB). Hãy chia nhỏ bản tin.", "error")
        return redirect(url_for("scripts.index")), 303

    return app


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
