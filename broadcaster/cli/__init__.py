"""The `broadcaster` command line: every stage by name; errors become one sentence and exit 1."""

from broadcaster.cli import air_cmd, records_cmd, scripts_cmd, tools_cmd  # noqa: F401  (registers commands)
from broadcaster.cli.base import main

__all__ = ["main"]
