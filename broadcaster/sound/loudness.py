"""Loudness in process: ITU-R BS.1770-4 metering, true peak and a look-ahead limiter, block by block.

Everything here streams: a caller feeds blocks of mono float samples and the state carried between
blocks (filter memories, a few milliseconds of look-ahead, one number per 100 ms) is all that is
kept, so a 30-minute bulletin costs no more memory than a short one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# scipy is imported where a filter is first needed, not with this module: scipy.signal takes
# about a second to import, and every command of the CLI imports this stage through the
# services (`broadcaster --help` or `log verify` should not wait for a filter they never run).

Samples = NDArray[np.float32]

ABSOLUTE_GATE = -70.0
OVERSAMPLE = 4


def k_weighting(rate: int) -> NDArray[np.float64]:
    """The BS.1770 K-weighting (high shelf, then high pass) as second-order sections for `rate`."""
    # The two biquads of the standard, derived for any sample rate (as pyloudnorm does).
    w0 = 2 * math.pi * 1500.0 / rate
    gain = 10 ** (4.0 / 40)
    alpha = math.sin(w0) / (2 / math.sqrt(2))
    root = 2 * math.sqrt(gain) * alpha
    cos = math.cos(w0)
    shelf = [
        gain * ((gain + 1) + (gain - 1) * cos + root),
        -2 * gain * ((gain - 1) + (gain + 1) * cos),
        gain * ((gain + 1) + (gain - 1) * cos - root),
        (gain + 1) - (gain - 1) * cos + root,
        2 * ((gain - 1) - (gain + 1) * cos),
        (gain + 1) - (gain - 1) * cos - root,
    ]
    w0 = 2 * math.pi * 38.0 / rate
    alpha = math.sin(w0) / (2 * 0.5)
    cos = math.cos(w0)
    high_pass = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha]
    sos = np.array([shelf, high_pass], dtype=np.float64)
    return sos / sos[:, 3:4]


def _lufs(power: float) -> float:
    return -0.691 + 10 * math.log10(power) if power > 0 else -math.inf


def _windows(energy: NDArray[np.float64], hops: int, hop: int) -> NDArray[np.float64]:
    """Mean power of every window of `hops` consecutive 100 ms hops."""
    if len(energy) < hops:
        return np.zeros(0)
    return np.convolve(energy, np.ones(hops), mode="valid") / (hops * hop)


def gated_loudness(energy: NDArray[np.float64], hop: int) -> float:
    """BS.1770 integrated loudness from the K-weighted energy of each 100 ms hop."""
    power = _windows(energy, 4, hop)
    loud = power[power > 10 ** ((ABSOLUTE_GATE + 0.691) / 10)]
    if not len(loud):
        return -math.inf
    relative = _lufs(float(loud.mean())) - 10
    kept = loud[loud > 10 ** ((relative + 0.691) / 10)]
    return _lufs(float(kept.mean()))


class HopSums:
    """Sums of a stream's values over consecutive stretches of `hop` samples, fed in blocks."""

    def __init__(self, hop: int) -> None:
        self.hop = hop
        self.sums: list[float] = []
        self.partial = 0.0
        self.partial_n = 0

    def add(self, values: NDArray[np.float64] | NDArray[np.float32]) -> None:
        """Take the next values of the stream."""
        start = 0
        if self.partial_n:
            start = min(self.hop - self.partial_n, len(values))
            self.partial += float(values[:start].sum())
            self.partial_n += start
            if self.partial_n == self.hop:
                self.sums.append(self.partial)
                self.partial, self.partial_n = 0.0, 0
        whole = (len(values) - start) // self.hop
        if whole:
            chunk = values[start : start + whole * self.hop].reshape(whole, self.hop)
            self.sums.extend(chunk.sum(axis=1, dtype=np.float64).tolist())
            start += whole * self.hop
        if start < len(values):
            self.partial = float(values[start:].sum(dtype=np.float64))
            self.partial_n = len(values) - start


