"""The station's health: daemon alive, what airs next, last outcomes, problems, disk space."""

from __future__ import annotations

from broadcaster.web.auth import login_required
from broadcaster.web.db import session, station, station_clock
from flask import Blueprint, render_template

from broadcaster.evidence import OUTCOME_LABELS_VI
from broadcaster.health import check_health
from broadcaster.slots import SlotError

bp = Blueprint("status", __name__, url_prefix="/status")


@bp.route("/")
@login_required()
def index():  # type: ignore[no-untyped-def]
    """Show the station's health."""
    try:
        slots = station().load_slots()
    except SlotError as exc:
        return render_template("error.html", message=f"Lịch phát sóng có lỗi: {exc}"), 500
    health = check_health(session(), station().settings, slots, station_clock()())
    return render_template("status.html", health=health, outcomes=OUTCOME_LABELS_VI)
