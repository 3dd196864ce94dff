"""The station's health: daemon alive, what airs next, last outcomes, problems, disk space."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, render_template

from broadcaster.services.health import check_health

from .auth import login_required
from .db import services

bp = Blueprint("status", __name__, url_prefix="/status")

# A daemon that stops cleanly gives its lease up by writing a heartbeat of 01/01/2000
# (lease.release), so the next one can start at once: that is "stopped", not a last signal.
RELEASED_BEFORE = datetime(2001, 1, 1, tzinfo=timezone.utc)


@bp.route("/")
@login_required()
def index() -> str:
    """Show the station's health (reads only)."""
    health = check_health(services())
    released = health.heartbeat_at is not None and health.heartbeat_at < RELEASED_BEFORE
    return render_template("status.html", health=health, released=released)
