"""A station restart while a loudspeaker cluster plays: the real `broadcaster run`, a real
Mosquitto and a real `broadcaster agent` whose player notes what it sounds.

The agent is playing the slot's bulletin (its `started` sealed by the station) when the daemon
is stopped, by SIGTERM or kill -9, and started again. The station's restart says nothing of
the cluster: its row stays `started` through the restart, and only the agent's report closes
it, `aired`, with the times the player's own log shows. Before issue 22 the restarted daemon
closed it as its own (`interrupted`) and the agent's `aired` then came too late.

The player sounds until the test lets it end (a hold file), so no lead on the wall clock is
needed however busy the machine is: the agent's player margin (30 s past the audio's length)
is the only bound on a restart.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from broadcaster.clock import utc_now
from broadcaster.services import clusters as service
from broadcaster.services.station import Station, open_station
from tests.agent_station import agent_command
from tests.broker import Broker, free_port, require_mosquitto
from tests.helpers import (
    airing_rows,
    approved_rendered,
    begun_slot_file,
    run_cli,
    running_daemon,
    services,
    stop_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow

# Notes "KIND PID TIME SHA" (start, a tick every 50 ms, end) and sounds while HOLD exists.
PLAYER = """\
import os, sys, time
from pathlib import Path
log, audio, hold = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
def note(kind):
    with log.open("a") as out:
        out.write(f"{kind} {os.getpid()} {time.time():.6f} {audio.stem}\\n")
note("start")
while hold.exists():
    time.sleep(0.05)
    note("tick")
note("end")
"""


@dataclasses.dataclass(frozen=True)
class Sound:
    """One line of the player's log."""

    kind: str
    pid: int
    at: datetime
    sha256: str


def sounds(log: Path) -> list[Sound]:
    """What the player noted, in order (whole lines only: it may be writing one)."""
    text = log.read_text() if log.exists() else ""
    lines = text[: text.rfind("\n") + 1].splitlines()
    return [
        Sound(kind, int(pid), datetime.fromtimestamp(float(at), timezone.utc), sha)
        for kind, pid, at, sha in (line.split() for line in lines)
    ]


def cluster_rows(project: Path) -> list[dict[str, object]]:
    """The loudspeaker clusters' airing rows, as the station's database holds them."""
    return [row for row in airing_rows(project, None) if row["cluster"]]


def utc(value: object) -> datetime:
    """A time as SQLite hands it back (naive UTC text) as an aware datetime."""
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)


@pytest.fixture
def town(station: Station, project: Path) -> Iterator[tuple[Station, Broker]]:
    """The station with a broker (plain MQTT on loopback), set for clusters in its
    broadcaster.toml so that `broadcaster run` talks to them."""
    require_mosquitto()
    broker = Broker(station.settings.broker_path)
    settings = dataclasses.replace(
        station.settings, mqtt_host=broker.host, mqtt_port=broker.port, mqtt_tls="off",
        mqtt_password=broker.station_password, agent_api_port=free_port(),
    )  # fmt: skip
    (project / "broadcaster.toml").write_text(
        f'mqtt_host = "{broker.host}"\nmqtt_port = {broker.port}\nmqtt_tls = "off"\n'
        f'mqtt_password = "{broker.station_password}"\n'
        f"agent_api_port = {settings.agent_api_port}\n",
        encoding="utf-8",
    )
    opened = open_station(settings)
    try:
        broker.start()
        yield opened, broker
    finally:
        broker.kill()
        opened.engine.dispose()


def start_agent(station: Station, folder: Path, player: str) -> subprocess.Popen[bytes]:
    """Add cluster thon-1 in zone Thôn 1 and start its agent (in a process group of its own)."""
    with services(station, utc_now()) as ctx:
        service.add_zone(ctx, "Thôn 1")
        issued = service.add_cluster(ctx, "thon-1", "Thôn 1")
    settings = station.settings
    folder.mkdir()
    (folder / "agent.toml").write_text(
        f'cluster = "{issued.cluster}"\npassword = "{issued.password}"\n'
        f'token = "{issued.token}"\nbroker_host = "{settings.mqtt_host}"\n'
        f"broker_port = {settings.mqtt_port}\ntls = false\n"
        f'station_url = "http://127.0.0.1:{settings.agent_api_port}"\n'
        f'folder = "state"\noutput = "{player}"\nheartbeat_seconds = 1\n',
        encoding="utf-8",
    )
    with open(folder / "agent.log", "ab") as log:
        return subprocess.Popen(
            [*agent_command(), "--config", "agent.toml"], cwd=folder, stdout=log, stderr=log,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


def stop_station(daemon: subprocess.Popen[str], how: str) -> None:
    """SIGTERM, as a service manager stops it, or kill -9 of its whole process group."""
    if how == "SIGTERM":
        stop_daemon(daemon)
    else:
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait()


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_station_restart_leaves_the_clusters_airing_to_its_agents_report(
    town: tuple[Station, Broker], project: Path, how: str
) -> None:
    station, _broker = town
    approved_rendered(station, utc_now(), "Thông báo của thôn: họp dân lúc 19 giờ.")
    begun_slot_file(project, station.settings.tz, seconds_ago=2)
    log, hold = project / "player.log", project / "hold"
    script = project / "player.py"
    script.write_text(PLAYER, encoding="utf-8")
    hold.touch()
    player = f"command:{sys.executable} {script} {log} {{file}} {hold}"
    agent = start_agent(station, project / "agent", player)
    try:
        with running_daemon(project, None) as first:
            wait_for(
                lambda: (
                    [r["outcome"] for r in cluster_rows(project)] == ["started"]
                    and any(s.kind == "tick" for s in sounds(log))
                ),
                "the agent playing the bulletin, its start sealed by the station",
            )
            stopping = utc_now()
            stop_station(first, how)
        with running_daemon(project, None) as second:
            ready = utc_now()  # the restart's recovery is done
            (row,) = cluster_rows(project)
            assert (row["outcome"], row["ended_at"]) == ("started", None), row
            wait_for(lambda: sounds(log)[-1].at > ready, "the player still sounding")
            hold.unlink()
            wait_for(lambda: cluster_rows(project)[0]["outcome"] != "started", "the agent's report")
            stop_daemon(second)
        assert agent.poll() is None, (project / "agent" / "agent.log").read_text()
    finally:
        hold.unlink(missing_ok=True)  # a player left behind ends by itself
        os.killpg(agent.pid, signal.SIGKILL)
        agent.wait(60)
    heard = sounds(log)
    assert [s.kind for s in heard if s.kind != "tick"] == ["start", "end"]  # once, never again
    assert len({s.pid for s in heard}) == 1
    assert any(s.at < stopping for s in heard) and any(s.at > ready for s in heard)
    (row,) = cluster_rows(project)
    assert row["outcome"] == "aired" and row["error"] is None, row
    assert row["cluster"] == "thon-1" and row["output"] == "cluster:thon-1"
    assert row["audio_sha256"] == heard[0].sha256
    # the evidence holds the loudspeaker's own times: started before the first sound, ended after
    assert utc(row["started_at"]) <= heard[0].at and utc(row["ended_at"]) >= heard[-1].at
    verify = run_cli(project, None, "log", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout + verify.stderr
