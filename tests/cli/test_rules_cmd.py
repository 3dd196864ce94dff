"""`broadcaster rules …`: the date rules from the command line (the wall clock: every date here is
after today, Tết 2027 included; 26/04/2025, the real swap of 2025, has passed)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from broadcaster.cli import main
from broadcaster.services.station import Station
from tests.conftest import LEADER, db_snapshot


def listed(runner: CliRunner) -> list[dict[str, object]]:
    result = runner.invoke(main, ["rules", "list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_skip_replace_swap_holiday_list_and_delete(station: Station, runner: CliRunner) -> None:
    for args, said in (
        (["rules", "skip", "Sáng", "--date", "2027-02-09"], "skip Sáng on 2027-02-09"),
        (["rules", "replace", "Chiều", "--date", "2027-02-06", "--start", "19:00",
          "--minutes", "45"], "Chiều on 2027-02-06 at 19:00 for 45 min instead"),
        (["rules", "swap", "2027-02-20", "--as", "off"], "2027-02-20 airs as a day off (sun)"),
        (["rules", "holiday", "tet"], "no routine bulletin slots on the first three days of Tết"),
    ):  # fmt: skip
        result = runner.invoke(main, [*args, "--by", LEADER])
        assert result.exit_code == 0, result.output
        assert said in result.output and "Warning" not in result.output
    rows = listed(runner)
    assert [row["kind"] for row in rows] == ["holiday", "replace", "skip", "swap"]
    shown = runner.invoke(main, ["rules", "list"]).output
    assert "no routine bulletin slots on the first three days of Tết (version 1)" in shown
    gone = rows[2]["id"]
    result = runner.invoke(main, ["rules", "delete", str(gone), "--version", "1", "--by", LEADER])
    assert result.exit_code == 0, result.output
    assert gone not in [row["id"] for row in listed(runner)]


def test_refusals_are_one_sentence_and_change_nothing(station: Station, runner: CliRunner) -> None:
    before = db_snapshot(station.settings.db_url)
    for args, said in (
        (["rules", "swap", "2025-04-26", "--as", "fri"],
         "Error: The date 26/04/2025 has passed; a date rule is for today or later."),
        (["rules", "skip", "Tối", "--date", "2027-02-09"],
         "Error: There is no slot Tối; see 'broadcaster slots list'."),
        (["rules", "replace", "Sáng", "--date", "2027-02-09", "--start", "16:45",
          "--minutes", "30"],
         "Error: Slot Sáng (16:45, 30 min) would overlap slot Chiều (17:00, 30 min) on "
         "2027-02-09 in a zone they share; move one or shorten it."),
        (["rules", "swap", "2027-02-20", "--as", "holiday"],
         "Error: A swapped date airs as a weekday (mon,tue,wed,thu,fri,sat,sun) or as a day off "
         "(off)."),
        (["rules", "delete", "99"],
         "Error: There is no date rule 99; see 'broadcaster rules list'."),
    ):  # fmt: skip
        result = runner.invoke(main, [*args, "--by", LEADER])
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [said]
    assert db_snapshot(station.settings.db_url) == before


def test_a_rule_that_empties_a_week_is_added_with_a_warning(
    station: Station, runner: CliRunner
) -> None:
    for args in (
        ["slots", "pause", "Chiều"],
        ["slots", "change", "Sáng", "--days", "sat"],
        ["rules", "skip", "Sáng", "--date", "2027-02-13"],
    ):
        result = runner.invoke(main, [*args, "--by", LEADER])
        assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Warning: Saved, but with it no bulletin slot airs in the week(s) 08/02/2027–14/02/2027; "
        "add a one-off slot if the town needs news then."
    )
    assert len(listed(runner)) == 1
