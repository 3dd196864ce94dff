"""A player for fault tests: plays (sleeps) as long as the MP3 and writes what it did.

Usage: player.py LOG FILE. Appends "start PID TIME", a "tick PID TIME" every 50 ms while
it plays, and "end PID TIME" to LOG, so a test can see from outside whether two players
ever sounded at the same time.
"""

import os
import sys
import time

from mutagen.mp3 import MP3


def note(log: str, kind: str) -> None:
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"{kind} {os.getpid()} {time.time():.3f}\n")


def main() -> None:
    log, path = sys.argv[1], sys.argv[2]
    length = MP3(path).info.length
    note(log, "start")
    end = time.monotonic() + length
    while time.monotonic() < end:
        time.sleep(0.05)
        note(log, "tick")
    note(log, "end")


if __name__ == "__main__":
    main()
