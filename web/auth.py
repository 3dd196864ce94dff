"""Log in and out; `login_required(role, ...)` guards every view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from broadcaster.enums import Role
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import accounts
from broadcaster.services.station import DEMO_LOGIN_FILE

from .db import services, station, station_clock
from .db import session as db_session
from .devices import client_address, known_device, remember_device
from .messages import vietnamese

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("auth", __name__)
THROTTLED = (Code.LOGIN_SLOWED, Code.LOGIN_ADDRESS_BLOCKED)  # answered 429


@bp.before_app_request
def load_user() -> None:
    """Put the logged-in user (or None) on g; a session that ended is forgotten.

    A session ends when its account logs out anywhere, changes or is given a new
    password, or is disabled (the account's session version changes), and after
    `web_idle_hours` without a request.
    """
    g.user = None
    user_id = session.get("user_id")
    if not user_id:
        return
    user = accounts.user_by_id(services(), user_id)
    now = station_clock()().timestamp()
    idle = now - float(session.get("seen", 0))
    ended = user is None or user.disabled or session.get("v") != user.session_version
    if ended or idle > station().settings.web_idle_hours * 3600:
        session.clear()
        if not ended:
            flash("Phiên làm việc đã hết hạn vì lâu không dùng. Vui lòng đăng nhập lại.", "error")
        return
    session["seen"] = now
    g.user = user


@bp.before_app_request
def require_new_password() -> Response | None:
    """A generated password is changed before anything else."""
    user = g.get("user")
    if user is None or not user.must_change_password:
        return None
    if request.endpoint in ("auth.password", "auth.logout", "static"):
        return None
    flash("Mật khẩu này do hệ thống tạo; hãy đặt mật khẩu của riêng anh/chị trước.", "error")
    return redirect(url_for("auth.password"))


def login_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Require a logged-in user; with roles, one of them (admin may do everything)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R | Response]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if g.user is None:
                here = request.full_path if request.query_string else request.path
                if here != "/":  # the first visit is no mistake: the login page says it all
                    flash("Đăng nhập để mở trang anh/chị vừa chọn.", "info")
                return redirect(url_for("auth.login", next=here))
            if roles and g.user.role not in roles and g.user.role != Role.ADMIN:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.app_errorhandler(403)
def forbidden(_error: HTTPException) -> tuple[str, int]:
    """A user without the right role."""
    return render_template(
        "error.html", message="Tài khoản của bạn không có quyền làm việc này."
    ), 403


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (the login's `next`).

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    "/%09/evil.example" (a tab) and "/\\evil.example" lead off the site: any control
    character or backslash refuses the target, as does anything with a scheme or a host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def login_page(name: str = "") -> str:
    """The login form, the name typed before kept."""
    return render_template("login.html", name=name)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | tuple[str, int] | Response:
    """Show the login form and check the password (throttled: see services.accounts.login)."""
    if request.method == "POST":
        name = request.form.get("name", "")
        password = request.form.get("password", "")
        name = name.replace("\x00", "")  # no one's name, and PostgreSQL refuses it in a query
        try:
            user = accounts.login(services(), name, password, client_address(), known_device(name))
        except BroadcasterError as refused:
            db_session().rollback()
            flash(vietnamese(refused), "error")
            return login_page(name), 429 if refused.code != Code.LOGIN_FAILED else 401
        session.clear()
        session["user_id"], session["v"] = user.id, user.session_version
        session["seen"] = station_clock()().timestamp()
        flash(f"Xin chào {user.name}.", "ok")
        answer = redirect(local_path(request.args.get("next")) or url_for("scripts.index"))
        remember_device(answer, user.name)
        return answer
    return login_page()


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """End the session here and on the server: a copy of the cookie no longer works."""
    if g.user is not None:
        accounts.end_sessions(services(), g.user)
    session.clear()
    flash("Bạn đã đăng xuất.", "ok")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def password() -> str | tuple[str, int] | Response:
    """Change one's own password (required after a generated one); other sessions end."""
    if g.user is None:
        return redirect(url_for("auth.login", next=request.path))
    if request.method == "POST":
        new = request.form.get("new", "")
        if new != request.form.get("again", ""):
            flash("Hai lần nhập mật khẩu mới không giống nhau. Vui lòng nhập lại.", "error")
            return render_template("password.html"), 400
        try:
            accounts.change_password(
                services(), g.user, request.form.get("old", ""), new, client_address(),
                known_device(g.user.name),
            )  # fmt: skip
        except BroadcasterError as refused:
            db_session().rollback()
            flash(vietnamese(refused), "error")
            return render_template("password.html"), 429 if refused.code in THROTTLED else 400
        session["v"] = g.user.session_version  # this session goes on; the others end
        demo = station().settings.var_path / DEMO_LOGIN_FILE
        demo.unlink(missing_ok=True)  # the first password is no longer written down anywhere
        flash("Đã đổi mật khẩu.", "ok")
        return redirect(url_for("scripts.index"))
    return render_template("password.html")
