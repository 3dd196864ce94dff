"""The `broadcaster` command line: every stage by name; errors become one sentence and exit 1."""

from broadcaster.cli import (  # noqa: F401  (registers commands)
    agent_cmd,
    air_cmd,
    broker_cmd,
    clusters_cmd,
    records_cmd,
    scripts_cmd,
    tools_cmd,
    users_cmd,
)
from broadcaster.cli.base import main

__all__ = ["main"]
