"""Record: a reading recorded in the browser or uploaded from a phone becomes a broadcast MP3.

The file is decoded by ffmpeg whatever its name or type claims, with a time limit, only by
the demuxers of the formats a phone or a browser makes, and only up to a maximum length.
The decoded speech then takes the same path as synthesised speech: the intro and outro
around it, and the same mastering to the loudness target (`broadcaster.sound.master`).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from broadcaster.config import Settings
from broadcaster.errors import BroadcasterError, Code
from broadcaster.sound import audio
from broadcaster.sound.assembly import MasteringError, jingle_audio, render_pcm_file
from broadcaster.sound.audio import Loudness
from broadcaster.store.renderings import file_sha256

MAX_UPLOAD_BYTES = 100_000_000  # an uploaded or recorded file (about 100 minutes of phone audio)
DECODE_SECONDS = 300  # ffmpeg's time to read one file, far more than a real one needs
# Demuxers of MP3, M4A/MP4 (a phone's recorder), WAV, OGG/Opus, WEBM/Matroska (the browser's
# MediaRecorder), AAC and FLAC. Only these, and only local files: a playlist or a concat list
# could otherwise make ffmpeg read other files or addresses.
SILENT_LUFS = -60.0  # quieter than this is a muted or missing microphone, not a reading
FORMATS = "mp3,mov,mp4,m4a,3gp,3g2,mj2,wav,ogg,matroska,webm,aac,flac"


class RecordingRefused(BroadcasterError):
    """A recording that cannot become a bulletin's audio; the code says why."""


@dataclass(frozen=True)
class MasteredRecording:
    """A recording mastered into the audio folder, ready to become a rendering."""

    audio_path: str  # relative to the var folder
    sha256: str
    duration_s: float
    loudness: Loudness


def decode(source: Path, name: str, out: IO[bytes], rate: int, max_seconds: int) -> float:
    """Write `source` to `out` as mono 16-bit PCM at `rate`; return its length in seconds.

    Refuses a file ffmpeg cannot read as audio, one that takes too long to read, and one
    longer than `max_seconds` (decoding stops just past it, so a long file costs little)."""
    command = [
        audio.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-protocol_whitelist", "file", "-format_whitelist", FORMATS, "-i", str(source),
        "-map", "0:a:0", "-vn", "-t", str(max_seconds + 1),
        "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, stdout=out, stderr=subprocess.PIPE, timeout=DECODE_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise RecordingRefused(Code.RECORDING_TOO_SLOW, name=name, seconds=DECODE_SECONDS) from None
    out.flush()
    seconds = out.tell() / 2 / rate
    if done.returncode != 0 or seconds <= 0:
        raise RecordingRefused(Code.RECORDING_UNREADABLE, name=name)
    if seconds > max_seconds:
        raise RecordingRefused(Code.RECORDING_TOO_LONG, minutes=max_seconds // 60)
    return seconds


def _loudness(pcm: IO[bytes], rate: int) -> float:
    """The integrated loudness (LUFS) of mono 16-bit PCM, read block by block."""
    import numpy as np  # only a recording being saved needs it: the web page starts light

    from broadcaster.sound.loudness import LoudnessMeter

    meter = LoudnessMeter(rate)
    pcm.seek(0)
    while block := pcm.read(1 << 17):
        meter.feed(np.frombuffer(block, dtype="<i2").astype(np.float32) / np.float32(32768))
    return meter.integrated()


def _copy(source: IO[bytes], out: IO[bytes]) -> None:
    source.seek(0)
    for block in iter(lambda: source.read(1 << 20), b""):
        out.write(block)


def _frame(speech: IO[bytes], pcm: IO[bytes], settings: Settings) -> None:
    """The speech between the station's intro and outro, into `pcm`."""
    rate = settings.sample_rate
    try:
        intro = jingle_audio(settings.intro, settings.base_dir, rate)
        outro = jingle_audio(settings.outro, settings.base_dir, rate)
    except MasteringError as exc:
        raise RecordingRefused(Code.RENDER_MASTERING, script_id="–", detail=str(exc)) from exc
    if intro:
        pcm.write(intro + audio.silence(settings.jingle_pause_ms, rate))
    _copy(speech, pcm)
    if outro:
        pcm.write(audio.silence(settings.jingle_pause_ms, rate) + outro)
    pcm.flush()


def produce(
    source: Path,
    name: str,
    settings: Settings,
    *,
    title: str,
    reader: str,
    max_seconds: int,
    now: datetime,
) -> MasteredRecording:
    """Decode, frame with the intro and outro, master and store one recording.

    Nothing is left behind when it is refused: the MP3 appears under its final name only
    once it is whole."""
    from broadcaster.sound.master import master  # numpy, loaded by the first recording only

    folder = settings.var_path / "audio"
    rate = settings.sample_rate
    with render_pcm_file(folder) as speech, render_pcm_file(folder) as pcm:
        decode(source, name, speech, rate, max_seconds)
        # Measured alone: framed by the chime, a silent recording would still master.
        if _loudness(speech, rate) < SILENT_LUFS:
            raise RecordingRefused(Code.RECORDING_SILENT, name=name)
        _frame(speech, pcm, settings)
        handle, tmp_name = tempfile.mkstemp(suffix=".part", dir=folder)
        os.close(handle)
        tmp = Path(tmp_name)
        try:
            tags = {
                "title": title,
                "artist": f"Đài truyền thanh {settings.town}",
                "comment": f"Ghi âm: {reader}",
                "date": now.astimezone(settings.tz).strftime("%Y-%m-%d"),
                "genre": "Speech",
            }
            try:
                loudness = master(Path(pcm.name), rate, tmp, settings, tags)
            except MasteringError as exc:
                raise RecordingRefused(Code.RECORDING_SILENT, name=name) from exc
            except audio.AudioToolError as exc:
                raise RecordingRefused(
                    Code.RENDER_MASTERING, script_id="–", detail=str(exc)
                ) from exc
            sha = file_sha256(tmp)
            relative = Path("audio") / f"recording-{sha}.mp3"
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; players and the web server read it
            os.replace(tmp, settings.var_path / relative)
        finally:
            tmp.unlink(missing_ok=True)
    dest = settings.var_path / relative
    return MasteredRecording(relative.as_posix(), sha, audio.mp3_duration(dest), loudness)
