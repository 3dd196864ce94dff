"""`broadcaster bench report` at a small size, so that it cannot rot: every output through the
command line in a fresh process, the checks of the chain, and what each walked. It checks what
the figures say, never how fast or how small they are (those figures come from the bench)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from broadcaster.bench.report_speed import OUTPUTS, Part, ReportBench, lines
from broadcaster.cli import main


@pytest.mark.slow  # a dozen fresh processes
def test_the_report_bench_measures_every_output_and_walks_the_chain_once() -> None:
    result = CliRunner().invoke(main, ["bench", "report", "--airings", "1000", "--small", "200",
                                       "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    parts = {part["name"]: part for part in found["parts"]}
    assert list(parts) == [
        "verify-full", "verify-since", "summary", "xlsx-writer", *OUTPUTS, "make-checkpoint", "first",
        "second",
    ]  # fmt: skip
    assert found["airings"] == 1098 and found["backend"] == "sqlite"
    chain = parts["verify-full"]["walked"]
    assert chain > found["airings"]  # a started and an outcome link for most airings
    # The chain is walked whole twice: by the full check, and once more when the checkpoint
    # is gone (the daemon's start); every report after walks nothing new.
    assert parts["make-checkpoint"]["walked"] == chain
    for name in (*OUTPUTS, "first", "second"):
        part = parts[name]
        assert part["walked"] == 0 and part["rows"] == found["airings"], name
        assert part["peak_mb"] > 0 and part["seconds"] > 0
        assert part["target"].endswith("≤ 250 MB") and part["met"] in (True, False)
    assert parts["xlsx"]["target"] == "≤ 40 s, ≤ 250 MB"
    assert parts["verify-full"]["met"] is None and parts["verify-full"]["target"] == "—"
    figures = ReportBench(**{**found, "parts": [Part(**_fields(p)) for p in found["parts"]]})
    printed = "\n".join(lines(figures))
    assert f"pack of the year, {found['airings']} rows (walked 0 links)" in printed
    assert "load average" in printed


def _fields(part: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in part.items() if k not in ("met", "target")}
