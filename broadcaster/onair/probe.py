"""Is this a stream (or a file) with audio? Asked once, when a relay slot is added or changed,
so a mistyped address is refused in one sentence then, not found at the slot's time.

ffmpeg opens the address (only network protocols, as the receiver does), decodes half a second
of its first audio stream and exits; a process timeout bounds the whole look.
"""

from __future__ import annotations

import subprocess
from enum import StrEnum
from pathlib import Path

from broadcaster.onair.streams import decoder_args

PROBE_SECONDS = 10  # the whole look, the connection included (a busy upper station answers slower)
NO_AUDIO_SIGNS = (
    "does not contain any stream",
    "matches no streams",
    "output file does not contain",
    "invalid data found",
    "could not find codec",
)


class Failure(StrEnum):
    """Why an address or a file is no source for a relay."""

    UNREACHABLE = "unreachable"  # no answer, refused, not found, or too slow
    NOT_AUDIO = "not audio"  # it answered, with something that is not audio


def _look(args: list[str], seconds: float) -> Failure | None:
    try:
        done = subprocess.run(
            args, stdin=subprocess.DEVNULL, capture_output=True, timeout=seconds, check=False
        )
    except subprocess.TimeoutExpired:
        return Failure.UNREACHABLE
    if done.returncode == 0:
        return None
    said = done.stderr.decode("utf-8", "replace").lower()
    return (
        Failure.NOT_AUDIO if any(sign in said for sign in NO_AUDIO_SIGNS) else Failure.UNREACHABLE
    )


def _half_second(args: list[str]) -> list[str]:
    """The decoder's own arguments, for half a second of the first audio stream, to nowhere."""
    at = args.index("-vn")
    return [*args[:at], "-map", "0:a:0", "-t", "0.5", "-f", "null", "-"]


def probe_stream(url: str, ffmpeg: str, seconds: float = PROBE_SECONDS) -> Failure | None:
    """None when `url` gives audio within `seconds`; why not otherwise."""
    args = [part for part in decoder_args(ffmpeg, url, 16000) if part != "-re"]
    return _look(_half_second(args), seconds)


def probe_file(path: Path, ffmpeg: str, seconds: float = PROBE_SECONDS) -> Failure | None:
    """None when `path` is a file with audio ffmpeg decodes; why not otherwise."""
    if not path.is_file():
        return Failure.UNREACHABLE
    args = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-vn"]
    return _look(_half_second(args), seconds)
