"""Small builders shared by the tests."""

from __future__ import annotations

from datetime import datetime

from broadcaster.db import Script
from broadcaster.ingest import parse_script
from broadcaster.render import make_engines, render_script
from broadcaster.scripts import add_script, approve_script
from broadcaster.station import Station


def approved_rendered(
    station: Station,
    now: datetime,
    body: str,
    *,
    topic: str = "c",
    week: str | None = None,
    title: str | None = None,
) -> int:
    """Add, approve and render (offline voice) one script; return its id."""
    with station.sessions() as session:
        item = parse_script(body.encode(), "t.txt", title=title, topic=topic, week=week)
        script = add_script(session, item, now, "test")
        approve_script(session, script.id, "Chủ tịch", now)
        render_script(
            session,
            session.get_one(Script, script.id),
            make_engines("espeak", station.settings),
            station.settings,
            now,
        )
        session.commit()
        return script.id
