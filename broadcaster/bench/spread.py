"""The second part of `broadcaster bench clusters --real K`: how closely K real `broadcaster
agent` processes (file outputs, one machine, one clock) start the same programme entries.

The scratch station gets a zone of its own for them, K clusters in it and a few short
bulletins; once the agents are online, a slot in that zone a few seconds ahead holds the
bulletins one after another, the station publishes the programme (`send_programmes()`), and
the spread of an entry is the latest `started_at` minus the earliest among the rows the
station sealed from the agents' reports.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from broadcaster.bench.swarm import rss_kb
from broadcaster.clock import utc_now
from broadcaster.enums import Outcome
from broadcaster.services.context import Context
from broadcaster.services.station import Station
from broadcaster.store.db import Airing, Cluster

ZONE = "Loa thật"
ENTRIES = 8  # bulletins in the slot, one after another: one spread each
LEAD = timedelta(seconds=12)  # programme sent → first start: time to fetch the audio
_AGENT = "import sys; from broadcaster.entry import main; sys.argv[1:1] = ['agent']; sys.exit(main())"  # fmt: skip


@dataclass(frozen=True)
class SpreadFigures:
    """Start spread of the same entries on K real agents, in milliseconds."""

    agents: int
    entries: int
    confirmed: int  # rows sealed with a start (expected agents × entries)
    p50_ms: float
    p99_ms: float
    max_ms: float
    agent_peak_mb: float  # the largest real agent's peak RSS


@dataclass(frozen=True)
class RealAgent:
    """A cluster for a real agent: its name and the credentials `clusters add` gave."""

    name: str
    password: str
    token: str


def add_real(ctx: Context, count: int) -> tuple[list[RealAgent], list[int]]:
    """The zone, `count` clusters and ENTRIES short approved, rendered bulletins."""
    from broadcaster.intake.parse import parse_script
    from broadcaster.services import clusters
    from broadcaster.services.scripts import add_scripts, approve_script
    from broadcaster.sound.render import make_engines, render_script
    from broadcaster.store.db import Script

    clusters.add_zone(ctx, ZONE)
    made = []
    for n in range(count):
        issued = clusters.add_cluster(ctx, f"real-{n + 1:02d}", ZONE)
        made.append(RealAgent(issued.cluster, issued.password, issued.token))
    engines = make_engines("espeak", ctx.settings)
    ids = []
    for n in range(ENTRIES):
        item = parse_script(f"Bản tin đồng bộ số {n + 1}.".encode(), "dong-bo.txt", topic="a")
        (script,) = add_scripts(ctx, [item], "bench")
        approve_script(ctx, script.id, "admin")
        script = ctx.session.get_one(Script, script.id)
        render_script(ctx.session, script, engines, ctx.settings, ctx.now())
        ids.append(script.id)
    ctx.session.commit()
    return made, ids


def start_agents(
    folder: Path, agents: list[RealAgent], host: str, port: int, station_url: str
) -> list[subprocess.Popen[bytes]]:
    """Start one `broadcaster agent` per cluster, each in its own folder with a file output."""
    processes = []
    for agent in agents:
        home = folder / agent.name
        (home / "aired").mkdir(parents=True)
        (home / "agent.toml").write_text(
            f'cluster = "{agent.name}"\npassword = "{agent.password}"\ntoken = "{agent.token}"\n'
            f'broker_host = "{host}"\nbroker_port = {port}\ntls = false\n'
            f'station_url = "{station_url}"\noutput = "file:{home / "aired"}"\n'
            "heartbeat_seconds = 1\n",
            encoding="utf-8",
        )
        with open(home / "agent.log", "wb") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", _AGENT, "--config", "agent.toml"],
                    cwd=home,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                )  # fmt: skip
            )
    return processes


def online(station: Station, names: list[str]) -> bool:
    """Every named cluster's heartbeat has been kept by the station (it is connected)."""
    with station.sessions() as session:
        up = session.scalars(select(Cluster.name).where(Cluster.name.in_(names), Cluster.online))
        return set(up) == set(names)


def plan_slot(station: Station, script_ids: list[int]) -> datetime:
    """A slot in the real agents' zone starting LEAD from now, holding the bulletins in order;
    returns its start (UTC)."""
    from broadcaster.programme.planning import arrange_occurrence, candidates
    from broadcaster.programme.slots import DAYS, SlotDef, SlotOccurrence
    from broadcaster.services.planning import install_slots

    tz = station.settings.tz
    start = (utc_now() + LEAD).replace(microsecond=0)
    slot = SlotDef("Đồng bộ", DAYS, start.astimezone(tz).time(), 30, zones=(ZONE,))
    with station.sessions() as session:
        install_slots(session, [slot])
        by_id = {c.script_id: c for c in candidates(session)}
        occurrence = SlotOccurrence(slot, start, start + timedelta(minutes=30))
        arrange_occurrence(session, occurrence, [by_id[i] for i in script_ids])
        session.commit()
    return start


def starts(station: Station, names: list[str]) -> dict[str, list[datetime]]:
    """The sealed start times by entry, of the named clusters' rows."""
    found: dict[str, list[datetime]] = {}
    with station.sessions() as session:
        rows = session.execute(
            select(Airing.cluster_entry, Airing.started_at).where(
                Airing.cluster.in_(names),
                Airing.cluster_entry.like("e-%"),
                Airing.outcome.in_([Outcome.STARTED, Outcome.AIRED]),
            )  # fmt: skip
        )
        for entry, started in rows:
            if started is not None and entry is not None:
                found.setdefault(entry, []).append(started)
    return found


def measure(
    station: Station,
    agents: list[RealAgent],
    processes: list[subprocess.Popen[bytes]],
    send_programmes: Callable[[], None],
    script_ids: list[int],
    deadline: float,
    tick: Callable[[], None],
) -> SpreadFigures | None:
    """Wait for the agents, air the slot, and read the spread; None if they never came online."""
    names = [a.name for a in agents]
    while not online(station, names):
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            return None
        tick()
        time.sleep(0.2)
    plan_slot(station, script_ids)
    send_programmes()
    expected = len(names) * len(script_ids)
    found = starts(station, names)
    while sum(len(v) for v in found.values()) < expected and time.monotonic() < deadline:
        tick()
        time.sleep(0.5)
        found = starts(station, names)
    peak = max(rss_kb(p.pid)[1] for p in processes if p.poll() is None) if processes else 0
    spreads = sorted(
        (max(v) - min(v)).total_seconds() * 1000 for v in found.values() if len(v) == len(names)
    )
    pick = lambda f: spreads[min(len(spreads) - 1, round(f * (len(spreads) - 1)))]  # noqa: E731
    nan = float("nan")
    return SpreadFigures(
        agents=len(names), entries=len(spreads), confirmed=sum(len(v) for v in found.values()),
        p50_ms=pick(0.5) if spreads else nan, p99_ms=pick(0.99) if spreads else nan,
        max_ms=spreads[-1] if spreads else nan, agent_peak_mb=peak / 1024,
    )  # fmt: skip
