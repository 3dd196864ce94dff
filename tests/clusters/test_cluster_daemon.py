"""The whole thing, as a town would run it: a real Mosquitto, the real station daemon
(`broadcaster run` with `mqtt_host` set) and real `broadcaster agent` processes, each with its
own folder and file output, set up only through the command line (`zones add`, `clusters add`,
whose printed lines are the agents' agent.toml).

- Zones: a bulletin for Thôn 1 is played by thon-1 only; one for every zone by both.
- Evidence: each cluster's confirmations become sealed rows, exactly one per (cluster, entry),
  and `log verify` says the chain is intact.
- Emergency: an `air-now` of an emergency bulletin stops what every agent plays (`preempted`)
  and each plays the emergency and confirms it.

A slot starts a minute and a half ahead; were the machine slow, the agents play it late (their
grace is 10 minutes) and the daemon within its misfire grace, so nothing here races the clock.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.agent_station import agent_command
from tests.broker import Broker, free_port, require_mosquitto
from tests.helpers import SLOTS_TO_IMPORT, airing_rows, run_cli, running_daemon, wait_for

pytestmark = pytest.mark.slow
LEAD = timedelta(seconds=90)


def _cli(project: Path, *args: str) -> str:
    done = run_cli(project, None, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _station(project: Path, broker: Broker, long_play: bool) -> dict[str, dict[str, object]]:
    """init, zones, clusters and bulletins through the CLI; the agents' settings by name."""
    (project / "broadcaster.toml").write_text(
        f'mqtt_host = "{broker.host}"\nmqtt_port = {broker.port}\nmqtt_tls = "off"\n'
        f'mqtt_password = "{broker.station_password}"\nagent_api_port = {free_port()}\n'
        'output = "null"\n',
        encoding="utf-8",
    )
    _cli(project, "init")
    _cli(project, "users", "add", "chutich", "--role", "leader")
    for zone in ("Thôn 1", "Thôn 2"):
        _cli(project, "zones", "add", zone)
    agents = {}
    for name, zone in (("thon-1", "Thôn 1"), ("thon-2", "Thôn 2")):
        printed = _cli(project, "clusters", "add", name, "--zone", zone)
        assert "The broker has the new accounts (reloaded)." in printed
        lines = [line for line in printed.splitlines() if re.match(r"^\w+ = ", line)]
        agents[name] = tomllib.loads("\n".join(lines))
    start = (datetime.now(timezone.utc) + LEAD).replace(microsecond=0)
    tz_start = start.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    for old in (project / "schedules").glob("*.toml"):
        old.unlink()
    (project / "schedules" / "test.toml").write_text(
        f'[[slot]]\nname = "Thử"\nstart = "{tz_start:%H:%M:%S}"\nminutes = 10\n', encoding="utf-8"
    )
    (project / SLOTS_TO_IMPORT).touch()  # imported before the daemon starts
    texts = {
        "thon1.txt": "Thông báo của thôn 1: họp dân lúc 19 giờ tại nhà văn hoá.",
        "all.txt": "Thông báo chung: lịch tiêm chủng mở rộng tháng này.",
    }
    if long_play:
        texts = {"all.txt": "Thông báo chung. " * 40}
    for file, text in texts.items():
        (project / file).write_text(text, encoding="utf-8")
        _cli(project, "scripts", "add", file, "--topic", "c")
    for script_id in range(1, len(texts) + 1):
        _cli(project, "scripts", "approve", str(script_id), "--by", "chutich")
    _cli(project, "render", "--all")
    if not long_play:
        _cli(project, "zones", "of-script", "1", "Thôn 1")
    _cli(project, "init")  # installs the test slot
    _cli(project, "plan")
    return agents


def _agent(project: Path, name: str, settings: dict[str, object], output: str):  # type: ignore[no-untyped-def]
    import subprocess

    folder = project / f"agent-{name}"
    folder.mkdir()
    lines = [f"{key} = {value!r}".replace("'", '"') for key, value in settings.items()]
    lines = [line.replace("True", "true").replace("False", "false") for line in lines]
    (folder / "agent.toml").write_text(
        "\n".join(lines) + f'\nfolder = "state"\noutput = "{output}"\nheartbeat_seconds = 1\n',
        encoding="utf-8",
    )
    log = open(folder / "agent.log", "ab")
    process = subprocess.Popen(
        [*agent_command(), "--config", "agent.toml"], cwd=folder, stdout=log, stderr=log,
        start_new_session=True,
    )  # fmt: skip
    log.close()
    return process, folder


