"""`broadcaster bench clusters` on a small scale: a real station process, a real Mosquitto and
20 simulated agents on one loop. It checks what the figures say, never how fast they are."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest
from click.testing import CliRunner

from broadcaster.bench.cluster_figures import ClusterFigures, report_lines
from broadcaster.bench.spread import ENTRIES
from broadcaster.cli import main
from tests.broker import require_mosquitto


@pytest.mark.slow  # a broker, a station process and 20 connections
def test_every_agent_gets_the_emergency_and_every_confirmation_is_sealed_once_per_batch() -> None:
    require_mosquitto()
    cpus = os.sched_getaffinity(0)
    separate = ["--separate-cores"] if len(cpus) >= 2 else []  # station and agents apart
    result = CliRunner().invoke(
        main,
        ["bench", "clusters", "--agents", "20", "--zones", "2", "--witness", "--window", "7", "--real", "2",
         "--timeout", "120", "--json", *separate],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert os.sched_getaffinity(0) == cpus  # this process may use every CPU again
    figures = json.loads(result.output)
    assert (figures["agents"], figures["zones"], figures["witness"]) == (20, 2, True)
    assert figures["connected"] == figures["received"] == 20 and figures["refused"] == 0
    # two reports (started, aired) from each agent, each sealed once, into a chain that verifies
    assert figures["confirmations"] == figures["sealed"] == 40
    assert figures["airings"] == 20 and figures["chain_ok"] is True
    # the witness is told once per sealed batch (one anchored head each), not per confirmation
    assert 1 <= figures["witness_calls"] == figures["batches"] < figures["sealed"]
    assert figures["timed_out"] is False
    # two real agents started every entry of the slot; the station sealed each start
    assert (figures["real_agents"], figures["real_entries"]) == (2, ENTRIES)
    assert figures["real_confirmed"] == 2 * ENTRIES
    assert 0 <= figures["spread_p50_ms"] <= figures["spread_p99_ms"] <= figures["spread_max_ms"]
    assert figures["real_agent_peak_mb"] > 0
    measured = ("connect_s", "publish_s", "delivery_p50_ms", "delivery_p99_ms",
                "delivery_max_ms", "sealed_within_s", "sealed_per_s", "station_peak_mb",
                "broker_peak_mb", "agents_rss_mb")  # fmt: skip
    assert all(figures[name] is not None and figures[name] > 0 for name in measured)
    assert figures["delivery_p50_ms"] <= figures["delivery_p99_ms"] <= figures["delivery_max_ms"]
    printed = "\n".join(report_lines(ClusterFigures(**figures)))
    assert "delivered to 20/20 agents" in printed and "sealed: 40/40" in printed
    assert "witness calls " + str(figures["witness_calls"]) in printed
    assert "target 5,000 agents: NOT met (20)" in printed
    assert f"{2 * ENTRIES}/{2 * ENTRIES} starts sealed" in printed


def test_a_run_cut_short_says_what_it_got_and_which_targets_were_missed() -> None:
    """The printed figures of a run that stopped at its --timeout (no broker needed)."""
    cut = ClusterFigures(
        agents=5000, zones=1, witness=False, setup_s=50.0, connected=5000, refused=0,
        connect_s=12.0, publish_s=10.0, received=4000, delivery_p50_ms=900.0,
        delivery_p99_ms=1800.0, delivery_max_ms=1900.0, confirmations=8000, sealed=7000,
        sealed_within_s=9.0, sealed_per_s=800.0, batches=7, witness_calls=0, airings=3500,
        chain_ok=True, station_cpu_s=9.0, station_peak_mb=180.0, broker_cpu_s=1.0,
        broker_peak_mb=26.0, agents_rss_mb=190.0, agents_kb_each=3.0, timed_out=True,
    )  # fmt: skip
    printed = report_lines(cut)
    assert "stopped at the --timeout" in "\n".join(printed)
    assert "target 5,000 agents: met (5000)" in printed
    # fast, but 1,000 agents never got it and 1,000 confirmations were not sealed
    assert "target delivery p99 <= 2 s: NOT met" in printed
    assert "target every confirmation sealed within 10 s: NOT met" in printed
    assert not any("start spread" in line for line in printed)  # no real agents asked for
    few = dataclasses.replace(cut, real_agents=3, real_entries=ENTRIES - 1, spread_p99_ms=1.0)
    assert "target start spread p99 <= 20 ms: NOT met" in report_lines(few)  # one never started
    whole = dataclasses.replace(cut, received=5000, confirmations=10000, sealed=10000,
                                timed_out=False)  # fmt: skip
    done = report_lines(whole)
    assert "target delivery p99 <= 2 s: met" in done
    assert "target every confirmation sealed within 10 s: met" in done


@pytest.mark.parametrize("agents", ["0", "20001"])
def test_the_agent_count_is_bounded(agents: str) -> None:
    result = CliRunner().invoke(main, ["bench", "clusters", "--agents", agents])
    assert result.exit_code == 2 and "is not in the range 1<=x<=20000" in result.output
