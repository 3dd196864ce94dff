"""The wheel a station PC installs holds every folder of the code and its data files.

The editable install the tests run on finds any folder on disk; the wheel holds only the
packages named in pyproject.toml. A folder added to the code but not to that list would
pass every other test and break `make run` on a station PC, so the wheel is built and
every subpackage is imported from it, with nothing of the source tree on the path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LEFT_BEHIND = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "var", "tests")

# Imports every module of every package given, with only the unpacked wheel and the
# dependencies' site-packages on sys.path (-S: no .pth file, so no editable-install finder);
# prints where each package came from. Scripts are not imported: `__main__` runs the command
# line, and alembic runs migrations/env.py itself, inside a migration.
IMPORT_ALL = """
import importlib, json, pkgutil, sys
sys.path[:0] = [sys.argv[1]]
sys.path.append(sys.argv[2])
found = {}
for name in json.loads(sys.argv[3]):
    package = importlib.import_module(name)
    found[name] = package.__file__
    for module in pkgutil.iter_modules(package.__path__, name + "."):
        script = module.name.endswith(("__main__", "migrations.env"))
        if not module.ispkg and not script:
            importlib.import_module(module.name)
print(json.dumps(found))
"""


def source_packages() -> list[str]:
    """Every package of the source tree, by the name it is installed under."""
    names = [
        ".".join(init.parent.relative_to(REPO).parts)
        for init in sorted((REPO / "broadcaster").rglob("__init__.py"))
    ]
    return names + ["broadcaster.web"]  # web/ is installed as broadcaster.web (package-dir)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install .` would build, unpacked.

    Built from a copy of the tree: setuptools reuses a build/ folder it finds, which would
    bring back a package the list has lost."""
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*LEFT_BEHIND))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (built,) = out.glob("broadcaster-*.whl")
    unpacked = out / "unpacked"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(unpacked)
    return unpacked


def test_every_package_imports_from_the_wheel(wheel: Path) -> None:
    """Each folder of the code is in the wheel, and all of its modules import from there."""
    packages = source_packages()
    run = subprocess.run(
        [sys.executable, "-S", "-c", IMPORT_ALL, str(wheel), sysconfig.get_path("purelib"),
         json.dumps(packages)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=wheel,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout)
    assert sorted(found) == sorted(packages)
    outside = {name: path for name, path in found.items() if not path.startswith(str(wheel))}
    assert outside == {}, "imported from outside the wheel"


def test_the_wheel_holds_the_pages_the_rules_and_the_sounds(wheel: Path) -> None:
    """The web page's templates and static files, the spoken-form tables and the sound assets."""
    data = {
        "web/templates/*.html": "broadcaster/web/templates",
        "web/static/*": "broadcaster/web/static",
        "broadcaster/spoken/*.tsv": "broadcaster/spoken",
        "broadcaster/assets/*.wav": "broadcaster/assets",
    }
    for pattern, installed in data.items():
        sources = list(REPO.glob(pattern))
        assert sources, pattern
        missing = [s.name for s in sources if not (wheel / installed / s.name).is_file()]
        assert missing == [], f"missing from the wheel's {installed}: {missing}"
