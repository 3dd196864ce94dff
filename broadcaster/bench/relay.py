"""`broadcaster bench relay`: a relay slot on the real daemon against a real Icecast server fed by
ffmpeg with a tone, through a real player command reading the stream as the station's does.

Each round airs the relay slot's occurrence from its start (the daemon's clock is set to the
slot's time when the job runs, then runs on), lets the stream play a second at the player, then
kills the source. Three figures, on the wall clock:
- start delay: the slot's job runs → the player reads the first sample of the stream;
- stall detection: the source is killed → the receiver notices the gap (its log line);
- fallback delay: the source is killed → the player reads the first sample of the fallback
  file (after the retries: three attempts without audio, 2 s apart).
The round then moves the daemon's clock to the slot's end. `--hogs N` runs N CPU hogs.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from broadcaster.bench.cluster_setup import BenchError, free_port
from broadcaster.bench.scratch import scratch_station
from broadcaster.clock import utc_now
from broadcaster.services.station import Station
from broadcaster.sound.audio import ffmpeg_exe

WAIT_LIMIT = 60.0  # a deadline for a step of a round (a hang is reported, not waited out)
PLAYED_S = 1.0  # the stream plays this long at the player before its source is killed
PASSWORD = "bench-source"
MOUNT = "/vov1.mp3"
SLOT = "Tiếp sóng thử"
# The player: it notes the moment it reads the first sample after the WAV header, then reads on.
PLAYER = """import sys, time
stream = open(sys.argv[1], "rb")
stream.read(44)
if stream.read(2):
    open(sys.argv[2], "a").write(f"{time.time():.6f}\\n")
while stream.read(65536):
    pass
"""
# A loopback Icecast for the bench and the tests (tests/icecast.py); {owner} lets root start it
# as the icecast2 user, since Icecast refuses to run as root.
CONFIG = """<icecast>
  <limits><clients>50</clients><sources>10</sources><source-timeout>5</source-timeout>
    <burst-size>8192</burst-size></limits>
  <authentication><source-password>{password}</source-password>
    <admin-user>admin</admin-user><admin-password>{password}</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{folder}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel>
  </logging>
  <security><chroot>0</chroot>{owner}</security>
