"""`broadcaster agent` as the command line lists it; the console script runs the agent without
loading the station's commands (broadcaster/entry.py), this is for `--help` and `python -m`."""

from __future__ import annotations

import click


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def agent(args: tuple[str, ...]) -> None:
    """The program at a loudspeaker cluster: `broadcaster agent --config agent.toml`."""
    from broadcaster.agent import main as run

    raise SystemExit(run(list(args)))
