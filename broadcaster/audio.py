"""All audio file work in one place: ffmpeg lookup, MP3 decode and encode (via pydub), file facts."""

from __future__ import annotations

import functools
import hashlib
import io
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydub import AudioSegment


@functools.cache
def ffmpeg_exe() -> str:
    """ffmpeg from PATH if the machine has one, else the binary shipped in imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@functools.cache
def _pydub() -> type["AudioSegment"]:
    """pydub's AudioSegment, pointed at our ffmpeg."""
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH; we tell it where ffmpeg is next.
        warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)
        # pydub imports audioop, deprecated in 3.11-3.12 (audioop-lts replaces it on 3.13).
        warnings.filterwarnings(
            "ignore", message="'audioop' is deprecated", category=DeprecationWarning
        )
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


def decode_mp3(data: bytes, sample_rate: int) -> bytes:
    """Decode MP3 bytes to mono 16-bit PCM at `sample_rate`; ValueError if it is not MP3 audio."""
    from pydub.exceptions import CouldntDecodeError

    segment_cls = _pydub()
    try:
        # format and codec given: pydub then needs no ffprobe (imageio-ffmpeg ships none).
        segment = segment_cls.from_file(io.BytesIO(data), format="mp3", codec="mp3")
    except CouldntDecodeError as exc:
        raise ValueError("not decodable as MP3") from exc
    return segment.set_channels(1).set_sample_width(2).set_frame_rate(sample_rate).raw_data


def silence(milliseconds: int, sample_rate: int) -> bytes:
    """Mono 16-bit PCM silence."""
    return b"\x00\x00" * (sample_rate * milliseconds // 1000)


def encode_mp3(
    pcm: bytes,
    sample_rate: int,
    dest: Path,
    *,
    bitrate: str,
    out_rate: int,
    tags: dict[str, str],
) -> None:
    """Encode mono PCM as an MP3 file at `dest` with ID3 tags, resampled to `out_rate`."""
    segment = _pydub()(data=pcm, sample_width=2, frame_rate=sample_rate, channels=1)
    with open(dest, "wb") as handle:
        segment.export(
            handle,
            format="mp3",
            bitrate=bitrate,
            tags=tags,
            id3v2_version="3",
            parameters=["-ar", str(out_rate)],
        )


def mp3_duration(path: Path) -> float:
    """Duration of an MP3 file in seconds, read from the file itself."""
    from mutagen.mp3 import MP3, HeaderNotFoundError

    try:
        return float(MP3(path).info.length)
    except HeaderNotFoundError as exc:
        raise ValueError(f"{path.name} is not an MP3 file") from exc


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
