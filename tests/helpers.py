"""Small builders shared by the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from broadcaster.ingest import parse_script
from broadcaster.services import audio, scripts
from broadcaster.services.context import Context
from broadcaster.services.planning import install_slots
from broadcaster.slots import SlotDef
from broadcaster.station import Station


@contextmanager
def services(station: Station, now: datetime) -> Iterator[Context]:
    """A service context over a fresh session whose clock stands still at `now`."""
    with station.sessions() as session:
        yield Context(station.settings, session, lambda: now)


def add_draft(
    station: Station,
    now: datetime,
    body: str,
    *,
    topic: str = "c",
    week: str | None = None,
    title: str | None = None,
) -> int:
    """Add one draft script through the service layer; return its id."""
    item = parse_script(body.encode(), "t.txt", title=title, topic=topic, week=week)
    with services(station, now) as ctx:
        (script,) = scripts.add_scripts(ctx, [item], "test")
        return script.id


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
    script_id = add_draft(station, now, body, topic=topic, week=week, title=title)
    with services(station, now) as ctx:
        scripts.approve_script(ctx, script_id, "Chủ tịch")
        audio.render_one(ctx, script_id, "espeak")
    return script_id


def use_slots(station: Station, slots: list[SlotDef]) -> None:
    """Install `slots` as the daemon's slots, as `broadcaster run` does when it starts."""
    with station.sessions() as session:
        install_slots(session, slots)
        session.commit()


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
