"""Layout: noise out (URLs, e-mail, page furniture) and lines broken by copy-paste joined."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

Record = Callable[[str, str, str], None]

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![\w.-])[\w-]+(?:\.[\w-]+)*\.(?:gov|com|net|org|edu|info|vn)\b(?:\.vn)?(?:/\S*)?",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_FURNITURE_RE = re.compile(
    r"^(?:[-–]?\s*\d{1,4}\s*[-–]?"  # a page number, "- 3 -"
    r"|trang\s+\d+(?:\s*(?:/|trên)\s*\d+)?"  # "Trang 2", "Trang 2/5"
    r"|[.…_\-–=*•·~\s]{3,}"  # rules of dots, dashes, underscores
    r")$",
    re.IGNORECASE,
)
_SENTENCE_END = tuple(".!?:;…")
_LIST_START_RE = re.compile(
    r"^(?:[IVXLC]+\.|\d+(?:\.\d+)*\.|\d+\)|[a-zđ]\)|[-+•*–])\s", re.IGNORECASE
)
_SPLIT_SYMBOL_RE = re.compile(r"\d/[\w/-]*[-/]$|\d[-/]$")
_LETTER_RE = re.compile(r"[^\W\d_]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2007\u202f\u200b\ufeff]+")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph rebuilt from lines; headings stand alone."""

    text: str
    heading: bool


def is_heading(line: str) -> bool:
    """A line in capitals (e.g. 'I. MỤC ĐÍCH, YÊU CẦU') is a heading."""
    return line.upper() == line and len(_LETTER_RE.findall(line)) >= 4


def clean_lines(text: str, record: Record | None) -> list[str]:
    """NFC, noise removed, one entry per physical line."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    for name, pattern in (("email", _EMAIL_RE), ("url", _URL_RE)):
        if name == "email" and "@" not in text:
            continue
        if record is not None:
            for match in pattern.finditer(text):
                record(name, match.group(0), "")
        text = pattern.sub(" ", text)
    lines = []
    for raw in _SPACES_RE.sub(" ", text).split("\n"):
        line = raw.strip()
        if line and _FURNITURE_RE.match(line):
            if record is not None:
                record("page furniture", line, "")
            continue
        lines.append(line)
    return lines


def join_lines(lines: list[str]) -> list[Paragraph]:
    """Rebuild paragraphs: a line continues the previous one unless that ended a sentence,
    or the line starts a list item or is a heading."""
    paragraphs: list[Paragraph] = []
    current = ""
    current_heading = False
    for line in lines:
        if not line:
            continue
        heading = is_heading(line)
        starts_new = (
            not current
            or current.endswith(_SENTENCE_END)
            or _LIST_START_RE.match(line) is not None
            or heading
            or current_heading
        )
        if _SPLIT_SYMBOL_RE.search(current) and line[:1].isalnum():
            current += line  # "184/KH-" + "UBND": a symbol broken at the line end
        elif starts_new:
            if current:
                paragraphs.append(Paragraph(current, current_heading))
            current, current_heading = line, heading
        else:
            current = f"{current} {line}"
    if current:
        paragraphs.append(Paragraph(current, current_heading))
    return paragraphs
