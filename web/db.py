"""One database session per request, closed at teardown."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from broadcaster.clock import Clock
from broadcaster.station import Station


def station() -> Station:
    """The installation this app serves."""
    return current_app.extensions["broadcaster"]


def session() -> Session:
    """This request's session."""
    if "db" not in g:
        g.db = station().sessions()
    return g.db


def station_clock() -> Clock:
    """The app's clock (injected so tests control time)."""
    return current_app.extensions["broadcaster.clock"]
