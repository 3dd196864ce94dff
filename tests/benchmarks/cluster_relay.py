"""A relay re-published for the clusters, as a cluster hears it (on demand, not in the suite).

    .venv/bin/python tests/benchmarks/cluster_relay.py [ROUNDS] [--hogs N]

Each round: a real Icecast (Debian's icecast2) fed by ffmpeg with a 440 Hz tone as the upper
station; the station's `Republisher` publishes a relay occurrence to its own mount; a listener
opens the mount with the receiver the agents use (`streams.Receiver`), as a cluster would; after
a few seconds of the upper stream its source is killed. Figures, on the wall clock:
- mount up: the feed started → the mount answers a listener (the feed starts LEAD = 15 s
  before the slot, so this must be well under 15 s);
- fallback at the cluster: the upper source killed → the listener hears the fallback file
  (a 660 Hz tone; told from the silence the station feeds meanwhile by its loudness);
- longest silence: the longest run of silent audio the listener got (the station's retries);
- gaps: gaps the listener's receiver counted before the round ended (a gap is sound a cluster
  lost: must be 0).
"""

from __future__ import annotations

import argparse
import array
import itertools
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from broadcaster.bench.relay import PASSWORD, _icecast  # noqa: E402
from broadcaster.clusters.relay_fanout import mount  # noqa: E402
from broadcaster.clusters.republish import Republisher  # noqa: E402
from broadcaster.config import load_settings  # noqa: E402
from broadcaster.enums import SlotKind  # noqa: E402
from broadcaster.ffmpeg import ffmpeg_exe  # noqa: E402
from broadcaster.onair.streams import Receiver  # noqa: E402
from broadcaster.programme.slots import SlotDef, SlotOccurrence  # noqa: E402

RATE = 44100
UPPER_S = 4.0  # the upper stream plays this long before its source is killed
WINDOW_S = 30.0
LOUD = 1000  # mean absolute sample of a block that is sound, not the station's silence


