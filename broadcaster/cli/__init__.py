"""The `broadcaster` command line: every stage by name; errors become one sentence and exit 1.

Each command lives in a module of its own kind (`*_cmd.py`) and is imported only when it runs
(`base.COMMANDS`), so a light command loads only what it uses."""

from broadcaster.cli.base import main

__all__ = ["main"]
