"""`broadcaster bench relay` run small, so it cannot rot: one relay slot on the real daemon
against a real Icecast whose source is killed mid-slot, its three figures printed with their
targets. The figures are measured, never asserted as speeds: only their order is checked."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from broadcaster.bench.relay import bench_relay
from broadcaster.cli import main
from tests.icecast import require_icecast

pytestmark = pytest.mark.slow  # real-time audio through Icecast (make test-fast leaves it out)


def test_the_relay_bench_measures_start_stall_and_fallback() -> None:
    require_icecast()
    figures = bench_relay(rounds=1)
    assert len(figures.start_ms) == len(figures.stall_ms) == len(figures.fallback_ms) == 1
    assert figures.start_ms[0] > 0
    # the stop is noticed, then the retries run out, then the fallback sounds
    assert 0 < figures.stall_ms[0] < figures.fallback_ms[0]


def test_the_relay_bench_command_prints_each_figure_with_its_target() -> None:
    require_icecast()
    result = CliRunner().invoke(main, ["bench", "relay", "--rounds", "1"])
    assert result.exit_code == 0, result.output
    for figure in ("start delay", "stall detection", "fallback delay"):
        (line,) = [line for line in result.output.splitlines() if line.startswith(figure)]
        assert "p50" in line and "target <=" in line, line
