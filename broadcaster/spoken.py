"""Normalise: a script's text becomes the spoken form, exactly what the voice will say.

Rules, in order (each a small pure function):
1. Unicode NFC, tabs and non-breaking spaces to plain spaces.
2. Noise out: URLs, e-mail addresses, page furniture (page numbers, "Trang 3",
   lines of dots, dashes or underscores).
3. Lines broken by copy-paste from PDF or Word are joined; a paragraph ends at
   sentence-final punctuation, a heading, or a list item.
4. Administrative abbreviations are expanded from a small dictionary, whole
   words only, and "cải cách hành chính (CCHC)" does not become a doubled phrase.
5. Paragraphs are split into sentences; the audio stage puts pauses between them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ABBREVIATIONS: dict[str, str] = {
    "CCHC": "cải cách hành chính",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "TTHC": "thủ tục hành chính",
    "CBCCVC": "cán bộ, công chức, viên chức",
    "CBCC": "cán bộ, công chức",
    "MTTQ": "Mặt trận Tổ quốc",
    "KT-XH": "kinh tế - xã hội",
    "BCĐ": "Ban Chỉ đạo",
    "TDP": "tổ dân phố",
    "CNTT": "công nghệ thông tin",
    "VH-XH": "văn hóa - xã hội",
    "DVC": "dịch vụ công",
}

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_FURNITURE_RE = re.compile(
    r"^\s*(?:[-–]?\s*\d{1,4}\s*[-–]?|trang\s+\d+(?:\s*/\s*\d+)?|[.…_\-–=*•·\s]{3,})\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = tuple(".!?:;…")
_LIST_START_RE = re.compile(r"^(?:[IVXLC]+\.|\d+(?:\.\d+)*\.|[a-zđ]\)|[-+•])\s", re.IGNORECASE)
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?;…])\s+(?=\S)")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2007\u202f]+")
# "I. " or "1.2. " opening a heading is a marker, not the end of a sentence.
_MARKER_RE = re.compile(r"^(?:[IVXLC]+|\d+(?:\.\d+)*)\.\s+")


@dataclass(frozen=True)
class SpokenText:
    """The words the voice will say, as paragraphs of sentences (pauses go between them)."""

    paragraphs: tuple[tuple[str, ...], ...]

    @property
    def text(self) -> str:
        """One sentence per line, a blank line between paragraphs, as shown to the officer."""
        return "\n\n".join("\n".join(p) for p in self.paragraphs)

    @property
    def sentences(self) -> tuple[str, ...]:
        """All sentences in reading order."""
        return tuple(s for p in self.paragraphs for s in p)


def _is_heading(line: str) -> bool:
    """A line in capitals (e.g. 'I. MỤC ĐÍCH, YÊU CẦU') stands as its own paragraph."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _clean_lines(text: str) -> list[str]:
    """NFC, noise removed, one entry per physical line (blank lines kept as '')."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _URL_RE.sub(" ", text)
    text = _EMAIL_RE.sub(" ", text)
    lines = []
    for raw in text.split("\n"):
        line = _SPACES_RE.sub(" ", raw).strip()
        if line and _FURNITURE_RE.match(line):
            continue
        lines.append(line)
    return lines


def _join_lines(lines: list[str]) -> list[str]:
    """Rebuild paragraphs from lines broken by copy-paste."""
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            continue
        starts_new = (
            not current
            or current.endswith(_SENTENCE_END)
            or _LIST_START_RE.match(line) is not None
            or _is_heading(line)
            or _is_heading(current)
        )
        if starts_new:
            if current:
                paragraphs.append(current)
            current = line
        else:
            current = f"{current} {line}"
    if current:
        paragraphs.append(current)
    return paragraphs


def expand_abbreviations(text: str) -> str:
    """Expand dictionary abbreviations as whole words; drop '(CCHC)' right after its expansion."""
    for short, full in ABBREVIATIONS.items():
        echo = re.compile(rf"({re.escape(full)})\s*\(\s*{re.escape(short)}\s*\)", re.IGNORECASE)
        text = echo.sub(r"\1", text)
        text = re.sub(rf"(?<![\w-]){re.escape(short)}(?![\w-])", full, text)
    return text


def _tidy(sentence: str) -> str:
    """Collapse spaces and drop spaces before punctuation."""
    sentence = _SPACES_RE.sub(" ", sentence).strip()
    return re.sub(r"\s+([,.;:!?…)])", r"\1", sentence)


def normalise(text: str) -> SpokenText:
    """Turn a script body into the spoken form the voice will read."""
    paragraphs = []
    for paragraph in _join_lines(_clean_lines(text)):
        expanded = expand_abbreviations(paragraph)
        marker = _MARKER_RE.match(expanded)
        prefix = marker.group(0) if marker else ""
        parts = _SENTENCE_SPLIT_RE.split(expanded[len(prefix) :])
        parts[0] = prefix + parts[0]
        sentences = tuple(s for s in (_tidy(part) for part in parts) if s)
        if sentences:
            paragraphs.append(sentences)
    return SpokenText(paragraphs=tuple(paragraphs))