class LoudnessMeter:
    """Integrated loudness and loudness range of a stream, fed in blocks of any length."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        # float32 filtering is several times faster and agrees with float64 to 1e-6 dB.
        from scipy.signal import sosfilt  # see the note at the top

        self.sosfilt = sosfilt
        self.sos = k_weighting(rate).astype(np.float32)
        self.state = np.zeros((2, 2), dtype=np.float32)
        self.hop = round(rate / 10)  # 100 ms: gating blocks are four hops with 75 % overlap
        self.sums = HopSums(self.hop)  # K-weighted energy of each 100 ms, one float per hop

    @property
    def hops(self) -> list[float]:
        """K-weighted energy of each whole 100 ms so far."""
        return self.sums.sums

    def feed(self, block: Samples) -> Samples:
        """Take the next samples of the stream; return their K-weighted squares."""
        # A -180 dBFS tone at half the sample rate keeps the filter out of denormal numbers
        # after silence, which are tens of times slower on x86.
        nudged = block.astype(np.float32)  # a copy
        nudged[::2] += np.float32(1e-9)
        nudged[1::2] -= np.float32(1e-9)
        filtered, self.state = self.sosfilt(self.sos, nudged, zi=self.state)
        weighted: Samples = np.asarray(filtered, dtype=np.float32)
        squares: Samples = weighted * weighted
        self.sums.add(squares)
        return squares

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS (-inf for silence)."""
        return gated_loudness(np.asarray(self.hops, dtype=np.float64), self.hop)

    def loudness_range(self) -> float:
        """Loudness range in LU (EBU Tech 3342: short-term 3 s loudness, 10th to 95th percentile)."""
        power = _windows(np.asarray(self.hops, dtype=np.float64), 30, self.hop)
        loud = power[power > 10 ** ((ABSOLUTE_GATE + 0.691) / 10)]
        if not len(loud):
            return 0.0
        relative = _lufs(float(loud.mean())) - 20
        kept = loud[loud > 10 ** ((relative + 0.691) / 10)]
        levels = -0.691 + 10 * np.log10(kept)
        low, high = np.percentile(levels, [10, 95])
        return float(high - low)


class Oversampler:
    """Polyphase 4x interpolation with carried state: the peak between samples, block by block."""

    def __init__(self, taps_per_phase: int = 12) -> None:
        # An odd length puts one of the four points on each input sample itself (that phase
        # is a single tap of 1: the others are zeros of the sinc, skipped below).
        from scipy.signal import firwin  # see the note at the top

        taps = firwin(OVERSAMPLE * taps_per_phase - 1, 1 / OVERSAMPLE) * OVERSAMPLE
        taps = np.append(taps, 0.0)
        self.phases = [
            [(offset, np.float32(tap)) for offset, tap in enumerate(taps[p::OVERSAMPLE][::-1])
             if abs(tap) > 1e-9]
            for p in range(OVERSAMPLE)
        ]  # fmt: skip
        self.tail = np.zeros(taps_per_phase - 1, dtype=np.float32)
        # Each output lags its input by half the filter: this many input samples.
        self.delay = (len(taps) - 2) // (2 * OVERSAMPLE)

    def peaks(self, block: Samples) -> Samples:
        """For each sample in, the largest magnitude among the 4 interpolated points `delay` earlier."""
        joined = np.concatenate([self.tail, block.astype(np.float32)])
        self.tail = joined[len(joined) - len(self.tail) :]
        count = len(block)
        best = np.zeros(count, dtype=np.float32)
        for phase in self.phases:
            # Multiply-adds over whole arrays: numpy's short direct convolutions are slower.
            point = np.zeros(count, dtype=np.float32)
            for offset, tap in phase:
                point += tap * joined[offset : offset + count]
            np.maximum(best, np.abs(point), out=best)
        return best


