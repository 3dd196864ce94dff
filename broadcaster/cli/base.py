"""Shared pieces of the command line: the error boundary, settings and station, the main group."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import click

from broadcaster.clock import utc_now
from broadcaster.config import Settings, load_settings
from broadcaster.errors import BroadcasterError, Code, english

if TYPE_CHECKING:  # the services are imported by the commands that use them (issue 25)
    from sqlalchemy import Connection

    from broadcaster.services.context import Context
    from broadcaster.services.station import MigrationReport, Station


class Group(click.Group):
    """Turns the core's errors into one English sentence on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a refusal becomes its sentence, chosen by its code."""
        try:
            return super().invoke(ctx)
        except BroadcasterError as exc:
            raise click.ClickException(english(exc.code, exc.data)) from exc


# Each command: its module under broadcaster/cli, its function, and the first line of its help.
# The module is imported only when the command runs (or its own --help is asked), so
# `broadcaster --help` and a light command such as `status` load only what they use
# (tests/cli/test_light.py holds their import lists, and that each line here is the command's).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "agent": ("agent_cmd", "agent", "The program at a loudspeaker cluster: `broadcaster agent --config agent.toml`."),
    "air-now": ("air_cmd", "air_now_command", "Air one approved bulletin at once; an emergency bulletin interrupts the one on air."),
    'arrange': ('air_cmd', 'arrange', "Put exactly SCRIPT_IDS, in order, in SLOT on WHEN ('2024-03-11 17:00'); the planner keeps it."),
    "bench": ("bench_cmd", "bench", "Measure speed on this machine (prints figures; nothing is changed)."),
    "broker": ("broker_cmd", "broker", "The MQTT broker the loudspeaker clusters listen on (Mosquitto)."),
    "clusters": ("clusters_cmd", "clusters", "Loudspeaker clusters: the agents that play the programme in each zone."),
    "devices": ("status_cmd", "devices", "List the sound cards the soundcard output can play to."),
    "init": ("init_cmd", "init", "Create var/ and the database here, importing slots from ./schedules/ when it creates it."),
    "log": ("records_cmd", "log", "Print the airing log (the evidence rows); `log verify` checks its hash chain."),
    "new-plan": ("records_cmd", "new_plan_command", "Make this year's plan file by copying last year's (schedules/plans/plan-YYYY.toml)."),
    "normalize": ("tools_cmd", "normalize", "Print a script exactly as the voice will read it (FILE or - for stdin)."),
    'plan': ('air_cmd', 'plan', "Fill the week's slot occurrences with approved, rendered bulletins."),
    "render": ("tools_cmd", "render", "Render scripts to broadcast MP3 (cached: unchanged text does no work)."),
    'report': ('records_cmd', 'report_command', "Write the Office's report for a period (XLSX, DOCX, CSV or JSON), or its evidence pack."),
    "rules": ("rules_cmd", "rules", "Date rules: skip or move a slot on a date, working-day swaps, holiday rules."),
    'run': ('air_cmd', 'run', "Run the daemon: air each slot's programme at its time and log every airing."),
    "scripts": ("scripts_cmd", "scripts", "Add, list, show, approve, return and retire bulletin scripts."),
    "serve": ("tools_cmd", "serve", "Serve the web page for officers, leaders and the Office."),
    "slots": ("slots_cmd", "slots", "The radio's broadcast slots, kept in the database (leaders and admins change them)."),
    "status": ("status_cmd", "status", "Show whether the daemon is alive, what airs next, the last outcomes and free disk space."),
    "users": ("users_cmd", "users", "Accounts of the web page: officers, leaders, the Office, admins."),
    "zones": ("clusters_cmd", "zones", "Zones of the town (thôn, tổ dân phố) that slots, bulletins and air-nows can target."),
}  # fmt: skip


class Commands(Group):
    """The main group: finds each command in COMMANDS and imports its module only then."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, name, _ = found
        command = getattr(import_module(f"broadcaster.cli.{module}"), name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands from COMMANDS, without importing a single one."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.utils.make_default_short_help(line, limit))
            for name, (_, _, line) in sorted(COMMANDS.items())
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


# Commands that take script ids read '-1' as an id (no such script), not as an unknown option.
ID_COMMAND = {"ignore_unknown_options": True}


def existing_file(path: Path) -> Path:
    """The path of a file named on the command line, or a refusal naming what it is instead."""
    if path.is_dir():
        raise BroadcasterError(Code.FILE_FOLDER, name=path)
    if not path.is_file():
        raise BroadcasterError(Code.FILE_MISSING, name=path)
    return path


def at_most(limit: int) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A click callback refusing a value longer than its database column."""

    def check(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and len(value) > limit:
            raise click.BadParameter(f"at most {limit} characters, got {len(value)}.")
        return value

    return check


def settings_of(ctx: click.Context) -> Settings:
    """The settings, read once per command from broadcaster.toml and the environment."""
    settings = ctx.obj.get("settings")
    if settings is None:
        settings = ctx.obj["settings"] = load_settings()
    return settings


def station_of(ctx: click.Context) -> Station:
    """The opened installation (database engine and sessions), once per command."""
    from broadcaster.services.station import open_station

    station = ctx.obj.get("station")
    if station is None:
        station = ctx.obj["station"] = open_station(settings_of(ctx))
        ctx.call_on_close(station.engine.dispose)
    return station


def upgraded(report: MigrationReport) -> str:
    """One sentence on a schema upgrade and where the backup is."""
    before = report.from_revision or "the first release (unversioned)"
    backup = (
        f"; the old database was copied to {report.backup_path}"
        if report.backup_path
        else "; PostgreSQL is not backed up automatically (see docs/installation.md, Upgrading)"
    )
    return f"Upgraded the database from {before} to revision {report.to_revision}{backup}."


@contextmanager
def services_of(ctx: click.Context) -> Iterator[Context]:
    """A service context over a fresh session, closed when the command is done."""
    from broadcaster.services.context import Context, cli_actor

    station = station_of(ctx)
    with station.sessions() as session:
        yield Context(station.settings, session, utc_now, actor=cli_actor())


@contextmanager
def connection_of(ctx: click.Context) -> Iterator[Connection]:
    """A Core connection for a command that only reads (`status`): no ORM is loaded."""
    with station_of(ctx).engine.connect() as connection:
        yield connection


@click.group(cls=Commands)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Broadcaster: CCHC bulletins from script to the town's loudspeakers."""
    ctx.ensure_object(dict)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("apscheduler", "urllib3", "waitress", "alembic"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)
