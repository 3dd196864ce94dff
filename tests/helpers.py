"""Small builders shared by the tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from broadcaster.intake.parse import parse_script
from broadcaster.programme.slots import SlotDef, load_slots
from broadcaster.services import audio, scripts
from broadcaster.services.context import Context
from broadcaster.services.planning import install_slots
from broadcaster.services.station import Station
from broadcaster.sound.render import cache_key, make_engines, normaliser_for
from broadcaster.sound.voices import EngineUnavailable, Speech
from broadcaster.store.db import Rendering, Script


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
        render_shared(ctx, script_id)
    return script_id


# Rendered audio shared by every test in the session, by cache key: the same words with the
# same settings make the same file, so only the first test that needs it pays for it.
_SHARED_AUDIO: dict[str, tuple[bytes, Rendering]] = {}


def render_shared(ctx: Context, script_id: int) -> None:
    """Render with the offline voice, or copy the file and row a test already made (same key)."""
    script = ctx.session.get_one(Script, script_id)
    engine = make_engines("espeak", ctx.settings)[0]
    key = cache_key(normaliser_for(ctx.settings)(script.body), engine, ctx.settings)
    if key not in _SHARED_AUDIO:
        result = audio.render_one(ctx, script_id, "espeak")
        made = ctx.session.get_one(Rendering, result.rendering_id)
        _SHARED_AUDIO[key] = (result.audio_path.read_bytes(), made)
        return
    data, made = _SHARED_AUDIO[key]
    path = ctx.settings.var_path / made.audio_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    copy = {
        column: getattr(made, column)
        for column in ("cache_key", "engine", "voice", "spoken_text", "audio_path", "duration_s",
                       "sha256", "loudness_lufs", "true_peak_dbtp", "created_at")
    }  # fmt: skip
    ctx.session.add(Rendering(script_id=script.id, content_hash=script.content_hash, **copy))
    ctx.session.commit()


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
    if args and args[0] == "run":
        import_slot_files(project, database_url)
    return subprocess.run(
        [sys.executable, "-m", "broadcaster.cli", *args],
        cwd=project, env=cli_env(database_url), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def approved_bulletins(project: Path, database_url: str | None, *texts: str) -> None:
    """A station with `texts` as approved, rendered bulletins 1, 2, … (real CLI processes)."""
    steps: list[tuple[str, ...]] = [
        ("init", "--admin-password", "admin-pass-1"),
        ("users", "add", "Chủ tịch", "--role", "leader"),
    ]
    for number, words in enumerate(texts, start=1):
        (project / f"{number}.txt").write_text(words, encoding="utf-8")
    steps.append(
        ("scripts", "add", *(f"{n}.txt" for n in range(1, len(texts) + 1)), "--topic", "a")
    )
    steps += [("scripts", "approve", str(n), "--by", "Chủ tịch") for n in range(1, len(texts) + 1)]
    steps.append(("render", "--all"))
    for args in steps:
        result = run_cli(project, database_url, *args)
        assert result.returncode == 0, (args, result.stderr)


def begun_slot_file(project: Path, tz: ZoneInfo, seconds_ago: float, minutes: int = 5) -> datetime:
    """Replace the town's slots with one that began `seconds_ago`; return its start (UTC).

    A daemon that starts inside the slot's grace airs it whenever it is ready, so the
    test needs no lead on the wall clock, however busy the machine is.
    """
    start = (datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)).replace(microsecond=0)
    for old in (project / "schedules").glob("*.toml"):
        old.unlink()
    (project / "schedules" / "test.toml").write_text(
        f'[[slot]]\nname = "Thử"\nstart = "{start.astimezone(tz):%H:%M:%S}"\nminutes = {minutes}\n',
        encoding="utf-8",
    )
    (project / SLOTS_TO_IMPORT).touch()  # the database is the source: imported before `run`
    return start


SLOTS_TO_IMPORT = "slots-to-import"


def import_slot_files(project: Path, database_url: str | None) -> None:
    """Make the project's slot files the station's slots, when a test just wrote them, as
    `broadcaster slots import` does (before a real daemon starts; nothing before `init`)."""
    marker = project / SLOTS_TO_IMPORT
    database = project / "var" / "broadcaster.db"
    if not marker.exists() or (database_url is None and not database.exists()):
        return
    engine = create_engine(database_url or f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            install_slots(session, load_slots(project / "schedules"))
            session.commit()
    finally:
        engine.dispose()
    marker.unlink()


def airing_rows(project: Path, database_url: str | None) -> list[dict[str, object]]:
    """The airing table as dicts, read straight from the database a real daemon writes."""
    engine = create_engine(database_url or f"sqlite:///{project / 'var' / 'broadcaster.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM airing ORDER BY id"))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def wait_for(condition: Callable[[], object], what: str, limit: float = 180.0) -> None:
    """Poll until `condition()` holds; the limit only turns a hang into a failure."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.2)


@contextmanager
def running_daemon(
    project: Path, database_url: str | None, *args: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    """`broadcaster run ARGS` as a real process, yielded once it says it is ready.

    `env` adds variables (a fault point). It runs in its own process group, which is
    killed in `finally` with every player it started, whatever the test did.
    """
    import_slot_files(project, database_url)
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "broadcaster.cli", "run", *args],
        cwd=project, env=cli_env(database_url) | (env or {}), stdout=subprocess.PIPE,
        stderr=log, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Daemon ready"):
                break
        else:
            log.seek(0)
            raise AssertionError(f"the daemon stopped before it was ready: {log.read()}")
        yield process
    finally:
        try:  # the daemon, if still there, and any player or hook it left behind
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
        log.close()


def stop_daemon(process: subprocess.Popen[str]) -> str:
    """SIGTERM the daemon as a service manager would; return what it printed after ready."""
    process.send_signal(signal.SIGTERM)
    assert process.stdout is not None
    out = process.stdout.read()
    process.wait()
    return out


def planned_entries(project: Path, database_url: str | None = None) -> int:
    """How many programme entries the station's database holds (has the daemon planned yet?)."""
    engine = create_engine(database_url or f"sqlite:///{project / 'var' / 'broadcaster.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM programme_entry")).scalar_one())
    finally:
        engine.dispose()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The real app behind the real WSGI server (waitress) on a free loopback port: its address."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    closing = threading.Event()

    def run() -> None:  # closing the sockets ends the loop's wait with EBADF: that is the stop
        try:
            server.run()
        except OSError:
            if not closing.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        closing.set()
        server.close()
        thread.join(timeout=5)
        app.extensions["broadcaster.renders"].shutdown()
        app.extensions["broadcaster"].engine.dispose()


class Mute:
    """A voice that cannot speak today (an offline engine, a network down)."""

    name, voice = "espeak", "vi"

    def start_bulletin(self) -> None:
        pass

    def synthesise(self, text: str) -> Speech:
        raise EngineUnavailable("no voice today")


def log_in(page, server: str, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Log a Chromium page in through the login form and wait for the script list."""
    page.goto(server + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Bản tin tuyên truyền")


def policy_refusals(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What the Content-Security-Policy refuses on a Chromium page, as the console says it."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused
