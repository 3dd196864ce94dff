"""The house: stage folders a newcomer can read, and the import contracts that keep them so."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "broadcaster"
# Test folders that are not a folder of the code: the house rules, fault injection, benchmarks.
TEST_ONLY = {"house", "faults", "benchmarks", "data"}


def folders() -> list[Path]:
    """Every subpackage of broadcaster (the stages, the doors, the agent, the benchmarks)."""
    return sorted(p.parent for p in PACKAGE.glob("*/__init__.py"))


@pytest.mark.parametrize("folder", folders(), ids=lambda p: p.name)
def test_every_folder_says_what_it_holds(folder: Path) -> None:
    """Each folder's __init__ opens with a docstring of at least one sentence (its paragraph)."""
    docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
    assert docstring and len(docstring) > 60, (
        f"{folder.name}/__init__.py says nothing of its folder"
    )


def test_the_tests_mirror_the_layout() -> None:
    """A test folder is named after a folder of the code (or is one of the house's own)."""
    code = {p.name for p in folders()} | {"web"}
    tests = {p.name for p in (REPO / "tests").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert tests - code - TEST_ONLY == set()
    loose = sorted(p.name for p in (REPO / "tests").glob("test_*.py"))
    assert loose == [], f"tests outside a stage folder: {loose}"


def test_the_import_contracts_hold() -> None:
    """Front doors only through services, stages in one direction, light modules stay light."""
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.fail("lint-imports is not installed: `make test` installs the test extras")
    done = subprocess.run(
        [command, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
