"""A page whose line breaks were lost: its title, opening and list items put back on lines.

Copied from a portal, a notice may arrive as one line: "KẾ HOẠCH TUYỂN SINH NĂM HỌC 2025 -
2026 Căn cứ vào … như sau: I. MỤC ĐÍCH, YÊU CẦU: 1.Đảm bảo … II. NỘI DUNG CỤ THỂ 1. Số liệu
…". A reader sees where the title ends (capitals give way to a capitalised word), where the
document opens ("Kính thưa", "Căn cứ", "Thực hiện" with no stop before them) and where a
list item starts ("I.", "1." after a colon or a stop); the announcer pauses there, so the
line is split there.
"""

from __future__ import annotations

import re

from broadcaster.spoken.syllables import is_syllable

# A list item after a colon, a stop or a semicolon: ": I. MỤC ĐÍCH", ". 2.Thực hiện".
_INLINE_ITEM_RE = re.compile(r"(?<=[:.;]) (?=(?:[IVX]{1,4}|\d{1,2})\.\s?[^\W\d_])")
# The known openings of an administrative text, capitalised in the middle of a line with no
# stop before them: the title (or a salutation) ran into the body.
_OPENING_RE = re.compile(r"(?<=[\w)]) (?=(?:Kính thưa|Kính gửi|Căn cứ|Thực hiện|Thi hành) )")
_GLUED_MARKER_RE = re.compile(r"^((?:[IVX]{1,4}|\d{1,2})\.)(?=[^\W\d_])")
_MARKER_RE = re.compile(r"^(?:[IVX]{1,4}|\d{1,2})\.$")
_TITLE_WORDS = 3  # a title in capitals has at least three words


def _is_caps(token: str) -> bool:
    return any(c.isalpha() for c in token) and token.upper() == token


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper() and any(c.islower() for c in token)


def _split_title(line: str) -> list[str]:
    """Split after a run of words in capitals that a capitalised word follows."""
    tokens = line.split(" ")
    caps = syllables = 0
    for index, token in enumerate(tokens):
        if _is_caps(token) and not _MARKER_RE.match(token):
            caps += 1
            syllables += is_syllable(token.strip(",.:;()"))
        elif _is_capitalised(token) and caps >= _TITLE_WORDS and syllables >= 2:
            cut = index - 1 if index and _MARKER_RE.match(tokens[index - 1]) else index
            head, rest = " ".join(tokens[:cut]), " ".join(tokens[cut:])
            return [head, *_split_title(rest)]
        elif not (token[:1].isdigit() or token in "-–" or _MARKER_RE.match(token)):
            caps = syllables = 0
    return [line]


def split_run_on(line: str) -> list[str]:
    """The line, or its title, opening and list items on lines of their own."""
    if len(line) < 40:
        return [line]
    pieces = []
    for part in _OPENING_RE.split(line):
        for item in _INLINE_ITEM_RE.split(part):
            pieces.extend(_split_title(item))
    return [_GLUED_MARKER_RE.sub(r"\1 ", p.strip()) for p in pieces if p.strip()]
