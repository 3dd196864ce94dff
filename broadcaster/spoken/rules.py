"""The reading rules, applied in order to each paragraph. Each is one regex and one function.

Order matters: a phone number must be read before its dashes look like a range,
a document symbol before its letters look like abbreviations, dates before the
plain numbers inside them, and the catch-all rules for digits and capitals last.
The rules run over the whole text at once, one paragraph per line (fast: one
pass per rule). Patterns match single spaces only (layout has already folded
white space), so no rule reaches across a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from broadcaster.spoken import numbers as num
from broadcaster.spoken.lexicon import (
    LETTER_NAMES,
    UNITS,
    alternation,
    fold,
    issuers,
    loanwords,
    trie_alternation,
)
from broadcaster.spoken.syllables import is_syllable

Record = Callable[[str, str, str], None]


@dataclass
class Context:
    """What the rules need besides the text."""

    dialect: str
    abbreviations: dict[str, str]
    record: Record | None
    unknown: list[str]
    mong: bool = False  # days 1 to 10 as "mồng một" (Northern) or "mùng một" (Southern)


@dataclass(frozen=True)
class Rule:
    """A named regex whose matches `replace` turns into spoken words."""

    name: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str], Context], str]


def _n(text: str, ctx: Context) -> str:
    """A written whole number (dots as thousands separators, leading zeros) in words."""
    return num.number_words(int(text.replace(".", "")), ctx.dialect)


def _valid_date(day: str | None, month: str, year: str | None = None) -> bool:
    return (day is None or 1 <= int(day) <= 31) and 1 <= int(month) <= 12


def _before(match: re.Match[str], words: int = 1) -> str:
    """The last `words` words before the match in its paragraph, lower-cased."""
    head = match.string[max(0, match.start() - 40) : match.start()].rsplit("\n", 1)[-1]
    return " ".join(head.split()[-words:]).lower()


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
        r"^(?:(?P<roman>[IVXLC]+)\.(?= )|(?P<arabic>\d{1,2}(?:\.\d{1,2})*)[.)](?= [^\d])"
        r"|[a-zđ]\)|[-+•*–])(?: |$)",
        re.MULTILINE,
    ),
    _marker,
)

BYLINE = Rule(
    "byline",
    # a newspaper's mark before its article, "(BVPL) - …", "(VTC News) - …": not read
    re.compile(r"^\([^()\n]{2,30}\) ?[-–—] ?", re.MULTILINE),
    lambda m, ctx: "",
)

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

# --- dates, quarters, times ---------------------------------------------------------


def _day_prefix(m: re.Match[str], day: str, ctx: Context) -> str:
    """'ngày' unless the text says it, then 'mồng' for the first ten days when that is on."""
    before = _before(m)
    if before in ("mùng", "mồng"):
        return ""
    mong = ""
    if ctx.mong and int(day) <= 10:
        mong = "mồng " if ctx.dialect == "north" else "mùng "
    return mong if before == "ngày" else f"ngày {mong}"


def _full_date(m: re.Match[str], ctx: Context) -> str:
    day, month, year = m.group("d"), m.group("m"), m.group("y")
    if not _valid_date(day, month):
        return m.group(0)
    # "14/10/2020 21:04": without a pause the year runs into the hour.
    pause = "," if _TIME_AFTER_RE.match(m.string, m.end()) else ""
    return (
        f"{_day_prefix(m, day, ctx)}{num.number_words(int(day), ctx.dialect)} "
        f"tháng {num.month_words(int(month), ctx.dialect)} "
        f"năm {num.number_words(int(year), ctx.dialect)}{pause}"
    )


_TIME_AFTER_RE = re.compile(r" \W{0,2}\d{1,2}(?:[:h]\d{2}|h\b| giờ)")

FULL_DATE = Rule(
    "date",
    re.compile(r"(?=\d)(?<![\d/.,-])(?P<d>\d{1,2})([/.-])(?P<m>\d{1,2})\2(?P<y>\d{4})(?![\d/])"),
    _full_date,
)


_DATE_WORDS = frozenset(
    "ngày mùng mồng từ đến tới hạn trước sau vào đêm sáng trưa chiều tối hôm và".split()
)
_DATE_AFTER_RE = re.compile(r"^(?:[,.;:!?)]|$| (?:là|và|hằng|đến|tới|hàng|năm nay|[-–]))")


def _day_month(m: re.Match[str], ctx: Context) -> str:
    day, month = m.group("d"), m.group("m")
    after = m.string[m.end() : m.end() + 8]
    if _valid_date(day, month) and (_before(m) in _DATE_WORDS or _DATE_AFTER_RE.match(after)):
        return (
            f"{_day_prefix(m, day, ctx)}{num.number_words(int(day), ctx.dialect)} "
            f"tháng {num.month_words(int(month), ctx.dialect)}"
        )
    # "3/11 tổ dân phố", "1/17 xã": a share, not a date
    return f"{num.number_words(int(day), ctx.dialect)} trên {num.number_words(int(month), ctx.dialect)}"


DAY_MONTH = Rule(
    "date or share",
    re.compile(r"(?=\d)(?<![\d/.,])(?P<d>\d{1,3})/(?P<m>\d{1,3})(?![\d/]|[.,]\d)"),
    _day_month,
)


def _degrees(value: str, ctx: Context) -> str:
    whole, _, fraction = value.replace(".", ",").partition(",")
    if fraction and fraction.strip("0"):
        return num.decimal_words(whole, fraction, ctx.dialect)
    return num.number_words(int(whole), ctx.dialect)


_HEMISPHERE = {"N": ("vĩ", "bắc"), "S": ("vĩ", "nam"), "E": ("kinh", "đông"), "W": ("kinh", "tây")}


def _coordinate(m: re.Match[str], ctx: Context) -> str:
    axis, side = _HEMISPHERE[m.group("h")]
    before = _before(m, 2)
    plain = not (m.group("deg") or m.group("b") or re.search("[,.]", m.group("a")))
    if plain and not before.endswith(("độ", "tuyến", "độ:")):
        return m.group(0)  # "cấp 3N" is not a position
    words = _degrees(m.group("a"), ctx)
    if m.group("b"):
        words += f" đến {_degrees(m.group('b'), ctx)}"
    # "vĩ độ 17,5N" already names the axis: "vĩ độ mười bảy phẩy năm độ bắc"
    named = before in (f"{axis} độ", f"{axis} độ:")
    words = f"{words} độ {side}" if named else f"{words} độ {axis} {side}"
    return words + (", " if m.group("join") else "")  # "17,5N-108,2E": a pause between


COORDINATE = Rule(
    "coordinate",
    # storm bulletins: "17,5N-108,2E", "vĩ độ 17,5N – kinh độ 108,2E", "từ 15,0-18,5N"
    re.compile(
        r"(?=\d)(?<![\w,.])(?P<a>\d{1,3}(?:[,.]\d{1,2})?)(?: ?[-–] ?(?P<b>\d{1,3}(?:[,.]\d{1,2})?))?"
        r" ?(?P<deg>°)? ?(?P<h>[NSEW])(?![\w])(?P<join> ?[-–] ?(?=\d))?"
    ),
    _coordinate,
)

UNIT_RANGE = Rule(
    "range",
    # "800.000 đồng - 1,2 triệu đồng", "18 tuổi - 25 tuổi": a dash after an amount is "đến"
    re.compile(
        r"(?<=\d)(?P<u> ?(?:triệu |tỷ |nghìn |ngàn )?(?:đồng|VNĐ|tuổi|người|hộ|ngày|tháng|năm|m|km"
        r"|kg|tấn|ha|mm|%))(?= ?[-–] ?\d) ?[-–] ?"
    ),
    lambda m, ctx: f"{m.group('u')} đến ",
)


def _day_range(m: re.Match[str], ctx: Context) -> str:
    if not m.group("year") and _before(m) != "ngày":
        return m.group(0)  # "5-6/9" is a range of days only after "ngày"
    return (
        f"{'' if _before(m) in ('từ', 'ngày') else 'từ '}"
        f"{_day_prefix(m, m.group('d'), ctx)}{num.number_words(int(m.group('d')), ctx.dialect)} đến "
    )


DAY_RANGE = Rule(
    "range",
    # "19 - 23/01/2026", "ngày 5-6/9": from the 19th to the 23rd of the month
    re.compile(
        r"(?=\d)(?<![\d/.,])(?P<d>\d{1,2}) ?[-–] ?(?=\d{1,2}/\d{1,2}(?P<year>/\d{4})?(?![\d/]))"
    ),
    _day_range,
)

DATE_RANGE = Rule(
    "range",
    # "01/3-31/3/2024": the dash between two dates (before the date rules see it)
    re.compile(r"(?<=\d/\d)(?P<rest>\d?(?:/\d{4})?) ?[-–] ?(?=\d{1,2}/\d{1,2})"),
    lambda m, ctx: f"{m.group('rest')} đến ",
)

_WORD_RE = re.compile(r"[^\W\d_]*")


def _per(m: re.Match[str], ctx: Context) -> str:
    after = _WORD_RE.match(m.string, m.end())
    unit = f"{m.group('u')}/{after.group(0) if after else ''}"
    return m.group(0) if unit in UNITS else f"{m.group('a')} một "


PER = Rule(
    "per",
    re.compile(r"(?P<a>\d[\d.,]* ?(?P<u>[^\W\d_]+))/(?=[^\W\d_])"),
    _per,
)

CODE = Rule(
    "letter names",
    re.compile(r"(?=\d)(?<![\w.,])(?P<n>\d{1,3})(?P<l>[A-Z]{1,2})(?![\w])"),
    lambda m, ctx: (
        f"{num.number_words(int(m.group('n')), ctx.dialect)} "
        + " ".join(LETTER_NAMES[c] for c in m.group("l"))
    ),
)


def _month_year(m: re.Match[str], ctx: Context) -> str:
    month, year = m.group("m") or m.group("m2"), m.group("y") or m.group("y2")
    if not _valid_date(None, month):
        return m.group(0)
    prefix = "" if _before(m) == "tháng" else "tháng "
    return (
        f"{prefix}{num.month_words(int(month), ctx.dialect)} "
        f"năm {num.number_words(int(year), ctx.dialect)}"
    )


MONTH_YEAR = Rule(
    "date",
    re.compile(
        r"(?=\d)(?<![\d/.,])(?P<m>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
        r"|(?<=tháng )(?P<m2>\d{1,2})-(?P<y2>(?:19|20)\d{2})(?![\d/-])"  # "tháng 7-2021"
    ),
    _month_year,
)


def _quarter(m: re.Match[str], ctx: Context) -> str:
    raw = m.group("q")
    value = num.roman_value(raw) if raw.isalpha() else int(raw)
    words = f"{m.group('word')} {num.number_words(value or 0, ctx.dialect)}"
    if m.group("y"):
        words += f" năm {num.number_words(int(m.group('y')), ctx.dialect)}"
    return words


QUARTER = Rule(
    "quarter",
    re.compile(
        r"(?=[Qq])\b(?P<word>[Qq]uý) (?P<q>IV|I{1,3}|[1-4])(?: ?[/-] ?(?P<y>(?:19|20)\d{2}))?\b"
    ),
    _quarter,
)


def _time(m: re.Match[str], ctx: Context) -> str:
    hour, minute, second = int(m.group("h")), m.group("min"), m.groupdict().get("s")
    if hour > 24 or (minute and int(minute) > 59) or (second and int(second) > 59):
        return m.group(0)
    words = f"{num.number_words(hour, ctx.dialect)} giờ"
    if minute and (int(minute) or (second and int(second))):
        words += f" {num.number_words(int(minute), ctx.dialect)} phút"
    if second and int(second):
        words += f" {num.number_words(int(second), ctx.dialect)} giây"
    return words


TIME = Rule(
    "time",
    # "18h40p", "18h40ph": the minutes marked too
    re.compile(r"(?=\d)(?<![\w,.])(?P<h>\d{1,2}) ?[hg](?:(?P<min>\d{2})(?:ph?)?)?'?(?![\w:])"),
    _time,
)
TIME_COLON = Rule(
    "time",
    re.compile(r"(?=\d)(?<![\w,.:])(?P<h>\d{1,2}):(?P<min>\d{2})(?::(?P<s>\d{2}))?(?![\w:])"),
    _time,
)


def _dashed_day_month(m: re.Match[str], ctx: Context) -> str:
    if not _valid_date(m.group("d"), m.group("m")):
        return m.group(0)
    words = f"{_day_prefix(m, m.group('d'), ctx)}{num.number_words(int(m.group('d')), ctx.dialect)} tháng "
    return words + num.month_words(int(m.group("m")), ctx.dialect)


DASHED_DAY_MONTH = Rule(
    "date",
    # "ngày 26-11" is a date (but "từ ngày 20-25" a range of days: left to the range rule)
    re.compile(r"(?=\d)(?<=[Nn]gày )(?<!từ ngày )(?P<d>\d{1,2})-(?P<m>\d{1,2})(?![\d/-])"),
    _dashed_day_month,
)

DAY_IN_WORDS = Rule(
    "date",
    # "ngày 4 tháng 3 năm 2021": the first ten days take "mồng" like the dates written 4/3
    re.compile(r"(?=\d)(?<=[Nn]gày )(?P<d>0?[1-9]|10)(?= tháng \d)"),
    lambda m, ctx: (
        _day_prefix(m, m.group("d"), ctx) + num.number_words(int(m.group("d")), ctx.dialect)
    ),
)

ZERO_MINUTES = Rule(
    "time",
    # "08 giờ 00 phút": the announcer says "tám giờ"
    re.compile(r"(?<=\d giờ) 0?0 phút\b"),
    lambda m, ctx: "",
)

SPACED_DATE = Rule(
    "date",
    # "ngày 23 – 5 – 2021"
    re.compile(
        r"(?<=ngày )(?P<d>\d{1,2}) ?[-–] ?(?P<m>\d{1,2}) ?[-–] ?(?P<y>(?:19|20)\d{2})(?![\d/])"
    ),
    lambda m, ctx: _full_date(m, ctx),
)

# --- ranges: 2021-2030, 5-7 ngày, 01/3-31/3 ---------------------------------------------

RANGE = Rule(
    "range",
    re.compile(r"(?=[ \-–])(?<=\d) ?[-–] ?(?=\d)"),
    lambda m, ctx: " đến ",
)

# --- words before numbers: thứ 2, tháng 4, lần thứ 1 ----------------------------------------


def _after_word(m: re.Match[str], ctx: Context) -> str:
    word, value = m.group("word"), int(m.group("n"))
    if word.lower() == "thứ":
        return f"{word} {num.ordinal_words(value, ctx.dialect)}"
    return f"{word} {num.month_words(value, ctx.dialect)}"


ORDINAL = Rule(
    "ordinal",
    re.compile(r"(?=[Tt])\b(?P<word>[Tt]hứ|[Tt]háng) (?P<n>\d{1,2})(?![\d/.,])"),
    _after_word,
)


_ROMAN_KEYWORDS = frozenset(
    "khóa khoá phần chương mục kỳ điều lần quý tập số giai đoạn thế kỷ đại hội nhiệm kỳ"
    " hội nghị phụ lục thứ".split()
)


def _roman_after(m: re.Match[str], ctx: Context) -> str:
    value = num.roman_value(m.group(0))
    if value is None or not (_before(m) in _ROMAN_KEYWORDS or _before(m, 2) in _ROMAN_KEYWORDS):
        return m.group(0)
    return num.number_words(value, ctx.dialect)


ROMAN = Rule(
    "Roman numeral",
    # After "khóa", "quý", "phần", "thế kỷ", "đại hội", …: a Roman numeral is a number.
    re.compile(r"(?<= )[IVXLC]+\b"),
    _roman_after,
)

# --- abbreviations ----------------------------------------------------------------------


def abbreviation_rules(abbreviations: dict[str, str]) -> tuple[Rule, Rule, Rule]:
    """An echo rule ('… hành chính (CCHC)' keeps one), joined abbreviations and the expansion."""
    keys = trie_alternation(abbreviations)
    first = "".join(sorted({re.escape(k[0]) for k in abbreviations}))

    def echo(m: re.Match[str], ctx: Context) -> str:
        full = ctx.abbreviations[m.group("k")]
        before = fold(m.string[max(0, m.start() - len(full) - 2) : m.start()]).rstrip()
        return "" if before.endswith(fold(full)) else f", {full},"

    def expand(m: re.Match[str], ctx: Context) -> str:
        return ctx.abbreviations[m.group("k")]

    def joined(m: re.Match[str], ctx: Context) -> str:
        whole = m.group(0)
        if whole in ctx.abbreviations:  # "KT-XH", "HIV/AIDS": an entry of its own
            return ctx.abbreviations[whole]
        return f"{ctx.abbreviations[m.group('a')]} và {ctx.abbreviations[m.group('b')]}"

    return (
        Rule("abbreviation echo", re.compile(rf" ?\((?P<k>{keys})\)"), echo),
        Rule(
            "joined abbreviations",
            # "HĐND&UBND", "HĐND-UBND", "UBND/HĐND": each part is in the dictionary
            re.compile(rf"(?=[{first}])(?<![\w&/-])(?P<a>{keys}) ?[&/-] ?(?P<b>{keys})(?![\w&/-])"),
            joined,
        ),
        Rule(
            "abbreviation",
            re.compile(rf"(?=[{first}])(?<![\w&/-])(?P<k>{keys})(?![\w&/-])"),
            expand,
        ),
    )


def _alarm(m: re.Match[str], ctx: Context) -> str:
    words = "" if m.group("echo") else "báo động "
    words += num.number_words(int(m.group("n")), ctx.dialect)
    if m.group("to"):
        words += f" đến báo động {num.number_words(int(m.group('to')), ctx.dialect)}"
    return words


ALARM = Rule(
    "alarm level",
    # flood bulletins: "trên mức BĐ2" is "trên mức báo động hai", "BĐ1-BĐ2" a range, and
    # "trên báo động (BĐ)1" names the level once
    re.compile(
        r"(?=[B(])(?:(?<=báo động )(?P<echo>\(BĐ\))|(?<![\w])BĐ) ?(?P<n>[1-3])(?!\d)"
        r"(?: ?[-–] ?BĐ ?(?P<to>[1-3])(?!\d))?"
    ),
    _alarm,
)


def loanword_rule(words: dict[str, str]) -> Rule:
    """Foreign words and names (`loanwords.tsv`) in their Vietnamese reading, any case."""
    first = "".join(sorted({re.escape(c) for k in words for c in (k[0], k[0].upper())}))
    return Rule(
        "loanword",
        re.compile(rf"(?=[{first}])(?<![\w-]){trie_alternation(words)}(?![\w-])", re.IGNORECASE),
        lambda m, ctx: words[m.group(0).lower()],
    )


# --- numbers with units, decimals, percentages ----------------------------------------------


def _number(m: re.Match[str], ctx: Context) -> str:
    whole, fraction, unit = m.group("w"), m.group("f"), m.group("u")
    digits = whole.replace(".", "")
    if m.group("dot"):  # "4.0" as in "công nghiệp 4.0"
        words = f"{num.number_words(int(digits))} chấm {num.digit_words(m.group('dot'))}"
    elif fraction:
        words = num.decimal_words(digits, fraction, ctx.dialect)
    elif len(digits) > 2 and digits.startswith("0"):
        words = num.digit_words(digits)  # a code such as 001
    else:
        words = _n(whole, ctx)
    return f"{words} {UNITS[unit]}" if unit else words


NUMBER = Rule(
    "number",
    re.compile(
        r"(?=\d)(?<![\w])(?P<w>\d{1,3}(?:\.\d{3})+(?![\d])|\d+)(?:,(?P<f>\d+)|\.(?P<dot>\d{1,2})(?!\d))?"
        rf"(?: ?(?P<u>{alternation(UNITS)}))?(?![\w²³])"
    ),
    _number,
)

# --- what is left: capitals no dictionary knows, symbols ---------------------------------------


# Consonant and vowel groups in turn, at least two vowel groups: a name said as a word
# ("ASEAN", "KROSA", "UNESCO"), not letters ("UBND", "CCHC", "HIV").
_SAYABLE_RE = re.compile(r"[^AEIOUY]{0,2}(?:[AEIOUY]{1,2}[^AEIOUY]{1,2}){1,}[AEIOUY]{0,2}")


def _letters(m: re.Match[str], ctx: Context) -> str:
    token = m.group(0)
    ctx.unknown.append(token)  # listed to the officer either way
    vowels = len(re.findall("[AEIOUY]+", token))
    if len(token) >= 4 and vowels >= 2 and _SAYABLE_RE.fullmatch(token):
        return token.capitalize()
    return " ".join(LETTER_NAMES[c] for c in token)


LETTERS = Rule(
    "letter names",
    re.compile(r"(?=[A-ZĐ])(?<![\w])[A-ZĐ]{2,}(?![\w])"),
    _letters,
)

# Capital letters of Vietnamese: A-Z, Đ and the vowels with their marks ("KHẨN", "QUÂN").
_UPPER = "A-ZĐĂÂÊÔƠƯÀÁÃÈÉÌÍÒÓÕÙÚÝĨŨ" + "".join(
    chr(c) for c in range(0x1EA0, 0x1EFA) if chr(c).isupper()
)
_NEIGHBOUR_BEFORE_RE = re.compile(rf"(?<![\w])([{_UPPER}]+) $")
_NEIGHBOUR_AFTER_RE = re.compile(rf" ([{_UPPER}]+)(?![\w])")


def _plainly_vietnamese(word: str) -> bool:
    """A capital word no abbreviation looks like: a syllable with a mark, or of four letters."""
    return word.isupper() and (not word.isascii() or len(word) >= 4) and is_syllable(word)


def _capital_word(m: re.Match[str], ctx: Context) -> str:
    word = m.group(0)
    start = m.start()
    if start and (m.string[start - 1].isalnum() or m.string[start - 1] == "_"):
        return word  # the end of a longer word
    if not word.isupper() or not is_syllable(word):
        return word  # an abbreviation or a name: the letter rule decides
    if word.isascii() and len(word) < 4:
        # "CA", "TIN", "NAM" alone may be letters; beside "VIỆT", "ĐÌNH" they are words
        before = _NEIGHBOUR_BEFORE_RE.search(m.string, max(0, m.start() - 8), m.start())
        after = _NEIGHBOUR_AFTER_RE.match(m.string, m.end())
        if not any(n and _plainly_vietnamese(n.group(1)) for n in (before, after)):
            return word
    return word.lower()


CAPITAL_WORDS = Rule(
    "capitals as words",
    # "THÔNG BÁO KHẨN", "NGHĨA VỤ QUÂN SỰ": valid Vietnamese syllables are read as words
    # (a character set first lets the regex engine skip ahead; the start is checked after)
    re.compile(rf"[{_UPPER}][{_UPPER}]{{1,6}}(?![\w])"),
    _capital_word,
)


def _or_more(m: re.Match[str], ctx: Context) -> str:
    words = _before(m, 3).split()
    if "cấp" not in words:
        return m.group(0)  # "phim 18+" is said "mười tám cộng"
    # "giật trên cấp 17+": "trên" already says it
    return "" if "trên" in words else " trở lên"


OR_MORE = Rule(
    "or more",
    # a wind level with a plus, "cấp 17+": that level or more
    re.compile(r"(?<=\d)\+(?![\w+])"),
    _or_more,
)

_SYMBOLS = {"&": " và ", "=": " bằng ", "+": " cộng ", "/": ", ", "%": " phần trăm "}
SYMBOLS = Rule(
    "symbol",
    re.compile(r"[&=+/%]"),
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
DEGREES_C = Rule(
    "unit",
    # "dưới 13 độ C": the letter of the Celsius scale said, not left to the voice
    re.compile(r"(?<=\d độ) ?C\b"),
    lambda m, ctx: " xê",
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
LEFTOVER_DIGITS = Rule(
    "number",
    re.compile(r"\d+"),
    lambda m, ctx: " " + num.number_words(int(m.group(0)), ctx.dialect) + " ",
)


def apply(rule: Rule, text: str, ctx: Context) -> str:
    """Run one rule over `text`, recording each change when asked."""
    record = ctx.record
    if record is None:
        return rule.pattern.sub(lambda m: rule.replace(m, ctx), text)

    def replace(m: re.Match[str]) -> str:
        after = rule.replace(m, ctx)
        if after != m.group(0):
            record(rule.name, m.group(0), after)
        return after

    return rule.pattern.sub(replace, text)


def ordered_rules(abbreviations: dict[str, str], town: frozenset[str] = frozenset()) -> list[Rule]:
    """Every rule in the order it must run; a word in the town's own file (`town`, its keys)
    is read as the town says, not as `loanwords.tsv` does."""
    foreign = {k: v for k, v in loanwords().items() if k not in {t.lower() for t in town}}
    echo, joined, expand = abbreviation_rules(abbreviations)
    return [
        BYLINE, MARKER, GLUED_SENTENCE, FOOTNOTE, STEP, TIME_ZONE, loanword_rule(foreign), DOCUMENT, PHONE, QUARTER, SPACED_DATE,
        COORDINATE, UNIT_RANGE, DAY_RANGE, DATE_RANGE, FULL_DATE, TIME, TIME_COLON, ZERO_MINUTES, DASHED_DAY_MONTH, DAY_IN_WORDS,
        MONTH_YEAR,
        ALARM, DEGREES_C, RANGE, DAY_MONTH, PER, ORDINAL, ROMAN, echo, joined, expand, CODE, OR_MORE, NUMBER, STAR,
        CAPITAL_WORDS, LETTERS,
        SYMBOLS, PUNCTUATION, LEFTOVER_DIGITS,
    ]  # fmt: skip
