"""Where ffmpeg is: the machine's, else the binary shipped in imageio-ffmpeg (stdlib and
imageio-ffmpeg only, so the agent can use it)."""

from __future__ import annotations

import functools
import shutil


@functools.cache
def ffmpeg_exe() -> str:
    """ffmpeg from PATH if the machine has one, else the binary shipped in imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()
