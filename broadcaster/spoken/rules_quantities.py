"""Quantities: numbers with their units, decimals and percentages, ranges, ordinals, Roman
numerals after their keywords, coordinates, alarm levels and wind levels with a plus."""

from __future__ import annotations

import re

from broadcaster.spoken import numbers as num
from broadcaster.spoken.lexicon import UNITS, alternation
from broadcaster.spoken.rules_base import Context, Rule, words_before
from broadcaster.spoken.syllables import is_syllable


def _n(text: str, ctx: Context) -> str:
    """A written whole number (dots as thousands separators, leading zeros) in words."""
    return num.number_words(int(text.replace(".", "")), ctx.dialect)


def _degrees(value: str, ctx: Context) -> str:
    whole, _, fraction = value.replace(".", ",").partition(",")
    if fraction and fraction.strip("0"):
        return num.decimal_words(whole, fraction, ctx.dialect)
    return num.number_words(int(whole), ctx.dialect)


_HEMISPHERE = {"N": ("vĩ", "bắc"), "S": ("vĩ", "nam"), "E": ("kinh", "đông"), "W": ("kinh", "tây")}


def _coordinate(m: re.Match[str], ctx: Context) -> str:
    axis, side = _HEMISPHERE[m.group("h")]
    before = words_before(m, 2)
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


_AREA = r"(?P<area>m2|m²|m3|m³|km2|ha)(?![\w²³])"  # "ổ/m2", "trứng/m2": per area, "trên"


def _per_word(word: str) -> str:
    """One thing an amount is counted against: "mỗi ngày", "mỗi ki lô gam", "trên héc ta"."""
    if word in ("m2", "m²", "m3", "m³", "km2", "ha"):  # "0,2 ổ/m2", "400 lít nước/ha"
        return f"trên {UNITS[word]}"
    if word == "lần":
        return "một lần"  # "2 - 3 tuần/lần": once every two or three weeks
    return f"mỗi {UNITS.get(word, word)}"


# "5 xã/phường", "12 thôn/tổ dân phố": one kind of place or another, not a rate
_PLACES = frozenset("xã phường thị thôn tổ xóm ấp bản khu khối huyện quận tỉnh".split())


def _per(m: re.Match[str], ctx: Context) -> str:
    words = [w.strip() for w in m.group("per").split("/")[1:]]
    if f"{m.group('u')}/{words[0]}" in UNITS and not m.group("gap"):
        return m.group(0)  # "km/h", "kg/ha": the units of UNITS say "trên" themselves
    rate = []
    for word in words:
        if not (word.islower() or word in UNITS) or word in _PLACES:
            return m.group(0)  # "Tân Lập/Tân Hòa", "xã/phường": names and places apart
        rate.append(_per_word(word))
    # "50.000 đồng/con", "0,03%/ngày", "60.000 đồng/kg", "5 lít/người/ngày", "400 lít nước/ha"
    return f"{m.group('a')} " + " ".join(rate)


PER = Rule(
    "per",
    re.compile(
        r"(?P<a>\d[\d.,]* ?(?P<gap>(?:[^\W\d_]+ ){0,2})(?P<u>[^\W\d_]+|%))"
        r"(?P<per>(?:/ ?(?:m2|m²|m3|m³|km2|[^\W\d_]+))+)(?![\w²³])"
    ),
    _per,
)

# "tiếp dân định kỳ 2 lần/1 tháng": so many in one month, "hai lần một tháng"
PER_ONE = Rule(
    "per",
    re.compile(r"(?<=\d)(?P<a> ?[^\W\d_]+(?: [^\W\d_]+)?)/ ?1 (?=[^\W\d_])"),
    lambda m, ctx: f"{m.group('a')} một ",
)

RATIO = Rule(
    "per",
    # "tỷ lệ chết/mắc", "số ổ trứng/băng", "mật độ ổ trứng/m2": one count over the other, "trên"
    re.compile(
        rf"(?:(?<=[Tt][ỷỉ] lệ )|(?<=[Mm]ật độ )|(?<=\b[Ss]ố ))(?P<a>(?:[^\W\d_]+ ){{0,2}}[^\W\d_]+)/"
        rf"(?:{_AREA}|(?=[^\W\d_]))"
    ),
    lambda m, ctx: f"{m.group('a')} trên " + (UNITS[m.group("area")] if m.group("area") else ""),
)

TIMES = Rule(
    "times",
    # "(46.935 đồng x 3 tháng)", "3 x 4 m": multiplied, "nhân"
    re.compile(r"(?<=\d)(?P<u> [^\W\d_]+)? ?[x×] ?(?=\d)"),
    lambda m, ctx: f"{m.group('u') or ''} nhân ",
)

NUMBER_LIST = Rule(
    "number list",
    # "Tổ 13+16+17 Phường Sài Đồng": three groups named at once, not a sum
    re.compile(r"(?<=\d) ?\+ ?(?=\d)(?![\d+ ]*=)"),
    lambda m, ctx: ", ",
)


