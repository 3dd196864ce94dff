"""Master: spoken sentences become the broadcast MP3 at a steady loudness.

Assembly streams to a temporary PCM file, one sentence at a time, so a 30-minute
bulletin never sits in memory: the intro (default: the chime shipped in
`assets/chime.wav`; or a town's own jingle file; or none), an optional spoken
opening, every sentence with its leading and trailing silence trimmed and the
configured pause after it (sentence or paragraph), then the outro.

Loudness follows ITU-R BS.1770 as measured by ffmpeg's loudnorm: speech is peaky,
so gain alone cannot reach −16 LUFS under a −1 dBTP ceiling. We measure the raw
audio, set a peak limiter whose ceiling sits the planned gain below the target
true peak, apply the gain, resample and encode; then measure the MP3 itself and,
if it is off by more than a quarter LU or over the peak, correct once. The values
measured on the final file are what the rendering stores.
"""

from __future__ import annotations

import functools
import logging
import math
import tempfile
from pathlib import Path
from typing import IO, Callable

from broadcaster import audio
from broadcaster.audio import Loudness
from broadcaster.config import Settings
from broadcaster.spoken import SpokenText
from broadcaster.voices import Speech

logger = logging.getLogger(__name__)

CHIME = Path(__file__).with_name("assets") / "chime.wav"
PEAK_MARGIN_DB = 1.0  # the limiter is sample-peak; MP3 encoding adds a little on top
TOLERANCE_LU = 0.2
MAX_PASSES = 4


class MasteringError(Exception):
    """The audio could not be mastered (a missing jingle file, silent speech, ffmpeg failed)."""


@functools.lru_cache(maxsize=8)
def _jingle(spec: str, base_dir: Path, rate: int) -> bytes:
    """The intro/outro audio named by a setting: 'chime', a file path, or '' for none."""
    if not spec:
        return b""
    path = CHIME if spec == "chime" else (base_dir / spec)
    if not path.is_file():
        raise MasteringError(
            f"The intro/outro file {path} does not exist; fix the intro or outro setting."
        )
    try:
        return audio.decode_file(path, rate)
    except audio.AudioToolError as exc:
        raise MasteringError(
            f"The intro/outro file {path.name} is not audio ffmpeg can read."
        ) from exc


def jingle_fingerprint(spec: str, base_dir: Path) -> str:
    """What the cache key needs to know about an intro/outro: its name and content hash."""
    if not spec:
        return ""
    path = CHIME if spec == "chime" else (base_dir / spec)
    return f"{spec}:{audio.file_sha256(path) if path.is_file() else 'missing'}"


def assemble(
    spoken: SpokenText,
    speak: Callable[[str], Speech],
    settings: Settings,
    out: IO[bytes],
) -> tuple[int, float]:
    """Write the bulletin's PCM to `out` piece by piece; return its sample rate and length."""
    rate = 0
    written = 0

    def put(pcm: bytes) -> None:
        nonlocal written
        out.write(pcm)
        written += len(pcm)

    def say(text: str) -> None:
        nonlocal rate
        speech = speak(text)
        if rate and speech.sample_rate != rate:
            raise MasteringError("The voice changed its sample rate in the middle of a bulletin.")
        rate = speech.sample_rate
        put(audio.trim_silence(speech.pcm))

    sentences = [(s, i == len(p) - 1) for p in spoken.paragraphs for i, s in enumerate(p)]
    # The first sentence fixes the rate, which the jingle is decoded at, so speak it first.
    first_text, _ = sentences[0]
    first = speak(first_text)
    rate = first.sample_rate
    intro = _jingle(settings.intro, settings.base_dir, rate)
    if intro:
        put(intro)
        put(audio.silence(settings.jingle_pause_ms, rate))
    if settings.intro_text:
        say(settings.intro_text)
        put(audio.silence(settings.paragraph_pause_ms, rate))
    for index, (text, ends_paragraph) in enumerate(sentences):
        if index == 0:
            put(audio.trim_silence(first.pcm))
        else:
            say(text)
        if index < len(sentences) - 1:
            pause = settings.paragraph_pause_ms if ends_paragraph else settings.sentence_pause_ms
            put(audio.silence(pause, rate))
    outro = _jingle(settings.outro, settings.base_dir, rate)
    if outro:
        put(audio.silence(settings.jingle_pause_ms, rate))
        put(outro)
    return rate, written / 2 / rate


