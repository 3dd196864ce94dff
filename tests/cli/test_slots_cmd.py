"""`broadcaster slots …`: the slots of the database from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from broadcaster.cli import main
from broadcaster.services.station import Station
from tests.conftest import LEADER, db_snapshot
from tests.icecast import Icecast


def listed(runner: CliRunner) -> dict[str, dict[str, object]]:
    result = runner.invoke(main, ["slots", "list", "--json"])
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.output)}


def test_add_change_pause_resume_delete(station: Station, runner: CliRunner) -> None:
    add = ["slots", "add", "Trưa", "--start", "11:00", "--minutes", "15", "--days", "mon,fri",
           "--by", LEADER]  # fmt: skip
    result = runner.invoke(main, add)
    assert result.exit_code == 0, result.output
    assert "Added slot Trưa: mon,fri 11:00 for 15 min, every zone (bulletins, version 1)" in (
        result.output
    )
    result = runner.invoke(main, ["slots", "change", "Trưa", "--start", "11:30", "--version", "1",
                                  "--by", LEADER])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert listed(runner)["Trưa"]["start"] == "11:30:00"
    assert listed(runner)["Trưa"]["days"] == ["mon", "fri"]
    for command in ("pause", "resume"):
        result = runner.invoke(main, ["slots", command, "Trưa", "--by", LEADER])
        assert result.exit_code == 0, result.output
    assert listed(runner)["Trưa"]["paused"] is False
    assert runner.invoke(main, ["slots", "delete", "Trưa", "--by", LEADER]).exit_code == 0
    assert "Trưa" not in listed(runner)


def test_refusals_are_one_sentence_and_change_nothing(station: Station, runner: CliRunner) -> None:
    before = db_snapshot(station.settings.db_url)
    for args, said in (
        (["slots", "add", "Sớm", "--start", "05:45", "--minutes", "30", "--days", "sat",
          "--by", LEADER],
         "Error: Slot Sớm (05:45, 30 min) would overlap slot Sáng (06:00, 30 min) on sat in a "
         "zone they share; move one or shorten it."),
        (["slots", "change", "Sáng", "--minutes", "20", "--version", "7", "--by", LEADER],
         "Error: Slot Sáng was changed by someone else after you read it; reload it and make "
         "your change again."),
        (["slots", "pause", "Sáng", "--by", "admin2"],
         "Error: 'admin2' is not an enabled leader or admin account; only leaders and admins "
         "change slots."),
        (["slots", "delete", "Tối", "--by", LEADER],
         "Error: There is no slot Tối; see 'broadcaster slots list'."),
    ):  # fmt: skip
        result = runner.invoke(main, args)
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [said]
    assert db_snapshot(station.settings.db_url) == before


def test_export_then_import(station: Station, runner: CliRunner, project: Path) -> None:
    folder = project / "kept"
    folder.mkdir()
    assert runner.invoke(main, ["slots", "export", str(folder / "slots.toml")]).exit_code == 0
    text = (folder / "slots.toml").read_text(encoding="utf-8")
    (folder / "slots.toml").write_text(text.replace('"17:00:00"', '"18:00:00"'), "utf-8")
    result = runner.invoke(main, ["slots", "import", str(folder), "--by", LEADER])
    assert result.exit_code == 0, result.output
    assert listed(runner)["Chiều"]["start"] == "18:00:00"


def test_relay_refusals_are_one_sentence_and_change_nothing(
    station: Station, runner: CliRunner
) -> None:
    before = db_snapshot(station.settings.db_url)
    relay = ["slots", "add", "VOV", "--start", "11:00", "--days", "mon", "--by", LEADER]
    for args, said in (
        (["--minutes", "30", "--kind", "relay"],
         "Error: A relay slot needs the address of the stream it relays (--url)."),
        (["--minutes", "400", "--url", "http://127.0.0.1:9/vov1"],
         "Error: A relay slot lasts at most 360 minutes (6 hours)."),
        (["--minutes", "30", "--url", "http://tram:bi-mat@127.0.0.1:9/vov1"],
         "Error: The stream http://127.0.0.1:9/vov1 did not answer within 10 s; check the "
         "address and the Internet."),
    ):  # fmt: skip
        result = runner.invoke(main, relay + args)
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [said]
    assert db_snapshot(station.settings.db_url) == before


def test_a_relay_is_listed_without_its_password(
    station: Station, runner: CliRunner, icecast: Icecast
) -> None:
    icecast.feed("/vov1.mp3")
    secret = icecast.url("/vov1.mp3").replace("http://", "http://tram:bi-mat@")
    add = ["slots", "add", "VOV", "--start", "11:00", "--minutes", "30", "--days", "mon",
           "--url", secret, "--by", LEADER]  # fmt: skip
    result = runner.invoke(main, add)
    assert result.exit_code == 0, result.output
    assert f"(relay of {icecast.url('/vov1.mp3')}, version 1)" in result.output
    shown = runner.invoke(main, ["slots", "list"]).output + json.dumps(listed(runner))
    assert "bi-mat" not in result.output + shown
    assert listed(runner)["VOV"]["url"] == icecast.url("/vov1.mp3")