</icecast>
"""


@dataclass
class RelayFigures:
    """Milliseconds per round: slot time → first sample, stop → noticed, stop → fallback."""

    rounds: int
    start_ms: list[float] = field(default_factory=list)
    stall_ms: list[float] = field(default_factory=list)
    fallback_ms: list[float] = field(default_factory=list)


def _wait(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise BenchError(f"gave up waiting for {what}")
        time.sleep(0.005)


@dataclass
class _Server:
    """A running Icecast server and its source."""

    port: int
    source: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{MOUNT}"

    def feed(self) -> None:
        """Start a source streaming a tone in real time; return once listeners hear it."""
        self.source = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
             "-i", "sine=frequency=440:sample_rate=44100", "-c:a", "libmp3lame", "-b:a", "64k",
             "-content_type", "audio/mpeg", "-f", "mp3",
             f"icecast://source:{PASSWORD}@127.0.0.1:{self.port}{MOUNT}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(self._answers, "the Icecast mount")

    def _answers(self) -> bool:
        if self.source is not None and self.source.poll() is not None:
            raise BenchError(f"the ffmpeg source ended (exit code {self.source.returncode})")
        try:
            with urllib.request.urlopen(self.url, timeout=2) as answer:  # noqa: S310
                return bool(answer.read(1024))
        except urllib.error.HTTPError as missing:  # 404 until the source is up
            missing.close()
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
        return False

    def kill_source(self) -> float:
        """Kill the source; the moment it was killed."""
        assert self.source is not None
        self.source.kill()
        killed = time.time()
        self.source.wait()
        return killed


@contextmanager
def _icecast(folder: Path) -> Iterator[_Server]:
    """Icecast on a free loopback port (as root it drops to Debian's icecast2 user)."""
    program = shutil.which("icecast2") or shutil.which("icecast")
    if program is None:
        raise BenchError("Icecast is not installed (apt-get install icecast2)")
    folder.mkdir()
    owner = ""
    if os.geteuid() == 0:
        user = pwd.getpwnam("icecast2")
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chmod(folder.parent, 0o755)
        owner = "<changeowner><user>icecast2</user><group>icecast</group></changeowner>"
    server = _Server(free_port())
    config = folder / "icecast.xml"
    config.write_text(
        CONFIG.format(password=PASSWORD, port=server.port, folder=folder, owner=owner)
    )
    config.chmod(0o644)
    process = subprocess.Popen([program, "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait(lambda: _listening(server.port, process), "Icecast to listen")
        yield server
    finally:
        if server.source is not None and server.source.poll() is None:
            server.kill_source()
        process.terminate()
        process.wait(10)


def _listening(port: int, process: subprocess.Popen[bytes]) -> bool:
    """Whether Icecast takes connections yet (it refuses to start: a BenchError at once)."""
    if process.poll() is not None:
        raise BenchError(f"Icecast did not start (exit code {process.returncode})")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        time.sleep(0.05)
        return False


class _Clock:
    """The daemon's clock: the slot's time when the round begins, running on; `end` moves it
    to the slot's end (the round is over)."""

    def __init__(self, start: datetime) -> None:
        self.start, self.began, self.moved = start, time.monotonic(), timedelta(0)

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began) + self.moved

    def end(self, minutes: int) -> None:
        self.moved = timedelta(minutes=minutes)


class _Gaps(logging.Handler):
    """When the receiver noticed each gap (its log line)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "(a gap)" in record.getMessage():
            self.seen.append(record.created)


def _sounded(log: Path) -> list[float]:
    text = log.read_text() if log.exists() else ""
    return [float(line) for line in text.split()]


def _relay_slot(station: Station, folder: Path, url: str) -> None:
    """The relay slot, every day at 11:00 for a minute, with a tone as its fallback."""
    from broadcaster.services import slots
    from broadcaster.services.context import Context

    fallback = folder / "du-phong.mp3"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "sine=frequency=660:sample_rate=44100", "-t", "5", "-c:a", "libmp3lame",
         "-b:a", "64k", str(fallback)],
        check=True,
    )  # fmt: skip
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    given = slots.SlotInput(
        name=SLOT, start="11:00", minutes=1, days=days, kind="relay", url=url,
        fallback=str(fallback),
    )  # fmt: skip
    with station.sessions() as session:
        slots.add_slot(Context(station.settings, session, utc_now), "admin", given)


def _round(
    station: Station, server: _Server, start: datetime, player: str, log: Path, gaps: _Gaps
) -> tuple[float, float, float]:
    """One relay slot from its start to its end: (start delay, stall detection, fallback
    delay) in ms."""
    from broadcaster.daemon.process import Daemon
    from broadcaster.onair.command_output import CommandOutput

    before, noticed = len(_sounded(log)), len(gaps.seen)
    server.feed()
    clock = _Clock(start)
    daemon = Daemon(station.settings, station.sessions, None, CommandOutput(player), clock=clock)
    daemon.follow_slots()
    called = time.time()
    job = threading.Thread(target=daemon.air_slot, args=(SLOT,), name="relay slot")
    job.start()
    try:
        _wait(lambda: len(_sounded(log)) > before, "the stream at the player")
        first = _sounded(log)[before]
        time.sleep(PLAYED_S)  # the stream plays a while (a benchmark's pace, not a test's)
        killed = server.kill_source()
        _wait(lambda: len(gaps.seen) > noticed, "the receiver to notice the stop")
        _wait(lambda: len(_sounded(log)) > before + 1, "the fallback at the player")
        filled = _sounded(log)[before + 1]
    finally:
        clock.end(1)
        job.join()
    stall = gaps.seen[noticed] - killed
    return (first - called) * 1000, stall * 1000, (filled - killed) * 1000


def bench_relay(rounds: int, hogs: int = 0) -> RelayFigures:
    """Run `rounds` relay slots whose source stops mid-slot; return the figures."""
    figures = RelayFigures(rounds)
    hogging = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(hogs)]
    gaps = _Gaps()
    streams = logging.getLogger("broadcaster.onair.streams")
    streams.addHandler(gaps)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            # a bulletins slot at night, out of the relay's way (a station has one at least)
            night = '[[slot]]\nname = "dem"\nstart = "03:00"\nminutes = 1\n'
            station = scratch_station(folder, night, scripts=0)
            (folder / "player.py").write_text(PLAYER, encoding="utf-8")
            log = folder / "sounded.log"
            player = f"{sys.executable} -S {folder / 'player.py'} {{file}} {log}"
            with _icecast(folder / "icecast") as server:
                server.feed()  # the slot service looks at a new address before it keeps it
                _relay_slot(station, folder, server.url)
                server.kill_source()
                tz = station.settings.tz
                today = utc_now().astimezone(tz).replace(hour=11, minute=0, second=0, microsecond=0)
                for n in range(rounds):
                    start = today + timedelta(days=n + 1)  # a new occurrence each round
                    ms = _round(station, server, start, player, log, gaps)
                    figures.start_ms.append(ms[0])
                    figures.stall_ms.append(ms[1])
                    figures.fallback_ms.append(ms[2])
            station.engine.dispose()
    finally:
        streams.removeHandler(gaps)
        for hog in hogging:
            hog.kill()
            hog.wait()
    return figures