class Ear:
    """What a cluster hears, block by block: the upper station's tone, the fallback's tone (told
    apart by their zero crossings), or the station's silence; when each began."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.killed: float | None = None
        self.back: float | None = None  # the fallback's tone first heard after the kill
        self.quiet_since: float | None = None
        self.longest_quiet = 0.0
        self.run: tuple[str, float, int] = ("", 0.0, 0)  # the kind heard last, since, blocks

    @staticmethod
    def kind(block: bytes) -> str:
        samples = array.array("h", block[: len(block) // 2 * 2])
        if not samples or sum(abs(s) for s in samples) / len(samples) < LOUD:
            return "silence"
        crossings = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))
        per_second = crossings * RATE / len(samples)
        return "fallback" if per_second > 2 * 550 else "upper"  # 660 Hz vs 440 Hz tones

    def hear(self, block: bytes) -> None:
        now, kind = time.time(), self.kind(block)
        if self.first is None:
            self.first = now
        last, since, blocks = self.run
        self.run = (kind, since, blocks + 1) if kind == last else (kind, now, 1)
        if kind == "silence":
            self.quiet_since = self.quiet_since or now
            return
        if self.quiet_since is not None:
            self.longest_quiet = max(self.longest_quiet, now - self.quiet_since)
            self.quiet_since = None
        kind, since, blocks = self.run
        if kind == "fallback" and blocks >= 5 and self.killed is not None and self.back is None:
            self.back = since  # a second of the fallback's tone: not a decoder's transient


def _round(folder: Path, server_port: int, n: int) -> tuple[float, float, float, int]:
    settings = load_settings(folder, environ={}, overrides={
        "relay_icecast": f"http://source:{PASSWORD}@127.0.0.1:{server_port}",
        "output": "null", "engine": "espeak"})  # fmt: skip
    fallback = folder / "fallback.mp3"
    if not fallback.exists():
        subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", "sine=frequency=660:sample_rate=44100", "-t", "5", "-c:a", "libmp3lame",
             "-b:a", "64k", str(fallback)], check=True,
        )  # fmt: skip
    name = f"Tiếp sóng {n}"
    slot = SlotDef(name, ("mon",), clock_time(11), 1, kind=SlotKind.RELAY,
                   url=f"http://127.0.0.1:{server_port}/vov1.mp3", fallback=str(fallback))  # fmt: skip
    start = datetime.now(timezone.utc)
    occurrence = SlotOccurrence(slot, start, start + timedelta(seconds=WINDOW_S))
    republisher = Republisher(settings, ffmpeg_exe(), lambda: datetime.now(timezone.utc))
    ours = f"http://127.0.0.1:{server_port}{mount(name)}"
    began = time.time()
    republisher.keep([occurrence], {name: fallback})
    ear = Ear()
    listener = Receiver(ours, RATE, ffmpeg_exe(), retries=50, retry_pause_s=0.05)
    heard = threading.Thread(target=lambda: _listen(listener, ear), daemon=True)
    heard.start()
    try:
        while ear.first is None and time.time() - began < 30:
            time.sleep(0.01)
        assert ear.first is not None, "the mount never came up"
        mount_up = ear.first - began
        time.sleep(UPPER_S)
        fallback_s, quiet_s = _kill_and_wait(ear)
        time.sleep(2.0)  # the fallback plays on: the cluster still hears it
        # gaps once it was heard (not the 404s while the mount came up)
        lost = [g for g in listener.receipt.gaps if g.start_s > mount_up]
        return mount_up, fallback_s, quiet_s, len(lost)
    finally:
        republisher.stop()
        heard.join(30)


def _kill_and_wait(ear: Ear) -> tuple[float, float]:
    source = UPPER.pop()
    source.kill()
    source.wait()
    ear.killed = time.time()
    while ear.back is None and time.time() - ear.killed < 40:
        time.sleep(0.01)
    assert ear.back is not None, "the fallback never reached the listener"
    return ear.back - ear.killed, ear.longest_quiet


def _listen(receiver: Receiver, ear: Ear) -> None:
    try:
        receiver.run(WINDOW_S + 20, ear.hear, None)
    except Exception:  # noqa: BLE001  (the mount ends with the feed: the round is over)
        pass


UPPER: list[subprocess.Popen[bytes]] = []


def _feed(port: int) -> None:
    UPPER.append(subprocess.Popen(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
         "-i", "sine=frequency=440:sample_rate=44100", "-c:a", "libmp3lame", "-b:a", "64k",
         "-content_type", "audio/mpeg", "-f", "mp3",
         f"icecast://source:{PASSWORD}@127.0.0.1:{port}/vov1.mp3"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ))  # fmt: skip
    time.sleep(2.0)  # the source connects (the feed's own retries cover a slow start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="?", type=int, default=5)
    parser.add_argument("--hogs", type=int, default=0, help="CPU hogs running beside it")
    args = parser.parse_args()
    hogs = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(args.hogs)]
    figures: list[tuple[float, float, float, int]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp, _icecast(Path(tmp) / "icecast") as server:
            for n in range(args.rounds):
                _feed(server.port)
                figures.append(_round(Path(tmp), server.port, n))
                print(f"round {n + 1}: mount up {figures[-1][0]:.2f} s, fallback at the "
                      f"cluster {figures[-1][1]:.2f} s, longest silence {figures[-1][2]:.2f} s, "
                      f"gaps {figures[-1][3]}", flush=True)  # fmt: skip
    finally:
        for hog in hogs:
            hog.kill()
    for index, label in enumerate(("mount up", "fallback at the cluster", "longest silence")):
        values = [f[index] for f in figures]
        print(f"{label}: median {statistics.median(values):.2f} s, worst {max(values):.2f} s")
    print(f"gaps a cluster counted: {sum(f[3] for f in figures)} in {len(figures)} rounds")


if __name__ == "__main__":
    main()
