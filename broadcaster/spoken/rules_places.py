"""Places on a road and the bodies named by their province: road numbers ("Quốc lộ 15C",
"QL1A", "ĐT.741"), a milestone ("Km số 14", "Km 14+500") and a province's power company
("PC Thanh Hóa")."""

from __future__ import annotations

import re

from broadcaster.spoken import numbers as num
from broadcaster.spoken.lexicon import LETTER_NAMES
from broadcaster.spoken.rules_base import Context, Rule, words_before
from broadcaster.spoken.syllables import is_syllable

# The short forms of a road's kind; a road written in words keeps its words.
_ROAD_KINDS = {"QL": "quốc lộ", "ĐT": "đường tỉnh", "TL": "tỉnh lộ", "ĐH": "đường huyện"}


def _number(digits: str, ctx: Context) -> str:
    """A road's or a milestone's number: "741" is "bảy trăm bốn mươi mốt", "03" "không ba"."""
    if digits.startswith("0") and len(digits) > 1:
        return num.digit_words(digits)
    return num.number_words(int(digits), ctx.dialect)


def _road(m: re.Match[str], ctx: Context) -> str:
    kind = _ROAD_KINDS.get(m.group("code") or "", m.group("words"))
    if kind.startswith("đường ") and words_before(m) == "đường":
        kind = kind.removeprefix("đường ")  # "đường ĐT.741": "đường tỉnh …", said once
    words = f"{kind} {_number(m.group('num'), ctx)}"
    if m.group("letter"):  # "1A" "một a", "15c" "mười lăm xê": the letter by its name
        words += " " + LETTER_NAMES[m.group("letter").upper()]
    return words


ROAD = Rule(
    "road number",
    # "Quốc lộ 15c", "QL1A", "QL.14", "ĐT 741", "tỉnh lộ 8", "ĐH.12": the road's number said
    # as a number with its letter named ("ĐT 741" is a road, not a telephone, before digits;
    # "ĐT: 0912…" keeps its colon and stays a telephone)
    re.compile(
        r"(?<![\w])(?:(?P<code>QL|ĐT|TL|ĐH)\.? ?|(?P<words>(?:[Qq]uốc|QUỐC) (?:lộ|LỘ)"
        r"|[Tt]ỉnh lộ|[Hh]ương lộ|[Đđ]ường (?:tỉnh|huyện)) )"
        r"(?P<num>\d{1,4})(?P<letter>[A-Za-z])?(?![\w]|[.,/]\d)"
    ),
    _road,
)


def _milestone(m: re.Match[str], ctx: Context) -> str:
    words = f"ki lô mét{m.group('so') or ''} {_number(m.group('a'), ctx)}"
    if m.group("b"):  # "Km 14+500": five hundred metres past the fourteenth
        words += f" cộng {num.number_words(int(m.group('b')), ctx.dialect)}"
    return words


MILESTONE = Rule(
    "milestone",
    # "Km số 14", "Km14+500", "KM 20", "km 17": a kilometre post before its number, in any
    # case ("10 km" after a number is a distance, read by the unit rule)
    re.compile(
        r"(?<![\w])(?<!\d )[Kk][Mm](?P<so> số)? ?(?P<a>\d{1,4})(?: ?\+ ?(?P<b>\d{1,3}))?"
        r"(?![\w]|[.,]\d)"
    ),
    _milestone,
)


def _power_company(m: re.Match[str], ctx: Context) -> str:
    place = m.group("place").split()
    if not all(is_syllable(w) for w in place):
        return m.group(0)  # "PC Covid": not a province
    return f"Công ty Điện lực {m.group('place')}"


POWER_COMPANY = Rule(
    "power company",
    # "PC Thanh Hóa", "PC Quảng Ninh": a province's power company, as EVN's pages name it
    re.compile(r"(?<![\w])PC (?P<place>[A-ZĐ][^\W\d_]+(?: [A-ZĐ][^\W\d_]+){0,2})(?![\w])"),
    _power_company,
)
