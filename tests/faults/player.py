"""A player for fault tests: plays (sleeps) as long as the MP3 and writes what it did.

Usage: player.py LOG FILE [--names NAMES] [--fail-first COUNTER]. Appends "start PID TIME",
a "tick PID TIME" every 50 ms while it plays, and "end PID TIME" to LOG, so a test can see
from outside whether two players ever sounded at the same time. With --names it also
appends "PID FILENAME" to NAMES when it starts, so a test knows which bulletin each player
played. With --fail-first, while the number in COUNTER is above zero the player lowers it,
writes "fail PID TIME" to LOG and exits with code 3 without a sound (a broken sound card).
"""

import argparse
import os
import sys
import time
from pathlib import Path

from mutagen.mp3 import MP3


def note(log: str, kind: str) -> None:
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"{kind} {os.getpid()} {time.time():.3f}\n")


def _should_fail(counter: str | None) -> bool:
    """Whether this play fails; each failure uses up one of the COUNTER's."""
    if counter is None or not Path(counter).exists():
        return False
    left = int(Path(counter).read_text() or "0")
    if left <= 0:
        return False
    Path(counter).write_text(str(left - 1))
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("path")
    parser.add_argument("--names")
    parser.add_argument("--fail-first")
    args = parser.parse_args()
    if _should_fail(args.fail_first):
        note(args.log, "fail")
        sys.exit(3)
    length = MP3(args.path).info.length
    if args.names:
        with open(args.names, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {Path(args.path).name}\n")
    note(args.log, "start")
    end = time.monotonic() + length
    while time.monotonic() < end:
        time.sleep(0.05)
        note(args.log, "tick")
    note(args.log, "end")


if __name__ == "__main__":
    main()