def _cluster_rows(project: Path) -> list[dict[str, object]]:
    return [r for r in airing_rows(project, None) if r["cluster"]]


@pytest.fixture
def town_broker(project: Path):  # type: ignore[no-untyped-def]
    require_mosquitto()
    broker = Broker(project / "var" / "broker")
    try:
        broker.start()
        yield broker
    finally:
        broker.kill()


def _stop(processes) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal

    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(60)


def test_each_cluster_plays_its_zones_bulletins_and_the_station_seals_each_once(
    project: Path, town_broker: Broker
) -> None:
    settings = _station(project, town_broker, long_play=False)
    started = []
    try:
        outputs = {}
        for name in settings:
            out = project / f"aired-{name}"
            out.mkdir()
            outputs[name] = out
            started.append(_agent(project, name, settings[name], f"file:{out}")[0])
        with running_daemon(project, None):
            wait_for(
                lambda: sum(r["outcome"] == "aired" for r in _cluster_rows(project)) == 3,
                "thon-1's two bulletins and thon-2's one confirmed and sealed",
                limit=600,
            )
            rows = _cluster_rows(project)
        _stop(started)
        started = []
        by_cluster = {
            name: sorted(r["script_id"] for r in rows if r["cluster"] == name) for name in settings
        }
        assert by_cluster == {"thon-1": [1, 2], "thon-2": [2]}  # script 1 is for Thôn 1 only
        keys = [(r["cluster"], r["cluster_entry"]) for r in rows]
        assert len(keys) == len(set(keys)) == 3  # one row per cluster and entry
        assert all(r["output"] == f"cluster:{r['cluster']}" for r in rows)
        assert len(list(outputs["thon-1"].iterdir())) == 2
        assert len(list(outputs["thon-2"].iterdir())) == 1
        verify = run_cli(project, None, "log", "verify")
        assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout
    finally:
        _stop(started)


def test_an_emergency_preempts_every_agent_and_each_confirms_it(
    project: Path, town_broker: Broker
) -> None:
    settings = _station(project, town_broker, long_play=True)
    # a player that takes its time, so the slot's bulletin is still on air when the emergency comes
    (project / "emergency.txt").write_text("Khẩn cấp: lũ đang lên, di dời ngay.", encoding="utf-8")
    _cli(project, "scripts", "add", "emergency.txt", "--topic", "c", "--priority", "emergency")
    _cli(project, "scripts", "approve", "2", "--by", "chutich")
    _cli(project, "render", "2")
    started = []
    try:
        for name in settings:
            # the long bulletin stays on air until stopped; the short emergency plays at once
            output = "command:sh -c '[ $(wc -c < $0) -lt 100000 ] || sleep 600' {file}"
            started.append(_agent(project, name, settings[name], output)[0])
        with running_daemon(project, None):
            wait_for(
                lambda: (
                    {r["cluster"] for r in _cluster_rows(project) if r["outcome"] == "started"}
                    == set(settings)
                ),
                "both agents playing the slot's bulletin",
                limit=600,
            )
            asked = run_cli(project, None, "air-now", "2", "--wait", "600")
            assert asked.returncode == 0, asked.stdout + asked.stderr
            wait_for(
                lambda: sum(
                    r["outcome"] == "aired" and str(r["cluster_entry"]).startswith("x-")
                    for r in _cluster_rows(project)
                ) == 2,
                "the emergency confirmed by both clusters",
                limit=600,
            )  # fmt: skip
            rows = _cluster_rows(project)
        for name in settings:
            mine = {r["cluster_entry"][:2]: r["outcome"] for r in rows if r["cluster"] == name}
            assert mine == {"e-": "preempted", "x-": "aired"}, (name, rows)
        verify = run_cli(project, None, "log", "verify")
        assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout
    finally:
        _stop(started)
