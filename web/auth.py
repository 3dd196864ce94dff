"""Log in and out; `login_required(role, ...)` guards every view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from broadcaster.db import User
from broadcaster.enums import Role
from broadcaster.users import authenticate

from .db import session as db_session

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_user() -> None:
    """Put the logged-in user (or None) on g."""
    user_id = session.get("user_id")
    g.user = db_session().get(User, user_id) if user_id else None


def login_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Require a logged-in user; with roles, one of them (admin may do everything)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R | Response]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if g.user is None:
                flash("Vui lòng đăng nhập để tiếp tục.", "error")
                here = request.full_path if request.query_string else request.path
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
    """Show the login form and check the password."""
    if request.method == "POST":
        name = request.form.get("name", "")
        password = request.form.get("password", "")
        # a NUL is no one's name, and PostgreSQL refuses it in a query
        user = None if "\x00" in name else authenticate(db_session(), name, password)
        if user is None:
            flash("Tên đăng nhập hoặc mật khẩu không đúng. Vui lòng nhập lại.", "error")
            return login_page(name), 401
        session.clear()
        session["user_id"] = user.id
        flash(f"Xin chào {user.name}.", "ok")
        return redirect(local_path(request.args.get("next")) or url_for("scripts.index"))
    return login_page()


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Forget the logged-in user."""
    session.clear()
    flash("Bạn đã đăng xuất.", "ok")
    return redirect(url_for("auth.login"))
