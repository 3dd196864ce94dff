"""The in-process meter, true-peak meter and limiter, checked against pyloudnorm and ffmpeg."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from broadcaster.sound import audio
from broadcaster.sound.loudness import (
    LimitedLoudness,
    Limiter,
    LimiterTimes,
    LoudnessMeter,
    TruePeakMeter,
)


def _speechlike(rate: int, seconds: int, seed: int = 1) -> np.ndarray:
    """Noise below 8 kHz whose level changes every 100 ms, with sharp peaks: hard on a limiter."""
    rng = np.random.default_rng(seed)
    levels = np.repeat(rng.uniform(0.0, 0.25, seconds * 10), rate // 10)
    noise = rng.standard_normal(len(levels)) * levels
    noise[rng.integers(0, len(noise), seconds * 20)] *= 4  # clicks well above the rest
    noise = signal.sosfilt(signal.butter(8, 8000, fs=rate, output="sos"), noise)
    return (noise * (0.9 / np.abs(noise).max())).astype(np.float32)


def _in_blocks(samples: np.ndarray, size: int = 7777):  # type: ignore[no-untyped-def]
    return (samples[i : i + size] for i in range(0, len(samples), size))


def _limit(samples: np.ndarray, limiter: Limiter) -> np.ndarray:
    out = [limiter.process(block) for block in _in_blocks(samples)]
    return np.concatenate([*out, limiter.flush()])[limiter.latency :]


def _raw(samples: np.ndarray, path: Path) -> Path:
    (np.clip(samples, -1, 1) * 32767).astype("<i2").tofile(path)
    return path


@pytest.mark.parametrize("rate", [22050, 24000, 44100])
def test_integrated_loudness_matches_pyloudnorm_block_by_block(rate: int) -> None:
    samples = _speechlike(rate, 20)
    meter = LoudnessMeter(rate)
    for block in _in_blocks(samples):
        meter.feed(block)
    expected = pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64))
    assert meter.integrated() == pytest.approx(expected, abs=0.01)


def test_silence_has_no_loudness() -> None:
    meter = LoudnessMeter(22050)
    meter.feed(np.zeros(22050 * 3, dtype=np.float32))
    assert meter.integrated() == -math.inf


def test_loudness_range_and_true_peak_agree_with_ffmpeg(tmp_path: Path) -> None:
    rate = 44100
    samples = _speechlike(rate, 30) * np.repeat([0.3, 1.0, 0.5], rate * 10).astype(np.float32)
    meter, peak = LoudnessMeter(rate), TruePeakMeter()
    for block in _in_blocks(samples):
        meter.feed(block)
        peak.feed(block)
    peak.finish()
    ffmpeg = audio.measure_loudness(_raw(samples, tmp_path / "x.raw"), raw_rate=rate)
    assert meter.integrated() == pytest.approx(ffmpeg.integrated, abs=0.1)
    assert meter.loudness_range() == pytest.approx(ffmpeg.loudness_range, abs=0.3)
    assert peak.dbtp == pytest.approx(ffmpeg.true_peak, abs=0.2)


def test_the_true_peak_between_samples_is_found() -> None:
    rate = 44100
    # A quarter-rate tone sampled 45 degrees off its crest: samples reach 0.707 of its peak.
    t = np.arange(rate)
    tone = (0.5 * np.sin(2 * np.pi * t / 4 + np.pi / 4)).astype(np.float32)
    peak = TruePeakMeter()
    peak.feed(tone)
    peak.finish()
    assert 20 * math.log10(float(np.abs(tone).max())) == pytest.approx(-9.0, abs=0.1)
    assert peak.dbtp == pytest.approx(-6.0, abs=0.3)


@pytest.mark.parametrize("rate", [22050, 24000])
def test_the_limiter_holds_the_ceiling_and_keeps_time_and_length(rate: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    samples = _speechlike(rate, 10) * np.float32(2.0)  # peaks up to +6 dBFS
    limiter = Limiter(rate, -3.0)
    out = _limit(samples, limiter)
    assert len(out) == len(samples)
    measured = audio.measure_loudness(_raw(out, tmp_path / "out.raw"), raw_rate=rate)
    assert measured.true_peak <= -3.0 + 0.2  # ffmpeg oversamples differently; the margin covers it
    quiet = np.abs(samples) < 0.05
    ratio = out[quiet] / np.where(samples[quiet] == 0, 1, samples[quiet])
    assert np.median(ratio) == pytest.approx(1.0, abs=0.01)  # untouched where there is room


def test_audio_under_the_ceiling_passes_unchanged() -> None:
    samples = _speechlike(22050, 5) * np.float32(0.1)
    out = _limit(samples, Limiter(22050, -1.0))
    assert np.allclose(out, samples, atol=1e-6)


def test_the_limiter_acts_before_a_peak_at_the_very_start() -> None:
    rate = 22050
    samples = np.zeros(rate, dtype=np.float32)
    samples[0], samples[1] = 1.0, -1.0  # the first two samples are the loudest
    out = _limit(samples, Limiter(rate, -6.0))
    assert float(np.abs(out).max()) <= 10 ** (-6 / 20) + 1e-4


def test_the_model_predicts_what_the_limiter_does() -> None:
    rate = 22050
    samples = _speechlike(rate, 20)
    model = LimitedLoudness(rate, LimiterTimes())
    for block in _in_blocks(samples):
        model.feed(block)
    for gain in (0.0, 6.0, 12.0):
        limited = _limit(samples * np.float32(10 ** (gain / 20)), Limiter(rate, -2.0))
        meter = LoudnessMeter(rate)
        meter.feed(limited)
        assert model.limited(gain, -2.0) == pytest.approx(meter.integrated(), abs=0.15), gain
