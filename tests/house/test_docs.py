"""The docs against the code, like Datasette's test_docs: what a reader can meet is written down,
every link and picture is there, and every name the docs give still exists."""

from __future__ import annotations

import dataclasses
import re
import struct
import tomllib
import unicodedata
from pathlib import Path

import pytest

from broadcaster.agent.config import AgentConfig
from broadcaster.cli import main
from broadcaster.config import Settings
from broadcaster.errors import Code
from broadcaster.notes import NoteCode

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
README = REPO / "README.md"
REFERENCE = DOCS / "reference.md"
GUIDE = DOCS / "huong-dan-su-dung.md"
ARCHITECTURE = DOCS / "architecture.md"
# Written by the test-speed part of issue 20; linked before it lands, checked once it is there.
LANDS_ELSEWHERE = {DOCS / "development.md"}


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def pages() -> list[Path]:
    """The README and every Markdown page under docs/."""
    return [README, *sorted(DOCS.glob("*.md"))]


def commands(group: object, prefix: str = "") -> dict[str, object]:
    """Every command of the CLI by its full name ("scripts add"), groups included."""
    found: dict[str, object] = {}
    for name, command in getattr(group, "commands", {}).items():
        found[f"{prefix}{name}"] = command
        found.update(commands(command, f"{prefix}{name} "))
    return found


def test_every_message_code_setting_and_command_is_in_the_reference() -> None:
    """What a technician can meet is written down (the README's test, moved with the text)."""
    reference = text(REFERENCE)
    missing = [f"code {c.value}" for c in Code if f"`{c.value}`" not in reference]
    missing += [f"note {n.value}" for n in NoteCode if f"`{n.value}`" not in reference]
    missing += [
        f"setting {f.name}"
        for f in dataclasses.fields(Settings)
        if f.name != "base_dir" and f"`{f.name}`" not in reference
    ]
    missing += [
        f"agent.toml {f.name}"
        for f in dataclasses.fields(AgentConfig)
        if not re.search(rf"^(# )?{f.name} = ", reference, re.MULTILINE)
    ]
    missing += [f"command {c}" for c in commands(main) if f"broadcaster {c}" not in reference]
    assert missing == []


def test_every_option_is_in_its_command_s_row() -> None:
    """`broadcaster scripts add … --priority …`: each option where its command is written."""
    reference = text(REFERENCE)
    missing = []
    for name, command in commands(main).items():
        rows = "\n".join(
            line
            for line in reference.splitlines()
            if re.search(rf"`broadcaster {re.escape(name)}(?=[ `])", line)
        )
        for param in getattr(command, "params", []):
            options = [o for o in getattr(param, "opts", []) if o.startswith("-")]
            if options and not any(o in rows for o in options):
                missing.append(f"{name} {options[0]}")
    assert missing == []


