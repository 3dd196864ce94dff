"""One database session per request, closed at teardown, and the service context over it."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from broadcaster.clock import Clock
from broadcaster.services.context import Context
from broadcaster.services.station import Station


def station() -> Station:
    """The installation this app serves."""
    station: Station = current_app.extensions["broadcaster"]
    return station


def session() -> Session:
    """This request's session."""
    if "db" not in g:
        g.db = station().sessions()
    db: Session = g.db
    return db


def station_clock() -> Clock:
    """The app's clock (injected so tests control time)."""
    clock: Clock = current_app.extensions["broadcaster.clock"]
    return clock


def services() -> Context:
    """The service context for this request: settings, its session, the app's clock, and
    the logged-in person as the actor of the audit trail."""
    user = g.get("user")
    actor = user.name if user is not None else "web:anonymous"
    return Context(station().settings, session(), station_clock(), actor=actor)