def _comma_list(m: re.Match[str], ctx: Context) -> str:
    parts = m.group(0).split(",")
    if all(len(p) == 3 for p in parts[1:]):
        return m.group(0)  # "1,234,567": thousands in the English way
    return ", ".join(parts)


COMMA_LIST = Rule(
    "number list",
    # "quận 11 (phường 1,2,3,5,8)": three numbers or more with commas and no spaces are a
    # list, never a decimal, which has one comma ("1,2" stays "một phẩy hai")
    re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{1,3}){2,}(?![\d]|[.,]\d)"),
    _comma_list,
)

BELOW_ZERO = Rule(
    "number",
    # "nhiệt độ giảm sâu còn -1 độ C": below zero, "âm"
    re.compile(r"(?<=[ (])[-–−](?=\d{1,2}(?:,\d)? ?(?:độ|°|oC))"),
    lambda m, ctx: "âm ",
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
    re.compile(r"(?=[Tt])\b(?P<word>[Tt]hứ|[Tt]háng) (?P<n>\d{1,2})(?![\d/]|[.,]\d)"),
    _after_word,
)


_ROMAN_KEYWORDS = frozenset(
    "khóa khoá phần chương mục kỳ điều lần quý tập số giai đoạn thế kỷ đại hội nhiệm kỳ"
    " hội nghị phụ lục thứ"
    # levels and places (issue 26): "cấp IV", "vùng VII", "Khóm I", "khu vực II", "đợt I"
    " cấp vùng khóm khoá khu khu vực đợt tổ ấp bản buôn thôn xóm khối tiểu khu bậc loại hạng"
    " nhóm mức phố đội lớp".split()
)
# "cấp IV và V", "cấp IV-V": a Roman numeral after a keyword's numeral is a number too.
_ROMAN_CHAIN_RE = re.compile(
    r"(?:cấp|vùng|đợt|khu vực|giai đoạn|khóa|quý) [IVX]+ ?(?:và|hoặc|đến|tới|,|[-–])? ?$",
    re.IGNORECASE,
)


def _numeral_after_word(m: re.Match[str], numeral: str) -> bool:
    """Two Roman letters or more after a word are a number, whatever the word ("Tổ dân phố
    VII", "lớp IX"); "VI" and "XI" are syllables too ("vi khuẩn", "xi măng"), so they are a
    number only where no word follows."""
    if len(numeral) < 2 or not m.string[m.start() - 2 : m.start() - 1].isalpha():
        return False
    follows = m.string[m.end() : m.end() + 2]
    return not is_syllable(numeral) or not (follows[:1] == " " and follows[1:].isalpha())


def _roman_after(m: re.Match[str], ctx: Context) -> str:
    numeral = m.group(0).rstrip("-–")
    value = num.roman_value(numeral)
    if value is None or numeral in ("C", "L"):
        return m.group(0)  # "loại C", "size L": a letter
    before = [w.strip("([“\"'").lower() for w in words_before(m, 2).split()]
    keyword = bool(before) and (
        before[-1] in _ROMAN_KEYWORDS or " ".join(before[-2:]) in _ROMAN_KEYWORDS
    )
    head = m.string[max(0, m.start() - 30) : m.start()]
    if not (keyword or _ROMAN_CHAIN_RE.search(head) or _numeral_after_word(m, numeral)):
        return m.group(0)
    if before and before[-1] == "thứ":  # "lần thứ I": an ordinal, "thứ nhất"
        return num.ordinal_words(value, ctx.dialect)
    return num.number_words(value, ctx.dialect) + (" đến " if m.group("to") else "")


ROMAN = Rule(
    "Roman numeral",
    # After "khóa", "quý", "phần", "thế kỷ", "đại hội", "cấp", "vùng", …: a number.
    re.compile(r"(?<=[ (\-–])[IVXLC]+\b(?!\.\w)(?P<to>[-–](?=[IVX]+\b))?"),
    _roman_after,
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


# "2,22 triệu m³", "1,5 nghìn tấn": a unit after the number's word for thousands or millions
SCALED_UNIT = Rule(
    "unit",
    re.compile(
        r"(?<=\d )(?P<x>triệu|tỷ|nghìn|ngàn) (?P<u>m³|m3|m²|m2|km²|km2|ha|tấn|kg)(?![\w²³])"
    ),
    lambda m, ctx: f"{m.group('x')} {UNITS[m.group('u')]}",
)


def _or_more(m: re.Match[str], ctx: Context) -> str:
    words = words_before(m, 3).split()
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


DEGREES_C = Rule(
    "unit",
    # "dưới 13 độ C": the letter of the Celsius scale said, not left to the voice
    re.compile(r"(?<=\d độ) ?C\b"),
    lambda m, ctx: " xê",
)


LEFTOVER_DIGITS = Rule(
    "number",
    re.compile(r"\d+"),
    lambda m, ctx: " " + num.number_words(int(m.group(0)), ctx.dialect) + " ",
)
