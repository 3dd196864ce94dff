"""The `broadcaster` console script: `agent` goes straight to the lean agent (no click, Flask,
ORM or scheduler imported), every other command to the station's command line."""

from __future__ import annotations

import sys


def main() -> int:
    """Dispatch on the first argument."""
    if sys.argv[1:2] == ["agent"]:
        from broadcaster.agent import main as agent

        return agent(sys.argv[2:])
    from broadcaster.cli import main as station

    station()
    return 0
