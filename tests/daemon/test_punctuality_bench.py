"""`broadcaster bench punctuality` runs (issue 25: it refused its own slots as overlapping and
nobody noticed). Small: three slots a second apart on the real daemon and scheduler. The figures
themselves come from the bench run on demand, never from this test."""

from __future__ import annotations

import math

import pytest

from broadcaster.bench.scheduling import bench_punctuality

pytestmark = pytest.mark.slow


def test_the_punctuality_bench_airs_every_slot_and_measures_each() -> None:
    figures = bench_punctuality(count=3, interval=1.0, lead=8.0)
    assert (figures.count, figures.aired) == (3, 3)
    for value in (figures.p50_ms, figures.p99_ms, figures.play_p50_ms, figures.play_p99_ms):
        assert math.isfinite(value) and value >= 0
    assert figures.play_p50_ms >= figures.p50_ms  # the row opens, then the output is handed it


def test_the_punctuality_bench_measures_to_the_sound_cards_first_samples() -> None:
    figures = bench_punctuality(count=2, interval=1.0, lead=8.0, soundcard=True)
    assert (figures.count, figures.aired) == (2, 2)
    assert math.isfinite(figures.sound_p99_ms) and figures.sound_p50_ms >= figures.play_p50_ms
