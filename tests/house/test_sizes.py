"""Small files (STYLE habit 9, issue 20 item 4): no module over 400 lines unless it holds only
literal data, no class over 200 lines, no function over 60 lines outside the migrations.

Every .py under broadcaster/ and web/ is parsed with `ast`; sizes count every line from the
first to the last, docstrings and comments included. A new oversized module, class or
function fails here with its name and size: split it along its seams rather than list it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("broadcaster", "web")

MODULE_LINES = 400
CLASS_LINES = 200
FUNCTION_LINES = 60

# The exemptions, each with its reason. Names are "path:Qualified.name".
EXEMPT = {}
# Alembic revisions are a list of schema steps read top to bottom (the baseline creates every
# table): their functions may be long.
MIGRATIONS = "broadcaster/store/migrations/versions/"
# Modules that hold only literal data (tables), exempt from the module limit; the first test
# checks that each holds nothing else. None so far.
DATA_MODULES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Size:
    """One module, class or function and its length in lines."""

    kind: str  # module, class, function
    name: str  # path, or path:Qualified.name
    lines: int


def _sources() -> list[Path]:
    return sorted(p for top in SOURCES for p in (ROOT / top).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _measure(path: Path) -> list[Size]:
    """The module's own length, then each class and function in it (nested ones too)."""
    text = path.read_text(encoding="utf-8")
    where = _relative(path)
    sizes = [Size("module", where, len(text.splitlines()))]

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                kind = "class" if isinstance(child, ast.ClassDef) else "function"
                assert child.end_lineno is not None
                sizes.append(Size(kind, f"{where}:{name}", child.end_lineno - child.lineno + 1))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(text, filename=where), "")
    return sizes


SIZES = [size for path in _sources() for size in _measure(path)]
LIMITS = {"module": MODULE_LINES, "class": CLASS_LINES, "function": FUNCTION_LINES}


def _allowed(size: Size) -> bool:
    if size.name in EXEMPT:
        return True
    if size.kind == "module" and size.name in DATA_MODULES:
        return True
    return size.kind == "function" and size.name.startswith(MIGRATIONS)


def _offenders(kind: str) -> list[str]:
    return [
        f"{s.name} is {s.lines} lines (limit {LIMITS[kind]})"
        for s in sorted(SIZES, key=lambda s: -s.lines)
        if s.kind == kind and s.lines > LIMITS[kind] and not _allowed(s)
    ]


def _only_literals(tree: ast.Module) -> bool:
    """A docstring, `from __future__` imports and assignments of literal values, nothing else."""
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            continue
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        if value is None:
            return False
        try:
            ast.literal_eval(value)
        except ValueError:
            return False
    return True


def test_the_sources_are_found() -> None:
    assert len([s for s in SIZES if s.kind == "module"]) > 50
    assert any(s.name == "broadcaster/spoken/rules.py" for s in SIZES)


def test_a_data_module_holds_only_literal_data() -> None:
    coded = [
        name for name in sorted(DATA_MODULES)
        if not _only_literals(ast.parse((ROOT / name).read_text(encoding="utf-8")))
    ]  # fmt: skip
    assert not coded, f"Exempt as literal data but holding code: {', '.join(coded)}"


@pytest.mark.parametrize("kind", ["module", "class", "function"])
def test_nothing_is_over_its_limit(kind: str) -> None:
    offenders = _offenders(kind)
    plural = {"module": "modules", "class": "classes", "function": "functions"}[kind]
    assert not offenders, f"Too long {plural} (split them along their seams):\n" + "\n".join(
        offenders
    )


def test_every_exemption_is_still_needed() -> None:
    """An exemption names something that exists and is still over its limit."""
    found = {s.name: s for s in SIZES}
    stale = []
    for name, reason in EXEMPT.items():
        size = found.get(name)
        if size is None:
            stale.append(f"{name} ({reason}) no longer exists")
        elif size.lines <= LIMITS[size.kind]:
            stale.append(f"{name} ({reason}) is {size.lines} lines now, within its limit")
    assert not stale, "Remove these from EXEMPT in tests/house/test_sizes.py:\n" + "\n".join(stale)
