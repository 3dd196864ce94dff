"""Master: spoken sentences become the broadcast MP3 at a steady loudness.

Assembly streams to a temporary PCM file, one sentence at a time, so a 30-minute
bulletin never sits in memory: the intro (default: the chime shipped in
`assets/chime.wav`; or a town's own jingle file; or none), an optional spoken
opening, every sentence with its leading and trailing silence trimmed and the
configured pause after it (sentence or paragraph), then the outro.

Mastering is one pass over the samples, in process (`broadcaster.sound.loudness`): reading the PCM
file block by block, we measure its integrated loudness (ITU-R BS.1770-4) and keep a fine
summary of its true peaks, from which the gain that lands on the target after the true-peak
limiter is found without touching the samples again. The second read applies that gain and the
limiter and streams the result into one MP3 encode. The MP3 is then decoded once, in process, and
what it measures is what the rendering stores; only if it missed is it encoded again.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Iterator

import numpy as np
from numpy.typing import NDArray

from broadcaster.config import Settings
from broadcaster.sound import audio
from broadcaster.sound.assembly import MasteringError
from broadcaster.sound.audio import Loudness
from broadcaster.sound.loudness import (
    LimitedLoudness,
    Limiter,
    LimiterTimes,
    LoudnessMeter,
    TruePeakMeter,
)

logger = logging.getLogger(__name__)

# LAME at 64 kb/s raises true peaks above what the limiter let through (0.1-0.7 dB on plain
# espeak speech, up to 1.6 dB on clipped openings). 0.8 dB covers speech in one encode; a wider
# margin limits too-loud openings so hard that their loudness range falls by 1 LU or more
# (tests/sound/test_master.py, a loud opening: 0.8 LU at 0.8 dB, 1.0 at 1.0, 1.2 at 1.5). A rare
# overshoot is encoded again.
PEAK_MARGIN_DB = 0.8
# LAME takes this much loudness out of speech (measured 0.4-0.45 LU on every espeak voice at
# 64 and 128 kb/s; ffmpeg's resampling alone takes 0.1): the gain aims this much higher.
ENCODER_LOSS_LU = 0.4
MAX_STEPS = 6
MAX_ENCODES = 3
TOLERANCE_LU = 0.3
BLOCK = 1 << 16  # samples per block: about 3 s at the voices' rates


def master(raw: Path, rate: int, dest: Path, settings: Settings, tags: dict[str, str]) -> Loudness:
    """Normalise `raw` PCM to the loudness target under the true-peak ceiling and encode it into
    `dest` once; return the loudness measured on the MP3 itself."""
    target, ceiling = settings.target_lufs, settings.true_peak_dbtp
    model = LimitedLoudness(rate, LimiterTimes())
    for block in _pcm_blocks(raw):
        model.feed(block)
    measured = model.integrated()
    if math.isinf(measured) or measured < -70:
        raise MasteringError("The speech is silent; nothing to master.")
    out_ceiling = ceiling - PEAK_MARGIN_DB
    aim = target + ENCODER_LOSS_LU  # what the limited PCM must measure for the MP3 to land
    gain = _search_gain(model, target - measured, aim, out_ceiling)
    # Another encode only when one missed: the encoder took more or less loudness than assumed,
    # or raised the peaks past the margin (densely limited audio does). Each try is its own
    # file; the best is kept: under the ceiling first, then nearest the target.
    tries: list[tuple[Loudness, Path]] = []
    try:
        for attempt in range(MAX_ENCODES):
            path = dest.with_name(f"{dest.name}.{attempt}")
            result = _limit_and_encode(raw, rate, path, settings, tags, gain, out_ceiling)
            tries.append((result, path))
            if result.true_peak <= ceiling and abs(target - result.integrated) <= TOLERANCE_LU:
                break
            logger.debug(
                "encoding again: %.2f LUFS, %.2f dBTP", result.integrated, result.true_peak
            )
            if result.true_peak > ceiling:
                # Only lower the limiter's ceiling: more gain as well would limit harder, and
                # harder limiting makes the encoder overshoot more.
                out_ceiling -= result.true_peak - ceiling + 0.3
            else:
                aim += target - result.integrated
                gain = _search_gain(model, gain, aim, out_ceiling)
        result, path = min(
            tries,
            key=lambda t: (t[0].true_peak > ceiling, abs(target - t[0].integrated), t[0].true_peak),
        )
        os.replace(path, dest)
    finally:
        for _, path in tries:
            path.unlink(missing_ok=True)
    logger.debug(
        "mastered: %.2f LUFS in, %d encode(s), %.2f LUFS and %.2f dBTP out",
        measured,
        len(tries),
        result.integrated,
        result.true_peak,
    )
    return result


def _search_gain(model: LimitedLoudness, gain: float, target: float, ceiling: float) -> float:
    """The gain that the limiter's coarse model says lands on `target` (secant steps)."""
    tried: list[tuple[float, float]] = []
    for _ in range(MAX_STEPS):
        level = model.limited(gain, ceiling)
        if abs(target - level) <= TOLERANCE_LU / 4:
            break
        tried.append((gain, level))
        slope = 1.0
        if len(tried) >= 2 and tried[-1][0] != tried[-2][0]:
            slope = (tried[-1][1] - tried[-2][1]) / (tried[-1][0] - tried[-2][0])
            slope = min(1.0, max(0.2, slope))
        gain += (target - level) / slope
    return gain


def _limit_and_encode(
    raw: Path,
    rate: int,
    dest: Path,
    settings: Settings,
    tags: dict[str, str],
    gain_db: float,
    ceiling_db: float,
) -> Loudness:
    """One pass: gain, true-peak limiter, MP3 encode; then measure the MP3 (one decode)."""
    scale = np.float32(10 ** (gain_db / 20))
    limiter = Limiter(rate, ceiling_db)
    writer = audio.Mp3Writer(
        dest, rate, out_rate=settings.sample_rate, bitrate=settings.mp3_bitrate, tags=tags
    )
    try:
        skip = limiter.latency  # the limiter's output starts this late: drop its lead-in
        for block in _pcm_blocks(raw):
            limited = limiter.process(block * scale)
            limited, skip = limited[skip:], max(0, skip - len(limited))
            writer.write(limited.astype("<f4").tobytes())
        writer.write(limiter.flush()[skip:].astype("<f4").tobytes())
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return measure_mp3(dest)


def measure_mp3(path: Path) -> Loudness:
    """Integrated loudness, true peak and loudness range of an MP3, decoded once in process."""
    rate, blocks = audio.mp3_blocks(path)
    meter, peak = LoudnessMeter(rate), TruePeakMeter()
    for block in blocks:
        samples = np.frombuffer(block, dtype=np.float32)
        meter.feed(samples)
        peak.feed(samples)
    peak.finish()
    return Loudness(meter.integrated(), peak.dbtp, meter.loudness_range())


def _pcm_blocks(raw: Path) -> Iterator[NDArray[np.float32]]:
    """The assembled 16-bit PCM file as float samples, one block at a time."""
    with open(raw, "rb") as handle:
        while True:
            pcm = np.fromfile(handle, dtype="<i2", count=BLOCK)
            if not len(pcm):
                return
            yield pcm.astype(np.float32) / np.float32(32768)
