"""A real Icecast server for the relay tests, fed by ffmpeg from a generated tone: a config in a
temporary folder, a free loopback port, stopped in `finally`.

Icecast refuses to run as root: as root (CI) the config drops to Debian's `icecast2` user
(`<changeowner>`), and the folder is made readable to it. Skips when Icecast is missing unless
BROADCASTER_REQUIRE_ICECAST=1 (CI), which makes it a failure.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from broadcaster.bench.relay import CONFIG
from broadcaster.sound.audio import ffmpeg_exe
from tests.broker import free_port

SOURCE_PASSWORD = "source-pass-1"
READY_WITHIN = 30.0  # seconds; a deadline for a busy machine, not a measured speed


def require_icecast() -> str:
    found = shutil.which("icecast2") or shutil.which("icecast")
    if found:
        return found
    reason = "Icecast not installed (apt-get install icecast2)"
    if os.environ.get("BROADCASTER_REQUIRE_ICECAST") == "1":
        pytest.fail(f"{reason}, and BROADCASTER_REQUIRE_ICECAST=1 requires it")
    pytest.skip(reason)


@dataclass
class Icecast:
    """A running server; `feed` starts a source on a mount."""

    port: int
    folder: Path
    sources: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def url(self, mount: str) -> str:
        return f"http://127.0.0.1:{self.port}{mount}"

    def feed(
        self, mount: str, frequency: int = 440, seconds: float | None = None
    ) -> subprocess.Popen[bytes]:
        """A source streaming a tone as MP3 in real time to `mount`, up once listeners hear it.
        A source that ends before its mount is up (Icecast, just started, may refuse its first
        sources on a busy machine) is started again, until READY_WITHIN."""
        length = ["-t", str(seconds)] if seconds else []
        deadline = time.monotonic() + READY_WITHIN
        while True:
            source = subprocess.Popen(
                [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f",
                 "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=44100", *length,
                 "-c:a", "libmp3lame", "-b:a", "64k", "-content_type", "audio/mpeg", "-f", "mp3",
                 f"icecast://source:{SOURCE_PASSWORD}@127.0.0.1:{self.port}{mount}"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            self.sources.append(source)
            if self.wait_for(mount, deadline, source):
                return source
            if source.poll() is None:
                source.kill()
                source.wait()
            said = source.stderr.read().decode(errors="replace")[-300:] if source.stderr else ""
            if time.monotonic() > deadline:
                raise RuntimeError(f"Icecast mount {mount} did not come up: {said}")
            time.sleep(0.5)

    def wait_for(
        self, mount: str, deadline: float | None = None,
        source: subprocess.Popen[bytes] | None = None,
    ) -> bool:  # fmt: skip
        """Whether `mount` answers before `deadline` (False at once when `source` ends first)."""
        deadline = deadline or time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if source is not None and source.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url(mount), timeout=2) as answer:  # noqa: S310
                    if answer.read(1024):
                        return True
            except urllib.error.HTTPError as missing:  # 404 until the source is up
                missing.close()
                time.sleep(0.2)
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        return False

    def stop_sources(self) -> None:
        for source in self.sources:
            if source.poll() is None:
                source.kill()
            source.wait()
            if source.stderr is not None:
                source.stderr.close()
        self.sources.clear()


STARTS = 3  # another process may take the free port first: Icecast is started on a new one


def _answers_as_icecast(port: int, server: subprocess.Popen[bytes]) -> bool:
    """Whether our Icecast (alive, not another test's server on a reused port) answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:  # noqa: S310
            said = answer.headers.get("Server", "")
    except urllib.error.HTTPError as refused:
        said = refused.headers.get("Server", "")
        refused.close()
    except (urllib.error.URLError, OSError):
        return False
    return server.poll() is None and said.lower().startswith("icecast")


def _start(program: str, folder: Path, owner: str) -> tuple[subprocess.Popen[bytes], int]:
    """Icecast on a free loopback port, answering; a new port when it could not bind one."""
    for _ in range(STARTS):
        port = free_port()
        config = folder / "icecast.xml"
        config.write_text(
            CONFIG.format(password=SOURCE_PASSWORD, port=port, folder=folder, owner=owner)
        )
        config.chmod(0o644)
        server = subprocess.Popen([program, "-c", str(config)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + READY_WITHIN
        while server.poll() is None and time.monotonic() < deadline:
            if _answers_as_icecast(port, server):
                return server, port
            time.sleep(0.1)
        if server.poll() is None:
            server.kill()
        server.wait()
    log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
    raise RuntimeError(f"Icecast did not start: {log[-1000:]}")


@pytest.fixture
def icecast() -> Iterator[Icecast]:
    program = require_icecast()
    folder = Path(tempfile.mkdtemp(prefix="icecast-"))
    owner = ""
    if os.geteuid() == 0:
        user = pwd.getpwnam("icecast2")
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chmod(folder, 0o755)
        owner = "<changeowner><user>icecast2</user><group>icecast</group></changeowner>"
    server, port = _start(program, folder, owner)
    running = Icecast(port, folder)
    try:
        yield running
    finally:
        running.stop_sources()
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def make_tone(path: Path, seconds: float = 2.0, frequency: int = 660) -> Path:
    """An MP3 tone file (a relay's fallback programme in the tests)."""
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={frequency}:sample_rate=44100", "-t", str(seconds),
         "-c:a", "libmp3lame", "-b:a", "64k", str(path)],
        check=True,
    )  # fmt: skip
    return path
