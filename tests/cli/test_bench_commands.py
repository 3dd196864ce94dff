"""`broadcaster bench commands` runs small here so it cannot rot (its figures are not asserted:
speed belongs to the bench, not to the suite)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.helpers import cli_env

LINE = re.compile(
    r"^broadcaster (--help|status|serve \(web page\)|run \(idle daemon\))\s.*\b(\d+)\s+≤ .*(met|NOT met)$"
)


def test_bench_commands_measures_every_command_and_process(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "broadcaster.cli", "bench", "commands", "--runs", "1"], cwd=tmp_path,
        env=cli_env(None), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    measured = [LINE.match(line) for line in done.stdout.splitlines()]
    found = {m[1]: int(m[2]) for m in measured if m}
    assert set(found) == {"--help", "status", "serve (web page)", "run (idle daemon)"}
    assert all(mb > 0 for mb in found.values())  # a peak memory was read from each process
    assert "load average" in done.stdout
