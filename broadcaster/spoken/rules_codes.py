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


# --- phone numbers, hotlines and other numbers that are names ----------------------------


def _phone(m: re.Match[str], ctx: Context) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    if m.group("country"):  # "(+84-28) 38 653 050": the area code with its 0, as dialled here
        digits = "0" + digits[2:]
        groups = ["0" + m.group("area"), *re.split(r"[ .-]", m.group("local"))]
    elif m.group("free"):  # "18001567": "một tám không không, một năm sáu bảy"
        groups = [m.group(0)[:4], *re.split(r"[ .-]", m.group(0)[4:])]
    else:
        groups = re.split(r"[ .-]", m.group(0))
    if not 10 <= len(digits) <= 11 and not m.group("free"):
        return m.group(0)  # not a phone number's length: a code or an amount
    return ", ".join(num.digit_words(g) for g in groups if g)


PHONE = Rule(
    "phone number",
    # "0911.392.389", "04.32 818 818", "0383.598828", "(+84-28) 38 653 050", "1800 1567"
    re.compile(
        r"(?=[01(+])(?<![\w.,/])(?:0\d{9,10}|0\d{1,4}(?:[ .-]\d{2,8}){1,3}"
        r"|(?P<free>1[89]00(?:[ .-]?\d{3,4}){1,2})"
        r"|(?P<country>\(?\+84[ -]?\(?(?P<area>\d{1,3})\)?[ .-]?(?P<local>\d{2,4}(?:[ .-]\d{2,4}){1,3})))"
        r"(?![\w/]|[.,]\d)"
    ),
    _phone,
)

# A number said digit by digit because it is a name, not an amount: a hotline or short code
# after the words that introduce one ("tổng đài 1022", "đường dây nóng 111", "số điện thoại
# khẩn 111", "hotline 1900"), then the same number anywhere else in the text ("Số 111 có ưu
# điểm", a heading "CỔNG THÔNG TIN 1022"); an account number; a run of nine digits or more.
_CODE_WORDS = (
    r"(?:tổng đài|đường dây nóng|hotline|số điện thoại(?: khẩn)?|điện thoại|đt|số máy"
    r"|số tài khoản|tài khoản|mã số|mã|đầu số|gọi (?:ngay|số|đến|tới)|quay số|nhắn tin đến)"
)
_CODE_BEFORE_RE = re.compile(
    rf"(?:^|[^\w]){_CODE_WORDS}(?: số)?\s*:?\s*[\"“”″']?\s*$", re.IGNORECASE
)


def _dialled(m: re.Match[str], ctx: Context) -> str:
    """A number in groups after the words that introduce one ("số điện thoại 3.8556169", an
    old local number with its area's digit): the digits, a pause between groups, a single
    digit said with the group after it."""
    head = m.string[max(0, m.start() - 30) : m.start()].rsplit("\n", 1)[-1]
    if _CODE_BEFORE_RE.search(head) is None:
        return m.group(0)  # "3.500 đồng", "1.200 hộ": an amount
    groups: list[str] = []
    for group in re.split(r"[ .]", m.group(0)):
        if groups and len(groups[-1]) == 1:
            groups[-1] += group
        else:
            groups.append(group)
    return ", ".join(num.digit_words(g) for g in groups)


DIALLED = Rule(
    "phone number",
    re.compile(r"(?<![\w.,/])\d{1,4}(?:[ .]\d{2,8}){1,3}(?![\w/]|[.,]\d)"),
    _dialled,
)


def _code_number(m: re.Match[str], ctx: Context) -> str:
    number = m.group(0)
    head = m.string[max(0, m.start() - 30) : m.start()].rsplit("\n", 1)[-1]
    named = _CODE_BEFORE_RE.search(head) is not None or len(number) >= 9
    if not named:
        echo = re.compile(
            rf"{_CODE_WORDS}(?: số)?\s*:?\s*[\"“”″']?\s*{number}(?!\d)", re.IGNORECASE
        )
        named = echo.search(m.string) is not None
    return num.digit_words(number) if named else number


CODE_NUMBER = Rule(
    "code number",
    re.compile(r"(?=\d)(?<![\w.,/:-])\d{3,}(?![\w/]|[.,:]\d| ?[-–] ?\d|%)"),
    _code_number,
)


def _code_piece(piece: str) -> str:
    if piece.isdigit():  # "CT05": a leading zero is said, "không năm"
        return num.digit_words(piece) if piece.startswith("0") else num.number_words(int(piece))
    if piece[:1].isdigit():  # "PM2.5": a decimal
        whole, fraction = re.split("[.,]", piece)
        return num.decimal_words(whole, fraction)
    return " ".join(LETTER_NAMES[c] for c in piece)


def _code(m: re.Match[str], ctx: Context) -> str:
    pieces = re.findall(r"\d+(?:[.,]\d+)?|[A-ZĐ]+", m.group(0))
    return " ".join(_code_piece(p) for p in pieces)


CODE = Rule(
    "letter names",
    # A word of capitals and digits is a code, read piece by piece: letters spelled, numbers
    # said ("nút giao IC4", "(CT05)", "giống BC15", "Phòng PC07", "12A", "cúm A/H5N1", "lân
    # (P2O5)", "Penalty 40WP", "bụi mịn PM2.5"); a number alone or capitals alone are not.
    re.compile(
        r"(?=[A-ZĐ\d])(?<![\w.,/-])(?:[A-Z]/)?"
        r"(?=[A-ZĐ]*\d)(?=\d*[A-ZĐ]|[A-ZĐ\d]*\d[A-ZĐ])[A-ZĐ\d]+(?:[.,]\d+(?=[A-ZĐ]|\b))?[A-ZĐ\d]*"
        r"(?![\w]|[.,]\d)"
    ),
    _code,
)


# --- a law's number and year, a person's year of birth ---------------------------------------

# "theo Nghị định 200/2025", "Nghị quyết số 57/2024": a document's number and the year it was
# issued, "hai trăm năm hai nghìn không trăm hai mươi lăm" (never a date, never a fraction).
LAW_NUMBER = Rule(
    "document symbol",
    re.compile(
        r"(?P<kind>\b(?:[Nn]ghị (?:định|quyết)|[Tt]hông (?:tư|báo)|[Qq]uyết định|[Cc]hỉ thị)(?: số)?) "
        r"(?P<num>\d{1,5})/(?P<year>(?:19|20)\d{2})(?![\w/]|[.,]\d)"
    ),
    lambda m, ctx: (
        f"{m.group('kind')} {num.number_words(int(m.group('num')), ctx.dialect)}"
        f" năm {num.number_words(int(m.group('year')), ctx.dialect)}"
    ),
)

# "Nguyễn Văn A (SN 1959, trú tại …)": "sinh năm", the year a person was born; "SN" before
# a house's number is "số nhà", which the dictionary does not guess.
BIRTH_YEAR = Rule(
    "year of birth",
    re.compile(r"(?<![\w])SN:? ?(?=(?:19|20)\d{2}(?!\d))"),
    lambda m, ctx: "sinh năm ",
)
