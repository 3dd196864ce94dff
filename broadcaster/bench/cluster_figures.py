"""What `broadcaster bench clusters` measured, and the lines it prints with each target met or not."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from broadcaster.bench import spread as bench_spread


@dataclass(frozen=True)
class ClusterFigures:
    """What `bench clusters` measured; times in seconds unless named _ms, memory in MB."""

    agents: int
    zones: int
    witness: bool
    setup_s: float  # clusters, broker accounts and the bulletin (not measured further)
    connected: int  # agents connected and subscribed
    refused: int
    connect_s: float
    publish_s: float  # send_emergencies(): dispatch rows, commit, handing 1 message per agent
    received: int
    delivery_p50_ms: float
    delivery_p99_ms: float
    delivery_max_ms: float
    confirmations: int  # expected: two reports (started, aired) per agent that received it
    sealed: int
    sealed_within_s: float  # from the publish to the last confirmation sealed
    sealed_per_s: float  # from the first agent's receipt to the last confirmation sealed
    batches: int  # heads anchored (one per sealed batch)
    witness_calls: int
    airings: int  # sealed rows with outcome aired
    chain_ok: bool
    station_cpu_s: float  # during the measurement (publish to last seal)
    station_peak_mb: float
    broker_cpu_s: float
    broker_peak_mb: float
    agents_rss_mb: float  # this process with every agent connected
    agents_kb_each: float
    timed_out: bool
    real_agents: int = 0  # real `broadcaster agent` processes airing the same entries
    real_entries: int = 0  # entries every real agent started (one spread each)
    real_confirmed: int = 0  # their sealed rows with a start
    spread_p50_ms: float = float("nan")
    spread_p99_ms: float = float("nan")
    spread_max_ms: float = float("nan")
    real_agent_peak_mb: float = float("nan")


def spread_fields(spread: bench_spread.SpreadFigures | None, real: int) -> dict[str, Any]:
    """The real agents' figures as ClusterFigures fields (only their count when none ran)."""
    if spread is None:
        return {"real_agents": real}
    return {
        "real_agents": spread.agents, "real_entries": spread.entries,
        "real_confirmed": spread.confirmed, "spread_p50_ms": spread.p50_ms,
        "spread_p99_ms": spread.p99_ms, "spread_max_ms": spread.max_ms,
        "real_agent_peak_mb": spread.agent_peak_mb,
    }  # fmt: skip


def plain(figures: ClusterFigures) -> dict[str, object]:
    """The figures as JSON-ready values (a figure that could not be measured is null)."""
    return {
        name: None if isinstance(value, float) and math.isnan(value) else value
        for name, value in asdict(figures).items()
    }


def report_lines(f: ClusterFigures) -> list[str]:
    """The figures as the command prints them, with each target met or not."""
    lines = [
        f"agents: {f.agents} clusters in {f.zones} zone(s) (set up in {f.setup_s:.1f} s); "
        f"{f.connected} connected and subscribed in {f.connect_s:.1f} s, {f.refused} refused",
        f"emergency: send_emergencies() took {f.publish_s:.2f} s (dispatch rows, commit, "
        f"one message per cluster handed to the link)",
        f"delivered to {f.received}/{f.connected} agents, from the publish: "
        f"p50 {f.delivery_p50_ms:.0f} ms, p99 {f.delivery_p99_ms:.0f} ms, "
        f"max {f.delivery_max_ms:.0f} ms",
        f"confirmations sealed: {f.sealed}/{f.confirmations}, the last {f.sealed_within_s:.1f} s "
        f"after the publish; {f.sealed_per_s:.0f}/s from the first receipt; in {f.batches} "
        f"batches (anchored heads); witness calls {f.witness_calls}"
        + ("" if f.witness else " (no witness set)"),
        f"chain verifies: {'yes' if f.chain_ok else 'NO'}; emergency rows aired by a cluster: {f.airings}",
        f"station process: {f.station_cpu_s:.1f} s CPU from the publish to the last seal, "
        f"peak RSS {f.station_peak_mb:.0f} MB",
        f"broker: {f.broker_cpu_s:.1f} s CPU in all, peak RSS {f.broker_peak_mb:.0f} MB",
        f"agents' process: RSS {f.agents_rss_mb:.0f} MB with every agent connected "
        f"(about {f.agents_kb_each:.1f} kB each)",
    ]
    if f.real_agents:
        lines.append(
            f"real agents: {f.real_agents} `broadcaster agent` processes (file outputs) airing "
            f"{bench_spread.ENTRIES} entries of one slot: {f.real_confirmed}/"
            f"{f.real_agents * bench_spread.ENTRIES} starts sealed; start spread over "
            f"{f.real_entries} entries p50 {f.spread_p50_ms:.1f} ms, p99 {f.spread_p99_ms:.1f} ms, "
            f"max {f.spread_max_ms:.1f} ms; largest agent's peak RSS {f.real_agent_peak_mb:.0f} MB"
        )
    if f.timed_out:
        lines.append("stopped at the --timeout: the figures above are what it got by then")
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    all_sealed = f.confirmations > 0 and f.sealed >= f.confirmations == 2 * f.agents
    lines += [
        f"target 5,000 agents: {met(f.connected >= 5000)} ({f.connected})",
        f"target delivery p99 <= 2 s: {met(f.received == f.agents and f.delivery_p99_ms <= 2000)}",
        f"target every confirmation sealed within 10 s: "
        f"{met(all_sealed and f.sealed_within_s <= 10)}",
    ]
    if f.real_agents:
        whole = f.real_entries == bench_spread.ENTRIES and f.spread_p99_ms <= 20
        lines.append(f"target start spread p99 <= 20 ms: {met(whole)}")
    return lines


def percentile(values: list[float], fraction: float) -> float:
    """The value at `fraction` of the sorted `values` (nan when there are none)."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]
