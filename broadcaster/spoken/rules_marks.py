"""Marks on the page, read or dropped: list markers, bylines, glued sentences, footnotes,
steps, time stamps, symbols and punctuation."""

from __future__ import annotations

import re

from broadcaster.spoken import numbers as num
from broadcaster.spoken.rules_base import Context, Rule

# --- list markers -------------------------------------------------------------


def _marker(m: re.Match[str], ctx: Context) -> str:
    roman, arabic = m.group("roman"), m.group("arabic")
    if roman:
        return f"Phần {num.number_words(num.roman_value(roman) or 0, ctx.dialect)}. "
    if arabic:
        parts = [num.number_words(int(p), ctx.dialect) for p in arabic.split(".") if p]
        return " chấm ".join(parts).capitalize() + ", "
    return ""  # a), b), -, +, •: the announcer just reads the item


MARKER = Rule(
    "list marker",
    re.compile(
        r"^(?:(?P<roman>[IVXLC]+)[./](?= )|(?P<arabic>\d{1,2}(?:\.\d{1,2})*)[.)](?= [^\d])"
        r"|[a-zđ]\)|[-+•*–])(?: |$)",
        re.MULTILINE,
    ),
    _marker,
)


def _glued_marker(m: re.Match[str], ctx: Context) -> str:
    number = m.group("g") or m.group("s")
    parts = [num.number_words(int(p), ctx.dialect) for p in number.split(".")]
    return (". " if m.group("g") else " ") + " chấm ".join(parts).capitalize() + ", "


GLUED_MARKER = Rule(
    "list marker",
    # a pasted page's headings run together: "đối tượng tuyển sinh1.1. Hình thức",
    # "xét tuyển. 1.2. Đối tượng", "đang sinh sống.2. Hồ sơ": the heading's number starts a
    # sentence of its own (a number after a word and a space, "vào lớp 1. Hồ sơ", stays, and
    # so does a dotted date, "ngày 5.6. Trời")
    re.compile(
        r"(?:(?<=[a-zđà-ỹ])(?P<g>\d{1,2}(?:\.\d{1,2})+)|(?:(?<=[^\W\d_][.:;])|(?<=[.:;] ))(?P<s>\d{1,2}(?:\.\d{1,2})*))"
        r"\.(?= [A-ZĐÀ-Ỹ])"
    ),
    _glued_marker,
)


BYLINE = Rule(
    "byline",
    # a newspaper's mark before its article, "(BVPL) - …", "(VTC News) - …", and a news
    # agency's dateline, the place and the day in its bracket: "Hà Nội (TTXVN 20/5) …"
    re.compile(
        r"^(?:\([^()\n]{2,30}\) ?[-–—] ?|(?:[A-ZĐ]\w*(?: [A-ZĐ]\w*){0,3},? )?"
        r"\([A-ZĐ][\w.]{1,15},? \d{1,2}/\d{1,2}(?:/\d{4})?\) ?(?:[-–—] ?)?)",
        re.MULTILINE,
    ),
    lambda m, ctx: "",
)


_SYMBOLS = {
    "&": " và ", "=": " bằng ", "+": " cộng ", "/": ", ", "%": " phần trăm ",
    "≤": " nhỏ hơn hoặc bằng ", "≥": " lớn hơn hoặc bằng ",
}  # fmt: skip
SYMBOLS = Rule(
    "symbol",
    re.compile(r"[&=+/%≤≥]"),
    lambda m, ctx: _SYMBOLS[m.group(0)],
)


TIME_ZONE = Rule(
    "page furniture",
    # a web page's time stamp "(GMT+7)": not read
    re.compile(r"(?=[(\[G])[(\[]?GMT ?\+ ?7[)\]]?"),
    lambda m, ctx: "",
)


def _footnote(m: re.Match[str]) -> str:
    before = m.string[max(0, m.start() - 2) : m.start()]
    after_sentence = before.rstrip()[-1:] in (".", "!", "?", "…")
    after_word = m.group(0)[0] == "[" and before[-1:].isalpha()
    return "" if after_sentence or after_word else m.group(0)


def _glued(m: re.Match[str], ctx: Context) -> str:
    before, after = m.string[m.start() - 1], m.string[m.end()]
    return ". " if (before.islower() or before == ")") and after.isupper() else m.group(0)


GLUED_SENTENCE = Rule(
    "sentence end",
    # "(bão SONCA).Hồi 16 giờ": a sentence glued to the next one by a copy-paste
    re.compile(r"(?=\.)(?<=[\w)])\.(?=[^\W\d_])"),
    _glued,
)

FOOTNOTE = Rule(
    "footnote",
    # "… khác. (1)", "dân tộc[1]": a reference to a note, not read
    re.compile(r"[(\[]\d{1,2}[)\]]"),
    lambda m, ctx: _footnote(m),
)
STEP = Rule(
    "step",
    # "Mở ứng dụng → Thủ tục → Tạo mới", "A • B": each step is heard apart
    re.compile(r"(?=[→⇒➔➜►▶•=-])(?:[→⇒➔➜►▶]|[-=]>|(?<= )•(?= ))"),
    lambda m, ctx: ". ",
)


STAR = Rule("symbol", re.compile(r"(?<=dấu )\*"), lambda m, ctx: "sao")


def _punctuation(m: re.Match[str], ctx: Context) -> str:
    mark = m.group(0)
    if mark.startswith("..."):
        return "."
    if mark in "()[]-–—":
        return ", "  # brackets and a dash between words become a short pause
    return ""  # quotes and stray markup are not read


PUNCTUATION = Rule(
    "punctuation",
    re.compile(
        r"(?=[“”\"«»‘’`*#_.()\[\]—–-])"  # a cheap first look before the alternatives
        r"(?:[“”\"«»‘’`*#_]|\.{3,}|(?<= )[-–—](?= )|(?<=[^\W\d])[-–—](?= [^\W\d])|[()\[\]])"
    ),
    _punctuation,
)


def _name_dash(m: re.Match[str], ctx: Context) -> str:
    before, after = m.string[m.start() - 1], m.string[m.end()]
    return ", " if before.islower() and after.isupper() else m.group(0)


NAME_DASH = Rule(
    "punctuation",
    # "ông Đào Văn An-Phó Chi cục trưởng", "Bà Rịa-Vũng Tàu": two names, a short pause
    re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])"),
    _name_dash,
)

NAME_PAIR = Rule(
    "punctuation",
    # "Phòng Văn hóa – Xã hội", "Công chức Văn hóa-Xã hội": one office's name, no pause
    re.compile(r"(?P<a>[Vv]ăn h(?:óa|oá))\s?[-–]\s?(?P<b>[Xx]ã hội|[Tt]hông tin|[Tt]hể thao)\b"),
    lambda m, ctx: f"{m.group('a')} {m.group('b')}",
)
