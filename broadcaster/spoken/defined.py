"""Abbreviations a text defines itself: "Công ty Cổ phần Cấp nước Bến Thành (BTW)".

No dictionary holds every company, office and disease a notice names, but a notice names
them in full the first time, with the short form in brackets after: "sốt xuất huyết (SXH)",
"Tổng công ty Điện lực TP.HCM (EVNHCMC)". An announcer reads the full name there and says
it again wherever the short form comes back, instead of spelling letters a listener cannot
place. A bracket defines a short form when the words before it start with its letters
("sốt xuất huyết" for SXH), or when they are an organisation's name ("Công ty …",
"Trung tâm …") standing alone in their clause.
"""

from __future__ import annotations

import re

from broadcaster.spoken.lexicon import fold
from broadcaster.spoken.rules_base import Context, Rule

_BRACKET_RE = re.compile(r"\((?P<abbr>[A-ZĐ][A-ZĐ&]{1,9})\)")
_CLAUSE_END = re.compile(r"[,;:()\n“”\"]|[.!?](?= )")
_WORDS_BEFORE = 12
_CONNECTORS = frozenset(("và", "của", "các", "về"))
# The first words of an organisation's name: what follows them up to the bracket is its name.
_HEADS_RE = re.compile(
    r"(?:Tổng [Cc]ông ty|Công ty|Trung tâm|Chi cục|Cục|Sở|Phòng|Ban|Hợp tác xã|Bệnh viện"
    r"|Ngân hàng|Quỹ|Hội|Viện|Trường|Đài|Điện lực|Chi nhánh|Ủy ban|Văn phòng|Nhà máy"
    r"|Xí nghiệp|Chương trình|Dự án|Tổ chức|Liên đoàn|Bộ) "
)


def _initials(words: list[str]) -> str:
    return "".join(fold(w)[:1] for w in words)


def _expansion(before: str, abbr: str) -> str | None:
    """The words before a bracket that the short form stands for, or None."""
    clause = _CLAUSE_END.split(before)[-1].strip()
    words = clause.split()[-_WORDS_BEFORE:]
    letters = fold(abbr).replace("&", "")
    for size in range(len(letters), min(len(words), 2 * len(letters)) + 1):
        tail = words[-size:]
        plain = [w for w in tail if w.lower() not in _CONNECTORS]
        if letters in (_initials(tail), _initials(plain)) and tail[0][:1].isalpha():
            return " ".join(tail)
    head = _HEADS_RE.search(" ".join(words))
    return " ".join(words)[head.start() :] if head else None


def _as_name(words: str) -> str:
    """A name that opened a sentence ("Viêm da nổi cục") is lower case inside another."""
    rest = words.split()[1:]
    return words[:1].lower() + words[1:] if all(w.islower() for w in rest) else words


def defined_abbreviations(text: str, known: dict[str, str]) -> dict[str, str]:
    """Short forms the text defines in brackets after their full name, and those names."""
    found: dict[str, str] = {}
    for match in _BRACKET_RE.finditer(text):
        abbr = match.group("abbr")
        if abbr in known or abbr in found:
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        full = _expansion(text[line_start : match.start()], abbr)
        if full:
            found[abbr] = _as_name(full)
    return found


def _defined(m: re.Match[str], ctx: Context) -> str:
    if m.group("def") in ctx.defined:
        return ""  # the name was just read in full
    return ctx.defined.get(m.group("use") or "", m.group(0))


DEFINED = Rule(
    "abbreviation defined in the text",
    re.compile(
        r" ?\((?P<def>[A-ZĐ][A-ZĐ&]{1,9})\)|(?<![\w&/-])(?P<use>[A-ZĐ][A-ZĐ&]{1,9})(?![\w&/-])"
    ),
    _defined,
)
