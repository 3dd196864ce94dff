"""Benchmarks run on demand (`broadcaster bench …`); they print figures, they never assert."""

from __future__ import annotations

import time
from dataclasses import dataclass

from broadcaster.spoken import Normaliser


@dataclass(frozen=True)
class NormaliseFigures:
    """Throughput of the spoken-form stage."""

    characters: int
    repeat: int
    seconds: float

    @property
    def chars_per_second(self) -> float:
        """Input characters normalised per second."""
        return self.characters * self.repeat / self.seconds


def bench_normalise(text: str, repeat: int, normaliser: Normaliser) -> NormaliseFigures:
    """Normalise `text` `repeat` times on one core (after one warm-up run) and time it."""
    normaliser(text)
    start = time.perf_counter()
    for _ in range(repeat):
        normaliser(text)
    return NormaliseFigures(len(text), repeat, time.perf_counter() - start)
