"""Writes chime.wav, the default intro/outro: three soft bell tones (run once; the file is in git).

python -m broadcaster.assets.make_chime
"""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

RATE = 22050
NOTES = ((659.25, 0.0), (783.99, 0.28), (1046.5, 0.56))  # E5, G5, C6
LENGTH_S = 1.6


def chime_samples() -> array.array:
    """A three-note bell with harmonics and an exponential decay."""
    samples = array.array("h", [0] * int(RATE * LENGTH_S))
    for freq, start in NOTES:
        first = int(start * RATE)
        for n in range(first, len(samples)):
            t = (n - first) / RATE
            envelope = math.exp(-4.0 * t) * min(1.0, t / 0.005)
            value = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(2 * math.pi * 2 * freq * t)
            samples[n] = max(-32767, min(32767, samples[n] + int(6000 * envelope * value)))
    return samples


def main() -> None:
    path = Path(__file__).with_name("chime.wav")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(chime_samples().tobytes())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
