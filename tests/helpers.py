"""Small builders shared by the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

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


def cli_env(database_url: str | None) -> dict[str, str]:
    """The environment for a real `broadcaster` process: offline voice, the test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    env |= {"BROADCASTER_ENGINE": "espeak", "BROADCASTER_OUTPUT": "file:var/aired"}
    if database_url:
        env["BROADCASTER_DATABASE_URL"] = database_url
    return env


def run_cli(
    project: Path, database_url: str | None, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run `broadcaster ARGS` as its own process in the project folder."""
    return subprocess.run(
        [sys.executable, "-m", "broadcaster.cli", *args],
        cwd=project, env=cli_env(database_url), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