class TruePeakMeter:
    """The highest true peak of a stream (4x oversampled), fed in blocks."""

    def __init__(self) -> None:
        self.oversampler = Oversampler()
        self.peak = 0.0

    def feed(self, block: Samples) -> None:
        """Take the next samples of the stream."""
        if len(block):
            found = float(self.oversampler.peaks(block).max())
            self.peak = max(self.peak, found, float(np.abs(block).max()))

    def finish(self) -> None:
        """Flush the filter so the last samples count too."""
        self.feed(np.zeros(self.oversampler.delay + 1, dtype=np.float32))

    @property
    def dbtp(self) -> float:
        """The true peak in dBTP."""
        return 20 * math.log10(self.peak) if self.peak > 0 else -math.inf


@dataclass(frozen=True)
class LimiterTimes:
    """How fast the limiter moves: look-ahead (= attack ramp) in seconds, release in dB/s."""

    # Fast: the limiter shaves single glottal pulses and recovers between them, so speech
    # keeps its loudness range and no 400 ms block loses more than a few dB.
    lookahead: float = 0.002
    release_db_per_s: float = 1000.0


class GainComputer:
    """The limiter's gain reduction curve from the reduction each sample needs; causal, stateful.

    Each need is held for the look-ahead, released at a steady number of dB per second (so gain
    recovers exponentially in amplitude), then averaged over the look-ahead so it ramps in
    smoothly and is complete `ahead` samples later, when the peak plays: every value averaged
    was computed from a window that contains that peak.
    """

    def __init__(self, rate: float, times: LimiterTimes) -> None:
        from scipy.ndimage import maximum_filter1d  # see the note at the top

        self.maximum_filter1d = maximum_filter1d
        self.ahead = max(1, round(times.lookahead * rate))
        self.release = times.release_db_per_s / 20 * math.log(10) / rate
        self.need_tail = np.zeros(self.ahead, dtype=np.float32)
        self.held_tail = np.zeros(self.ahead, dtype=np.float32)
        self.released = 0.0

    def process(self, need: NDArray[np.float32]) -> NDArray[np.float32]:
        """Reduction (natural-log amplitude) to apply `ahead` samples after each need arrives."""
        joined = np.concatenate([self.need_tail, need])
        self.need_tail = joined[-self.ahead :]
        held = self.maximum_filter1d(joined, self.ahead + 1, origin=self.ahead // 2)
        held = held[self.ahead :]
        # y[n] = max(held[n], y[n-1] - release), vectorised as a running maximum.
        ramp = self.release * np.arange(1, len(held) + 1, dtype=np.float64)
        released = np.maximum.accumulate(np.maximum(held + ramp, self.released))
        released -= ramp
        self.released = float(released[-1])
        joined = np.concatenate([self.held_tail, released.astype(np.float32)])
        self.held_tail = joined[-self.ahead :]
        sums = np.cumsum(joined, dtype=np.float64)
        window = self.ahead + 1
        smooth = (sums[self.ahead :] - np.concatenate([[0.0], sums[:-window]])) / window
        return smooth.astype(np.float32)


class Limiter:
    """A true-peak limiter (4x oversampled peaks) with look-ahead and smooth release."""

    def __init__(self, rate: int, ceiling_db: float, times: LimiterTimes = LimiterTimes()) -> None:
        self.oversampler = Oversampler()
        self.gains = GainComputer(rate, times)
        self.log_ceiling = ceiling_db / 20 * math.log(10)
        self.latency = self.oversampler.delay + self.gains.ahead
        self.signal_tail = np.zeros(self.latency, dtype=np.float32)
        self.deepest_db = 0.0  # the most the limiter has lowered the gain so far
        self.reduction_sums = HopSums(round(rate / 10))  # reduction summed per 100 ms

    def process(self, block: Samples) -> Samples:
        """Limit the next samples; the output lags the input by `latency` samples."""
        if not len(block):
            return block
        # Reduction needed, in natural-log amplitude units (cheaper than dB, same shape).
        peaks = np.maximum(self.oversampler.peaks(block), np.float32(1e-9))
        need = np.maximum(np.log(peaks) - np.float32(self.log_ceiling), np.float32(0))
        reduction = self.gains.process(need)
        self.deepest_db = max(self.deepest_db, float(reduction.max()) * 20 / math.log(10))
        self.reduction_sums.add(reduction)
        delayed = np.concatenate([self.signal_tail, block])
        self.signal_tail = delayed[-self.latency :]
        return (delayed[: len(block)] * np.exp(-reduction)).astype(np.float32)

    def worst_block_db(self) -> float:
        """The largest mean gain reduction (dB) over any 400 ms block (100 ms steps) so far."""
        sums = np.asarray(self.reduction_sums.sums)
        if len(sums) < 4:
            return 0.0
        means = np.convolve(sums, np.ones(4), mode="valid") / (4 * self.reduction_sums.hop)
        return float(means.max()) * 20 / math.log(10)

    def flush(self) -> Samples:
        """The last `latency` samples still inside the limiter."""
        return self.process(np.zeros(self.latency, dtype=np.float32))


class LimitedLoudness:
    """Loudness of a stream as it is, and as it would be after a gain and the limiter.

    Fed blocks once, it keeps per 100 ms the K-weighted energy (for BS.1770) and per
    millisecond the true peak and energy (about 15 MB for 30 minutes); `limited(gain,
    ceiling)` then runs the limiter's gain curve at that resolution, so the gain can be searched
    without another pass over the samples.
    """

    def __init__(self, rate: int, times: LimiterTimes) -> None:
        self.meter = LoudnessMeter(rate)
        hop = self.meter.hop
        self.chunk = next(d for d in range(max(1, hop // 100), 0, -1) if hop % d == 0)
        self.times = times
        self.oversampler = Oversampler()
        self.skip = self.oversampler.delay  # the peaks lag the samples by this much
        self.peak_rest = np.zeros(0, dtype=np.float32)
        self.energy_rest = np.zeros(0, dtype=np.float32)
        self.peaks: list[NDArray[np.float32]] = []
        self.energies: list[NDArray[np.float32]] = []

    def feed(self, block: Samples) -> None:
        """Take the next samples of the stream."""
        squares = self.meter.feed(block)
        peaks = np.concatenate([self.peak_rest, self.oversampler.peaks(block)[self.skip :]])
        self.skip = max(0, self.skip - len(block))
        whole = len(peaks) // self.chunk * self.chunk
        self.peak_rest = peaks[whole:]
        self.peaks.append(peaks[:whole].reshape(-1, self.chunk).max(axis=1))
        squares = np.concatenate([self.energy_rest, squares])
        whole = len(squares) // self.chunk * self.chunk
        self.energy_rest = squares[whole:]
        sums = squares[:whole].reshape(-1, self.chunk).sum(axis=1)
        self.energies.append(sums.astype(np.float32))

    def integrated(self) -> float:
        """Integrated loudness of the stream as fed (LUFS)."""
        return self.meter.integrated()

    def limited(self, gain_db: float, ceiling_db: float) -> float:
        """Predicted integrated loudness (LUFS) after `gain_db` and the limiter at `ceiling_db`."""
        shift = np.float32((gain_db - ceiling_db) / 20 * math.log(10))
        computer = GainComputer(self.meter.rate / self.chunk, self.times)
        per_hop = self.meter.hop // self.chunk
        hop_energy = HopSums(per_hop)
        skip, done = computer.ahead, 0  # the computed reduction lags its peaks by `ahead` chunks
        energies = iter(self.energies)
        pending = np.zeros(0, dtype=np.float32)
        tail = [np.zeros(computer.ahead, dtype=np.float32)]
        for peaks in [*self.peaks, *tail]:
            need = np.maximum(np.log(np.maximum(peaks, np.float32(1e-9))) + shift, np.float32(0))
            reduction = computer.process(need)[skip:]
            skip = max(0, skip - len(need))
            while len(pending) < len(reduction):
                more = next(energies, None)
                if more is None:
                    break
                pending = np.concatenate([pending, more])
            count = min(len(pending), len(reduction))
            hop_energy.add(pending[:count] * np.exp(-2 * reduction[:count]))
            pending = pending[count:]
            done += count
        energy = np.asarray(hop_energy.sums) * 10 ** (gain_db / 10)
        return gated_loudness(energy, self.meter.hop)
