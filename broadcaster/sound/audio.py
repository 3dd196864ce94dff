"""All audio file work in one place: ffmpeg lookup, MP3 decode and encode (via pydub), file facts."""

from __future__ import annotations

import array
import functools
import io
import re
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from broadcaster.ffmpeg import ffmpeg_exe as ffmpeg_exe  # where ffmpeg is (shared with the agent)

if TYPE_CHECKING:
    from pydub import AudioSegment


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
    segment_cls = _pydub()  # first: it imports pydub with its warnings silenced
    from pydub.exceptions import CouldntDecodeError

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
        info = MP3(path).info
    except HeaderNotFoundError as exc:
        raise ValueError(f"{path.name} is not an MP3 file") from exc
    if info is None:  # mutagen leaves it unset only for a file it did not load
        raise ValueError(f"{path.name} is not an MP3 file")
    return float(info.length)


class AudioToolError(Exception):
    """ffmpeg could not do what was asked; the message carries its last line."""


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness (LUFS, ITU-R BS.1770), true peak (dBTP) and loudness range of audio."""

    integrated: float
    true_peak: float
    loudness_range: float = 0.0  # LU (EBU Tech 3342)


def _raw_input(raw: Path, rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", str(raw)]


def _ffmpeg(args: list[str]) -> str:
    """Run ffmpeg quietly; return what it wrote to stderr."""
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise AudioToolError(f"ffmpeg failed: {last[0]}")
    return done.stderr


_INTEGRATED_RE = re.compile(r"\bI:\s+(-?[\d.]+|-inf) LUFS")
_LRA_RE = re.compile(r"\bLRA:\s+(-?[\d.]+) LU\b")
_TRUE_PEAK_RE = re.compile(r"\bPeak:\s+(-?[\d.]+|-inf) dBFS")


def measure_loudness(source: Path, raw_rate: int | None = None) -> Loudness:
    """Loudness by ffmpeg's ebur128 of a file or, with `raw_rate`, of mono 16-bit PCM: an
    independent check of the in-process meter (tests and checks only; mastering never calls it)."""
    inputs = _raw_input(source, raw_rate) if raw_rate else ["-i", str(source)]
    report = _ffmpeg([*inputs, "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"])
    integrated = _INTEGRATED_RE.findall(report)
    peak = _TRUE_PEAK_RE.findall(report)
    lra = _LRA_RE.findall(report)
    if not integrated or not peak or not lra:
        raise AudioToolError("ffmpeg gave no loudness measurement")
    return Loudness(float(integrated[-1]), float(peak[-1]), float(lra[-1]))


class Mp3Writer:
    """One ffmpeg process that encodes mono float32 samples fed through a pipe into an MP3 file."""

    def __init__(
        self, dest: Path, rate: int, *, out_rate: int, bitrate: str, tags: dict[str, str]
    ) -> None:
        metadata = [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
             "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
             "-ar", str(out_rate), "-ac", "1", "-c:a", "libmp3lame", "-b:a", bitrate,
             "-id3v2_version", "3", *metadata, "-f", "mp3", str(dest)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self.errors,
        )  # fmt: skip

    def write(self, samples: bytes) -> None:
        """Send little-endian float32 samples to the encoder."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(samples)
        except BrokenPipeError:
            self._fail()

    def close(self) -> None:
        """End the input and wait for the file; AudioToolError if ffmpeg failed."""
        self._close_pipe()
        if self.process.wait() != 0:
            self._fail()
        self.errors.close()

    def abort(self) -> None:
        """Stop the encoder without waiting for a file (the caller is failing)."""
        self.process.kill()
        self._close_pipe()
        self.process.wait()
        self.errors.close()

    def _close_pipe(self) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg already stopped; its exit status says why

    def _fail(self) -> None:
        self.process.kill()
        self._close_pipe()
        self.process.wait()
        self.errors.seek(0)
        text = self.errors.read().decode(errors="replace").strip().splitlines()[-1:]
        self.errors.close()
        raise AudioToolError(f"ffmpeg failed: {(text or ['no message'])[0]}")


def mp3_blocks(path: Path, frames: int = 1 << 16) -> tuple[int, Iterator[array.array[float]]]:
    """Decode an MP3 file in process, in blocks of mono float32 samples: (sample rate, blocks)."""
    import miniaudio

    try:
        rate = int(miniaudio.mp3_get_file_info(str(path)).sample_rate)
    except miniaudio.DecodeError as exc:
        raise AudioToolError(f"{path.name} is not an MP3 file") from exc
    stream = miniaudio.stream_file(
        str(path),
        output_format=miniaudio.SampleFormat.FLOAT32,
        nchannels=1,
        sample_rate=rate,
        frames_to_read=frames,
    )
    return rate, stream


def decode_file(path: Path, sample_rate: int) -> bytes:
    """Any audio file ffmpeg reads, as mono 16-bit PCM at `sample_rate` (for jingles)."""
    with tempfile.NamedTemporaryFile(suffix=".raw") as out:
        _ffmpeg(["-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), out.name])
        return Path(out.name).read_bytes()


def trim_silence(pcm: bytes, threshold: int = 250) -> bytes:
    """Drop leading and trailing samples quieter than `threshold` (about -42 dBFS)."""
    samples = array.array("h", pcm)
    start, end = 0, len(samples)
    while start < end and abs(samples[start]) < threshold:
        start += 1
    while end > start and abs(samples[end - 1]) < threshold:
        end -= 1
    return samples[start:end].tobytes()
