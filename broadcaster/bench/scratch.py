"""A throwaway installation for a benchmark: a folder, its schedule, and a few approved bulletins
rendered with the offline voice."""

from __future__ import annotations

from pathlib import Path

from broadcaster.clock import utc_now
from broadcaster.config import load_settings
from broadcaster.services.station import Station


def scratch_station(folder: Path, slots_toml: str, scripts: int) -> Station:
    """A throwaway installation in `folder` with `scripts` short approved, rendered bulletins."""
    from broadcaster.intake.parse import parse_script
    from broadcaster.services.context import Context
    from broadcaster.services.scripts import add_scripts, approve_script
    from broadcaster.services.station import initialise, open_station
    from broadcaster.sound.render import make_engines, render_script

    (folder / "schedules").mkdir()
    (folder / "schedules" / "bench.toml").write_text(slots_toml, encoding="utf-8")
    settings = load_settings(folder, environ={}, overrides={"engine": "espeak"})
    now = utc_now()
    initialise(settings, "bench-password", now)
    station = open_station(settings)
    with station.sessions() as session:
        ctx = Context(settings, session, clock=lambda: now)
        for n in range(scripts):
            item = parse_script(f"Bản tin thử số {n + 1}.".encode(), "bench.txt", topic="a")
            (script,) = add_scripts(ctx, [item], "bench")
            approve_script(ctx, script.id, "admin")
            render_script(session, script, make_engines("espeak", settings), settings, now)
        session.commit()
    return station
