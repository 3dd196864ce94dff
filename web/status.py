"""The station's health: daemon alive, what airs next, last outcomes, problems, disk space."""

from __future__ import annotations

from flask import Blueprint, render_template

from broadcaster.services.health import check_health

from .auth import login_required
from .db import services

bp = Blueprint("status", __name__, url_prefix="/status")


@bp.route("/")
@login_required()
def index() -> str:
    """Show the station's health (reads only)."""
    ctx = services()
    health = check_health(ctx.settings, ctx.session, ctx.now())
    return render_template("status.html", health=health)
