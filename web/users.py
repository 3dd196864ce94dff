"""The accounts page (admin only): add people, change roles, reset passwords, disable.

The same use cases as `broadcaster users` (services.accounts); each change is in the
audit trail under the admin's name. A generated password is shown once, on the page
that follows the action, and must be changed at the first login.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from broadcaster.enums import Role
from broadcaster.errors import BroadcasterError
from broadcaster.services import accounts

from .auth import login_required
from .db import services
from .db import session as db_session
from .messages import vietnamese

bp = Blueprint("users", __name__, url_prefix="/users")

ROLE_LABELS = {
    Role.OFFICER: "Cán bộ VH-XH",
    Role.LEADER: "Lãnh đạo",
    Role.OFFICE: "Văn phòng",
    Role.ADMIN: "Quản trị",
}


def _page(issued: accounts.Issued | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "users.html", users=accounts.list_users(services()), roles=ROLE_LABELS, issued=issued,
    ), status  # fmt: skip


@bp.route("/")
@login_required(Role.ADMIN)
def index() -> tuple[str, int]:
    """Every account, with its role and state."""
    return _page()


@bp.route("/", methods=["POST"])
@login_required(Role.ADMIN)
def act() -> tuple[str, int] | Response:
    """One action on the accounts, named by the button that was pressed."""
    form = request.form
    name = form.get("name", "")
    action = form.get("action", "")
    try:
        if action == "add":
            issued = accounts.add_user(services(), name, form.get("role", ""))
            flash(f"Đã thêm tài khoản {issued.user.name}.", "ok")
            return _page(issued)
        if action == "reset":
            issued = accounts.reset_password(services(), name)
            flash(f"Đã cấp mật khẩu mới cho {issued.user.name}.", "ok")
            return _page(issued)
        if action == "role":
            user = accounts.set_role(services(), name, form.get("role", ""))
            flash(f"{user.name} giờ là {ROLE_LABELS[user.role]}.", "ok")
        elif action == "disable":
            user = accounts.disable_user(services(), name)
            flash(
                f"Đã khóa tài khoản {user.name}; mọi phiên đăng nhập của tài khoản đã kết thúc.",
                "ok",
            )
        elif action == "enable":
            user = accounts.enable_user(services(), name)
            flash(f"Đã mở lại tài khoản {user.name}.", "ok")
        else:
            flash("Thao tác không hợp lệ.", "error")
            return _page(status=400)
    except BroadcasterError as refused:
        db_session().rollback()
        flash(vietnamese(refused), "error")
        return _page(status=400)
    return redirect(url_for("users.index"))