def test_the_reference_states_the_exit_code_rule() -> None:
    reference = text(REFERENCE)
    assert "exits with code 1 when it refuses" in reference and "exit code 2" in reference


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    plain = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading)
    return re.sub(r"[^\w\- ]", "", plain.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a Markdown page (code blocks left out)."""
    body = re.sub(r"^```.*?^```", "", text(path), flags=re.MULTILINE | re.DOTALL)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", body, re.MULTILINE)}


def links(path: Path) -> list[str]:
    """The targets of the page's Markdown links and images, outside code blocks."""
    body = re.sub(r"^```.*?^```", "", text(path), flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"\]\(([^)\s]+)\)", body)


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_link_leads_somewhere(page: Path) -> None:
    """A file that is there, and a heading that is there; the web is not checked."""
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        where = (page.parent / file).resolve() if file else page
        if where in LANDS_ELSEWHERE and not where.exists():
            continue
        if not where.exists():
            broken.append(target)
        elif anchor and (where.suffix != ".md" or anchor not in anchors(where)):
            broken.append(target)
    assert broken == []


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_every_picture_shown_is_there_and_every_picture_there_is_shown() -> None:
    """docs/screenshots/ holds exactly the pictures the docs show: first screens, small."""
    shown = {
        name for page in pages() for name in re.findall(r"screenshots/([\w-]+\.png)", text(page))
    }
    there = {p.name for p in (DOCS / "screenshots").glob("*")}
    assert shown == there
    for name in there:
        path = DOCS / "screenshots" / name
        # `make screenshots` saves the first screen at the browser test's sizes (no full pages)
        assert png_size(path) in {(390, 844), (1366, 768)}, name
        assert path.stat().st_size < 250_000, name


def test_the_readme_is_short_says_what_it_is_in_both_languages_and_where_to_read_next() -> None:
    readme = text(README)
    assert len(readme.splitlines()) <= 250
    assert "make run" in readme and "make test" in readme
    assert "Broadcaster is the software" in readme and "Broadcaster là phần mềm" in readme
    for doc in ("huong-dan-su-dung.md", "installation.md", "reference.md", "architecture.md"):
        assert f"(docs/{doc})" in readme, doc
    assert "(docs/development.md)" in readme


def requirement_names(requirements: list[str]) -> list[str]:
    """`psycopg[binary]>=3.1` → `psycopg`."""
    return [re.split(r"[\[<>=!~;\s]", r, maxsplit=1)[0] for r in requirements]


def test_the_readme_says_why_each_dependency_was_chosen() -> None:
    project = tomllib.loads(text(REPO / "pyproject.toml"))["project"]
    wanted = requirement_names(project["dependencies"])
    wanted += requirement_names(project["optional-dependencies"]["test"])
    table = text(README).split("## Dependencies, and why", 1)[1].split("\n## ", 1)[0].lower()
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| ")]
    # "APScheduler 3.x", "psycopg (binary)", "test: pytest": the package's name comes first
    named = {part.replace("test:", "").split()[0] for row in rows for part in row.split(",")}
    assert [n for n in wanted if n.lower() not in named] == []


def vietnamese_share(words: str) -> float:
    """The share of letters that carry a Vietnamese mark (đ, ơ, ư, â, tones...)."""
    letters = [c for c in words if c.isalpha()]
    marked = [c for c in letters if c in "đĐ" or unicodedata.decomposition(c)]
    return len(marked) / max(1, len(letters))


def test_the_guide_is_in_vietnamese_with_its_marks_and_covers_every_task() -> None:
    guide = re.sub(r"\s+", " ", text(GUIDE))
    prose = re.sub(r"```.*?```|`[^`]*`|\([^)]*\.(md|png)[^)]*\)", "", guide, flags=re.DOTALL)
    assert vietnamese_share(prose) > 0.2  # Vietnamese prose is about a third marked letters
    for task in (
        "Đăng nhập", "Thêm bản tin", "Nghe thử", "Lưu thay đổi", "Duyệt phát sóng",
        "Trả lại để sửa", "Ngừng phát hẳn", "Lập chương trình tuần", "Ghi âm bản tin",
        "Phát ngay", "Phát KHẨN ngay", "Nhật ký phát", "Báo cáo theo kỳ",
        "Tải hồ sơ minh chứng (.zip)", "Kiểm tra toàn bộ nhật ký phát",
    ):  # fmt: skip
        assert task in guide, task


def test_every_button_the_guide_tells_to_press_is_on_the_pages() -> None:
    """A **label** in a step of the guide is a label of the web page, word for word."""
    from broadcaster.web.log import FORMAT_LABELS

    pages_text = "\n".join(
        text(p) for p in [*(REPO / "web").glob("*.py"), *(REPO / "web" / "templates").glob("*")]
    )
    pages_text += "".join(f"\nTải {label}" for label in FORMAT_LABELS.values())  # Tải {{ label }}
    steps = re.findall(r"^\d+\. .*(?:\n   .*)*", text(GUIDE), re.MULTILINE)
    steps = [re.sub(r"\s+", " ", step) for step in steps]
    labels = {label for step in steps for label in re.findall(r"\*\*(.+?)\*\*", step)}
    assert labels
    assert sorted(label for label in labels if label.rstrip("…") not in pages_text) == []


def mentioned_paths(page: Path) -> set[str]:
    """Paths of this repository a page names in `code`, e.g. `broadcaster/onair/airing.py`;
    `onair/airing.py`, short for a file of a package folder, is read as under broadcaster/."""
    folders = [p.parent.name for p in (REPO / "broadcaster").glob("*/__init__.py")]
    roots = "|".join(["broadcaster", "web", "tests", "deploy", "docs", "schedules", "scripts_vi"])
    found = set()
    for quoted in re.findall(r"`([^`\s]+)`", text(page)):
        path = quoted.rstrip(".,:;")
        if re.search(r"YYYY|\*", path):
            continue
        if re.fullmatch(rf"(?:{roots})/[\w./-]*", path):
            found.add(path)
        elif re.fullmatch(rf"(?:{'|'.join(folders)})/[\w./-]+", path):
            found.add(f"broadcaster/{path}")
    return found


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_file_and_folder_the_docs_name_exists(page: Path) -> None:
    assert sorted(p for p in mentioned_paths(page) if not (REPO / p).exists()) == []


def test_the_architecture_names_every_folder_and_every_import_contract() -> None:
    architecture = text(ARCHITECTURE)
    folders = sorted(p.parent.name for p in (REPO / "broadcaster").glob("*/__init__.py"))
    assert [f for f in folders if f"`broadcaster/{f}/`" not in architecture] == []
    contracts = tomllib.loads(text(REPO / "pyproject.toml"))["tool"]["importlinter"]["contracts"]
    flat = re.sub(r"\s+", " ", architecture)
    assert [c["id"] for c in contracts if f"`{c['id']}` (*{c['name']}*)" not in flat] == []
    assert "lint-imports" in architecture
