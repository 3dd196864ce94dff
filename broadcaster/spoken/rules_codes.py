"""Codes read as such: document symbols (193/KH-UBND, 61/2018/NĐ-CP), phone numbers digit by
digit, and a number with letters ("12A")."""

from __future__ import annotations

import re

from broadcaster.spoken import numbers as num
from broadcaster.spoken.lexicon import LETTER_NAMES, fold, issuers
from broadcaster.spoken.rules_base import Context, Rule

# --- document symbols: 193/KH-UBND, 01/2023/QĐ-UBND, 61/2018/NĐ-CP, 18-NQ/TW ---------

_CODE = r"[A-ZĐ][A-Za-zĐđ&]*(?:\d{1,2}(?![\d/]))?"  # "QH14": Quốc hội khóa XIV
_JOIN = r"(?:-| ?[-–] (?=[A-ZĐ]{2})|[-–] ?(?=[A-ZĐ]{2}))"  # "TT- TTCP", "HD – BCH": stray spaces
# Kinds of document; the text says "Kế hoạch số …" itself, so the code is not read.
DOCUMENT_TYPES = frozenset(
    "KH QĐ NĐ CT TT NQ TB BC HD CV TTr QC QĐi KL CĐ TTLT NQLT HĐ BB GM GP PA ĐA DA QyĐ".split()
)


def _document(m: re.Match[str], ctx: Context) -> str:
    number = num.number_words(int(m.group("num")), ctx.dialect)
    if m.group("suffix"):  # "168a/QĐ-UBND": the number "một trăm sáu mươi tám a"
        number += " " + LETTER_NAMES[m.group("suffix").upper()]
    words = [number]
    if m.group("year"):
        words.append(f"năm {num.number_words(int(m.group('year')), ctx.dialect)}")
    codes = [c.strip() for c in re.split(r"[-–/]", m.group("codes"))]
    codes = [c for c in codes if c and c not in DOCUMENT_TYPES]
    known = issuers()
    bodies = []
    for code in codes:
        letters, term = code.rstrip("0123456789"), code[len(code.rstrip("0123456789")) :]
        if letters in known:
            body = known[letters]
            bodies.append(
                f"{body} khóa {num.number_words(int(term), ctx.dialect)}" if term else body
            )
    # A joint document ("TTLT-BYT-BQP") names every body; otherwise the second code is the
    # drafting office ("125/UBND-VP"), which the announcer does not read.
    joint = "LT" in m.group("codes")
    issuer = " và ".join(dict.fromkeys(bodies if joint else bodies[:1]))
    rest = re.split(r"[.;!?\n]", m.string[m.end() : m.end() + 120], maxsplit=1)[0]
    head = re.split(r"[.;!?\n]", m.string[max(0, m.start() - 120) : m.start()])[-1]
    # "… 193/KH-UBND ngày 26/12/2023 của UBND tỉnh", "UBND tỉnh vừa có Thông báo số
    # 364/TB-UBND": the text names the body itself.
    named = bool(issuer) and (codes[0] in head.split() or fold(issuer) in fold(head))
    if issuer and not named and " của " not in f" {rest} ":
        words.append(f"của {issuer}")
    return " ".join(words)


DOCUMENT = Rule(
    "document symbol",
    re.compile(
        rf"(?=\d)(?<![\w/])(?P<num>\d{{1,5}})(?P<suffix>[a-zđ])?(?:/(?P<year>(?:19|20)\d{{2}}))?"
        rf"(?P<codes>/{_CODE}(?:{_JOIN}{_CODE})*|-{_CODE}/{_CODE}(?:-{_CODE})*|{_CODE}-{_CODE}(?:-{_CODE})*)"
        rf"(?![\w/])"
    ),
    _document,
)


# --- phone numbers --------------------------------------------------------------


def _phone(m: re.Match[str], ctx: Context) -> str:
    groups = re.split(r"[ .-]", m.group(0))
    return ", ".join(num.digit_words(g) for g in groups if g)


PHONE = Rule(
    "phone number",
    re.compile(
        r"(?=[01])(?<![\w.,/])(?:0\d{9,10}|0\d{2,4}(?:[ .-]\d{2,4}){2,3}|1[89]00(?:[ .-]?\d{3,4}){1,2})"
        r"(?![\w/]|[.,]\d)"
    ),
    _phone,
)


CODE = Rule(
    "letter names",
    re.compile(r"(?=\d)(?<![\w.,])(?P<n>\d{1,3})(?P<l>[A-Z]{1,2})(?![\w])"),
    lambda m, ctx: (
        f"{num.number_words(int(m.group('n')), ctx.dialect)} "
        + " ".join(LETTER_NAMES[c] for c in m.group("l"))
    ),
)
