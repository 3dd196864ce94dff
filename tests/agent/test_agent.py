"""`broadcaster agent`: real Mosquitto, real agent processes, the test as the station."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.agent_station import (  # noqa: F401  (fixtures)
    Agent,
    AudioServer,
    Station,
    agents,
    copy_of,
    entry,
    now,
    player_output,
    plays,
    programme,
    sha,
    tone_mp3,
)
from tests.broker import Broker
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]


# The lean entry point -----------------------------------------------------------------------


def test_the_agent_imports_nothing_of_the_station() -> None:
    """No Flask, ORM, scheduler, pydub or click: a small board has room for the agent alone."""
    code = ("import sys; import broadcaster.agent.main, broadcaster.entry; "
            "print(' '.join(sorted(sys.modules)))")  # fmt: skip
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()  # fmt: skip
    heavy = {"flask", "sqlalchemy", "apscheduler", "pydub", "click", "numpy", "broadcaster.cli",
             "broadcaster.store.db", "broadcaster.web", "broadcaster.config"}  # fmt: skip
    assert sorted(m for m in loaded if m in heavy or m.split(".")[0] in heavy) == []
    assert "paho.mqtt.client" in loaded


def test_help_lists_the_agent_and_every_station_command() -> None:
    out = subprocess.run([sys.executable, "-c", "from broadcaster.entry import main; main()",
                          "--help"], capture_output=True, text=True).stdout  # fmt: skip
    for command in ("agent", "init", "run", "serve", "air-now", "report"):
        assert f"  {command} " in out, out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "does not exist"),
        ("cluster = \n", "is not valid TOML"),
        ('cluster = "a"\n', "does not say the agent's password"),
        ('cluster = "a"\npassword = "p"\nbroker_host = "h"\nstation_url = "ftp://x"\n'
         'token = "t"\nfolder = "f"\n', "station_url"),
        ('cluster = "a/b"\npassword = "p"\nbroker_host = "h"\nstation_url = "http://x"\n'
         'token = "t"\nfolder = "f"\n', "must not hold"),
        ('cluster = "a"\npassword = "p"\nbroker_host = "h"\nstation_url = "http://x"\n'
         'token = "t"\nfolder = "f"\nbroker_port = 0\n', "broker_port"),
        ('cluster = "a"\ncolour = "red"\n', "does not know: colour"),
    ],
)  # fmt: skip
def test_a_bad_settings_file_is_one_sentence_and_exit_1(
    tmp_path: Path, text: str | None, says: str
) -> None:
    config = tmp_path / "agent.toml"
    if text is not None:
        config.write_text(text)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from broadcaster.entry import main; sys.exit(main())",
         "agent", "--config", str(config)], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0], done.stderr
    assert "Traceback" not in done.stderr


# With the broker ----------------------------------------------------------------------------


@pytest.mark.slow
def test_plays_at_its_start_and_reports_it(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, tones: list[bytes]
) -> None:
    out = tmp_path / "aired"
    out.mkdir()
    agent = Agent(tmp_path / "a1", broker, server, "thon-1", f"file:{out}")
    with agents(agent):
        begun = now()
        agent.start()
        hub.wait_online("thon-1", begun)
        start = now() + timedelta(seconds=2)
        # past the 10-minute grace and before the agent first ran: never played, nor reported
        stale = now() - timedelta(minutes=11)
        hub.send(programme("thon-1", 1, entry("e-0", tones[1], server.add(tones[1]), stale),
                           entry("e-1", tones[0], server.add(tones[0]), start)))  # fmt: skip
        aired = hub.wait_report("e-1", "aired")
        assert "e-0 was planned for" in agent.log() and "before this agent first ran" in agent.log()
        assert hub.kinds("e-0") == [] and not (out / "e-0.mp3").exists()
        started = hub.report("e-1", "started")
        assert copy_of(out / "e-1.mp3") == tones[0]
        # never before its start, from its own clock, and said so before the outcome
        assert started.started_at is not None and started.started_at >= start
        assert aired.started_at == started.started_at and aired.ended_at is not None
        assert aired.ended_at >= started.started_at
        assert aired.sha256 == sha(tones[0]) and not aired.from_cache
        assert hub.kinds("e-1") == ["started", "aired"]
        assert server.asked == [f"/agent/audio/{sha(tones[0])}"]  # once, and not the stale one
        health = hub.wait_online("thon-1", now())
        assert health.last_airing == "e-1" and health.missing == () and health.version
        assert health.cache_ready_hours and health.cache_ready_hours > 40


@pytest.mark.slow
def test_a_retraction_is_reported_and_a_replacement_plays_the_new_audio(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, tones: list[bytes]
) -> None:
    out = tmp_path / "aired"
    out.mkdir()
    agent = Agent(tmp_path / "a1", broker, server, "thon-2", f"file:{out}")
    later = now() + timedelta(hours=1)
    first = programme("thon-2", 1, entry("e-1", tones[0], server.add(tones[0]), later),
                      entry("e-2", tones[1], server.add(tones[1]), later))  # fmt: skip
    with agents(agent):
        hub.send(first)  # retained: the agent finds it when it first connects
        agent.start()
        wait_for(lambda: hub.health.get("thon-2") and hub.health["thon-2"].missing == ()
                 and hub.health["thon-2"].cache_ready_hours, "both files fetched")  # fmt: skip
        # e-1 is retracted; e-2 now plays at once, with other audio
        hub.send(programme("thon-2", 2, entry("e-2", tones[2], server.add(tones[2]), now())))
        hub.wait_report("e-2", "aired")
        retracted = hub.wait_report("e-1", "retracted")
        assert retracted.sha256 == sha(tones[0])
        assert copy_of(out / "e-2.mp3") == tones[2]
        assert hub.report("e-2", "aired").sha256 == sha(tones[2])
        assert not (out / "e-1.mp3").exists()
        assert hub.kinds("e-1") == ["retracted"]
        # the audio of neither old entry is kept on the board's disk
        kept = [p.name for p in (agent.folder / "state" / "audio").iterdir()]
        assert kept == [f"{sha(tones[2])}.mp3"]
        # an older programme (delivered late) changes nothing
        hub.send(first)
        hub.wait_online("thon-2", now())
        hub.wait_online("thon-2", now())
        assert hub.kinds("e-1") == ["retracted"] and hub.kinds("e-2") == ["started", "aired"]


@pytest.mark.slow
def test_tampered_audio_is_refused_never_cached_and_never_played(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, tones: list[bytes]
) -> None:
    out = tmp_path / "aired"
    out.mkdir()
    agent = Agent(tmp_path / "a1", broker, server, "thon-3", f"file:{out}")
    bad = server.add(tones[0], served=tones[1])  # the path and sha say tone 0, the bytes are 1
    with agents(agent):
        agent.start()
        hub.send(programme("thon-3", 1, entry("e-9", tones[0], bad, now() + timedelta(hours=2))))
        wait_for(lambda: hub.health.get("thon-3") and hub.health["thon-3"].missing == ("e-9",)
                 and "sha256" in agent.log(), "the refusal")  # fmt: skip
        ready = hub.health["thon-3"].cache_ready_hours  # ready up to e-9's start, not beyond
        assert ready is not None and 1.9 < ready <= 2.0
        hub.send(programme("thon-3", 2, entry("e-1", tones[0], bad, now())))
        failed = hub.wait_report("e-1", "failed")
        assert failed.error and "sha256" in failed.error and "refused" in failed.error
        assert hub.kinds("e-1") == ["failed"]  # no `started`: nothing was played
        assert list(out.iterdir()) == []
        assert list((agent.folder / "state" / "audio").iterdir()) == []  # nor kept


@pytest.mark.slow
def test_killed_mid_airing_then_restarted_reports_each_kind_exactly_once(
    tmp_path: Path, broker: Broker, server: AudioServer, hub: Station, tones: list[bytes]
) -> None:
    out = tmp_path / "aired"
    agent = Agent(tmp_path / "a1", broker, server, "thon-4", player_output(out))
    (out / f"hold-{sha(tones[0])}").touch()  # e-1 plays until the agent is killed
    with agents(agent):
        agent.start()
        hub.send(programme("thon-4", 1, entry("e-1", tones[0], server.add(tones[0]), now(),
                                              duration_s=600)))  # fmt: skip
        hub.wait_report("e-1", "started")
        wait_for(lambda: plays(out) == [sha(tones[0])], "the bulletin on air")
        wait_for(lambda: ("e-1", "started", 1) in agent.db_rows(), "started marked delivered")
        agent.kill()  # SIGKILL, player and all
        agent.start()
        interrupted = hub.wait_report("e-1", "interrupted")
        assert interrupted.started_at == hub.report("e-1", "started").started_at
        # the restarted agent goes on with the programme, and never plays e-1 again
        hub.send(programme("thon-4", 2, entry("e-1", tones[0], server.add(tones[0]),
                                              now() - timedelta(seconds=30), duration_s=600),
                           entry("e-2", tones[1], server.add(tones[1]), now())))  # fmt: skip
        hub.wait_report("e-2", "aired")
        agent.stop()
    assert plays(out) == [sha(tones[0]), sha(tones[1])]
    counts = Counter(hub.keys())
    assert counts == {"e-1/thon-4/started": 1, "e-1/thon-4/interrupted": 1,
                      "e-2/thon-4/started": 1, "e-2/thon-4/aired": 1}  # fmt: skip


@pytest.mark.slow
def test_a_wrong_password_is_one_sentence_and_exit_1(
    tmp_path: Path, broker: Broker, server: AudioServer
) -> None:
    agent = Agent(tmp_path / "a1", broker, server, "thon-5", "null", password="not-the-one")
    broker.add_account("thon-5", "the-right-one")
    broker.reload()
    with agents(agent):
        agent.start()
        assert agent.process is not None
        code = agent.process.wait(120)
        agent.process = None
    assert code == 1
    last = agent.log().strip().splitlines()[-1]
    assert last.startswith("Error: The broker at 127.0.0.1:") and "refused cluster thon-5's user" \
        " name or password" in last, agent.log()  # fmt: skip
    assert "Traceback" not in agent.log()


@pytest.mark.slow
def test_over_tls_with_the_installations_ca(
    tmp_path: Path, tls_broker: Broker, server: AudioServer, tones: list[bytes]
) -> None:
    """Trusting the CA made in this run it plays and reports; trusting nothing but the
    system's CAs it never connects (the broker's certificate is refused)."""
    assert tls_broker.tls is not None
    out = tmp_path / "aired"
    out.mkdir()
    trusting = Agent(tmp_path / "a1", tls_broker, server, "thon-8", f"file:{out}")
    doubting = Agent(tmp_path / "a2", tls_broker, server, "thon-9", f"file:{out}")
    for agent, ca in ((trusting, f'tls_ca = "{tls_broker.tls}"\n'), (doubting, "")):
        agent.config.write_text(agent.config.read_text().replace("tls = false\n", "tls = true\n")
                                + ca)  # fmt: skip
    with Station(tls_broker, ca=tls_broker.tls) as hub, agents(trusting, doubting):
        trusting.start()
        doubting.start()
        hub.send(programme("thon-8", 1, entry("e-1", tones[0], server.add(tones[0]), now())))
        hub.send(programme("thon-9", 1, entry("e-1", tones[0], server.add(tones[0]), now())))
        assert hub.wait_report("e-1", "aired").cluster == "thon-8"
        wait_for(lambda: "CERTIFICATE_VERIFY_FAILED" in doubting.log(), "the refused certificate")
        assert "thon-9" not in hub.health and "Connected" not in doubting.log()
    assert copy_of(out / "e-1.mp3") == tones[0]