def estimate_seconds(spoken: SpokenText, settings: Settings) -> float:
    """How long the bulletin will last before it is rendered: words at the voice's rate, plus pauses."""
    words = sum(len(sentence.split()) for sentence in spoken.sentences)
    seconds = words / (max(settings.espeak_rate, 60) / 60)
    sentences = len(spoken.sentences)
    seconds += max(0, sentences - len(spoken.paragraphs)) * settings.sentence_pause_ms / 1000
    seconds += max(0, len(spoken.paragraphs) - 1) * settings.paragraph_pause_ms / 1000
    for jingle in (settings.intro, settings.outro):
        if jingle:
            seconds += 2.2  # the chime is 1.6 s, plus the pause beside it
    return seconds


def master(raw: Path, rate: int, dest: Path, settings: Settings, tags: dict[str, str]) -> Loudness:
    """Limit, normalise to the loudness target, encode `raw` PCM into `dest`; return the measured result."""
    target, ceiling = settings.target_lufs, settings.true_peak_dbtp
    try:
        measured = audio.measure_loudness(raw, raw_rate=rate)
    except audio.AudioToolError as exc:
        raise MasteringError(f"The speech could not be measured: {exc}") from exc
    if math.isinf(measured.integrated) or measured.integrated < -70:
        raise MasteringError("The speech is silent; nothing to master.")
    # The limiter holds peaks at `out_ceiling` after the gain; more gain pushes more of the
    # speech into it, so loudness rises less than the gain: find the gain by the secant method,
    # measuring the filtered PCM (fast), then encode once and measure the MP3 itself.
    out_ceiling = ceiling - PEAK_MARGIN_DB
    gain = target - measured.integrated
    aim = target  # what the PCM must measure for the MP3 to land on target (encoding shifts it)
    for _ in range(2):
        tried: list[tuple[float, float]] = []
        for _ in range(MAX_PASSES):
            chain = audio.master_chain(gain, _limit(out_ceiling, gain), settings.sample_rate)
            trial = audio.measure_loudness(raw, raw_rate=rate, chain=chain)
            if abs(aim - trial.integrated) <= TOLERANCE_LU / 2:
                break
            tried.append((gain, trial.integrated))
            slope = 1.0
            if len(tried) >= 2 and tried[-1][0] != tried[-2][0]:
                slope = (tried[-1][1] - tried[-2][1]) / (tried[-1][0] - tried[-2][0])
                slope = min(1.0, max(0.2, slope))
            gain += (aim - trial.integrated) / slope
        chain = audio.master_chain(gain, _limit(out_ceiling, gain), settings.sample_rate)
        audio.encode_mp3_file(raw, rate, dest, chain=chain, bitrate=settings.mp3_bitrate, tags=tags)
        result = audio.measure_loudness(dest)
        logger.debug(
            "mastered: gain %.2f dB, %.2f LUFS, %.2f dBTP",
            gain,
            result.integrated,
            result.true_peak,
        )
        if result.true_peak <= ceiling and abs(target - result.integrated) <= TOLERANCE_LU:
            break
        aim += target - result.integrated
        if result.true_peak > ceiling:
            out_ceiling -= result.true_peak - ceiling + 0.2  # the encoder overshot: lower and redo
    return result


def _limit(out_ceiling: float, gain: float) -> float:
    """alimiter's ceiling (linear, before the gain) that puts peaks at `out_ceiling` after it."""
    return min(1.0, max(0.0625, 10 ** ((out_ceiling - gain) / 20)))


def render_pcm_file(directory: Path) -> IO[bytes]:
    """A temporary PCM file beside the audio folder (same disk, removed when closed)."""
    directory.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(suffix=".pcm", dir=directory)
