"""The commune's name and province: set once by `init --town … --province …`, written into the
settings file, and shown on every page and report.

While either is empty the pages say how to set them and the reports refuse (`town_unset`):
a report that names the wrong commune is worse than none. The demo sets a sample name that
says it is one (`SAMPLE_MARK`).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from broadcaster.errors import BroadcasterError, Code

SAMPLE_MARK = "(tên mẫu)"
SAMPLE_TOWN = f"xã Mẫu {SAMPLE_MARK}"
SAMPLE_PROVINCE = f"tỉnh Mẫu {SAMPLE_MARK}"
_TABLE = re.compile(r"^\s*\[")


def is_set(town: str, province: str) -> bool:
    """Whether both the commune and its province have a name."""
    return bool(town.strip() and province.strip())


def is_sample(town: str, province: str) -> bool:
    """Whether the name is the demo's sample, not the town's own."""
    return SAMPLE_MARK in town or SAMPLE_MARK in province


def require(town: str, province: str) -> None:
    """Refuse (`town_unset`) while the commune or its province has no name."""
    if not is_set(town, province):
        raise BroadcasterError(Code.TOWN_UNSET)


def settings_file(base_dir: Path, environ: Mapping[str, str]) -> Path:
    """The settings file `load_settings` reads: BROADCASTER_CONFIG, else ./broadcaster.toml."""
    path = Path(environ.get("BROADCASTER_CONFIG", base_dir / "broadcaster.toml"))
    return path if path.is_absolute() else base_dir / path


def write_names(path: Path, values: Mapping[str, str]) -> None:
    """Set top-level keys (`town`, `province`) in the settings file, keeping every other line;
    the file is replaced whole, so a crash leaves the old one."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    tables = [n for n, line in enumerate(lines) if _TABLE.match(line)]
    top = tables[0] if tables else len(lines)
    for key, value in values.items():
        line = f"{key} = {json.dumps(value.strip(), ensure_ascii=False)}"
        found = [n for n in range(top) if re.match(rf"\s*{key}\s*=", lines[n])]
        if found:
            lines[found[0]] = line
        else:
            lines.insert(0, line)
            top += 1
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # what we write must read as TOML (json.dumps escapes as TOML does)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
