"""Light commands load only what they use (issue 25): `broadcaster --help` no database layer at
all, `status` no voices, mastering, report writers, scheduler, broker client or web framework.
The import lists are read from a real process, as the agent's lean-import test does."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import click
import pytest

from broadcaster.cli.base import COMMANDS, main
from tests.helpers import cli_env, run_cli

# Loaded by nothing that only lists or checks (STYLE 17).
HEAVY = {
    "numpy", "scipy", "pydub", "gtts", "requests", "openpyxl", "docx", "lxml", "apscheduler",
    "paho", "flask", "waitress", "jinja2", "alembic", "miniaudio", "mutagen",
    "broadcaster.sound.render", "broadcaster.sound.master", "broadcaster.daemon",
    "broadcaster.web",
}  # fmt: skip
DUMP = (
    "import sys, atexit\n"
    "atexit.register(lambda: sys.stderr.write('LOADED ' + ' '.join(sorted(sys.modules)) + '\\n'))\n"
    "sys.argv = ['broadcaster', *sys.argv[1:]]\n"
    "from broadcaster.entry import main\n"
    "main()\n"
)


def loaded(project: Path, *args: str) -> set[str]:
    """The modules a real `broadcaster ARGS` process had loaded when it ended."""
    done = subprocess.run([sys.executable, "-c", DUMP, *args], cwd=project, env=cli_env(None),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED "))
    return set(line.split()[1:])


def heavy_in(modules: set[str], heavy: set[str]) -> list[str]:
    return sorted(h for h in heavy if any(m == h or m.startswith(h + ".") for m in modules))


def test_help_loads_no_database_layer_and_no_command(project: Path) -> None:
    modules = loaded(project, "--help")
    assert heavy_in(modules, HEAVY | {"sqlalchemy", "broadcaster.services"}) == []
    assert not any(m.startswith("broadcaster.cli.") and m.endswith("_cmd") for m in modules)


# What `status` reads without: password hashing, the report writers and the chain's check, the
# cluster code at a station without clusters, the ORM (it reads the Core tables), and at a
# SQLite station the PostgreSQL dialect (which the partial index's options would load), and
# without a rule by holiday the holiday calendar.
NOT_FOR_STATUS = {
    "broadcaster.store.partial_index", "sqlalchemy.dialects.postgresql", "holidays",
    "argon2", "broadcaster.reports.files", "broadcaster.reports.csv_file",
    "broadcaster.reports.pack", "broadcaster.evidence.verify", "broadcaster.services.clusters",
    "broadcaster.services.reports", "sqlalchemy.orm", "broadcaster.store.db",
    "broadcaster.store.users", "broadcaster.services.context", "broadcaster.services.planning",
    "broadcaster.programme.planning",
}  # fmt: skip


def test_status_loads_only_the_database_layer(project: Path) -> None:
    assert run_cli(project, None, "init", "--admin-password", "admin-pass-1").returncode == 0
    modules = loaded(project, "status")
    assert heavy_in(modules, HEAVY | NOT_FOR_STATUS) == []
    assert "sqlalchemy" in modules and "broadcaster.store.tables" in modules  # it reads them


WEB = (
    "import sys\n"
    "from broadcaster.config import load_settings\n"
    "from broadcaster.web import create_app\n"
    "create_app(load_settings())\n"
    "print(' '.join(sorted(sys.modules)))\n"
)


def test_the_web_page_starts_without_the_sound_chain(project: Path) -> None:
    """The web process loads numpy, the mastering chain and the voices only when a recording
    is saved or a bulletin rendered: it starts light (issue 25: ≤ 100 MB)."""
    assert run_cli(project, None, "init", "--admin-password", "admin-pass-1").returncode == 0
    done = subprocess.run([sys.executable, "-c", WEB], cwd=project, env=cli_env(None),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    modules = set(done.stdout.split())
    assert "flask" in modules
    assert heavy_in(modules, {"numpy", "scipy", "pydub", "gtts", "broadcaster.sound.master",
                              "broadcaster.sound.loudness", "broadcaster.daemon"}) == []  # fmt: skip


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_line_is_the_commands_own(name: str) -> None:
    """`--help` lists COMMANDS' lines without importing the commands: each must be the first
    paragraph of its command's own help, and name the command that runs."""
    module, attribute, line = COMMANDS[name]
    command = getattr(importlib.import_module(f"broadcaster.cli.{module}"), attribute)
    assert isinstance(command, click.Command) and command.name == name
    assert inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ") == line
    assert main.get_command(click.Context(main), name) is command
