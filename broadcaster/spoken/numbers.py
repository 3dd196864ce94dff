"""Numbers in Vietnamese words: counts, decimals, digit strings, ordinals, Roman numerals.

Northern reading by default (nghìn, linh); Southern (ngàn, lẻ) on request. The
mốt/lăm/tư rules: 21 hai mươi mốt, 15 mười lăm, 25 hai mươi lăm, 24 hai mươi tư,
14 mười bốn, 104 một trăm linh bốn, 2023 hai nghìn không trăm hai mươi ba.
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = {
    "north": {"thousand": "nghìn", "odd": "linh"},
    "south": {"thousand": "ngàn", "odd": "lẻ"},
}
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _below_hundred(n: int) -> str:
    """1..99 with the mốt/tư/lăm rules."""
    tens, unit = divmod(n, 10)
    if tens == 0:
        return DIGITS[unit]
    head = "mười" if tens == 1 else f"{DIGITS[tens]} mươi"
    if unit == 0:
        return head
    if unit == 5:
        return f"{head} lăm"
    if unit == 1 and tens > 1:
        return f"{head} mốt"
    if unit == 4 and tens > 1:
        return f"{head} tư"
    return f"{head} {DIGITS[unit]}"


def _below_thousand(n: int, full: bool, dialect: str) -> str:
    """0..999; `full` reads the empty hundreds ('không trăm') inside a larger number."""
    hundreds, rest = divmod(n, 100)
    if hundreds == 0 and not full:
        return _below_hundred(rest)
    words = f"{DIGITS[hundreds]} trăm"
    if rest == 0:
        return words
    if rest < 10:
        return f"{words} {SCALES[dialect]['odd']} {DIGITS[rest]}"
    return f"{words} {_below_hundred(rest)}"


def number_words(n: int, dialect: str = "north") -> str:
    """A whole number in words: 2023 → 'hai nghìn không trăm hai mươi ba'."""
    if n < 0:
        return "âm " + number_words(-n, dialect)
    if n == 0:
        return "không"
    if n >= 1_000_000_000:
        high, low = divmod(n, 1_000_000_000)
        words = f"{number_words(high, dialect)} tỷ"
        return words if low == 0 else f"{words} {_grouped(low, dialect, full=True)}"
    return _grouped(n, dialect, full=False)


def _grouped(n: int, dialect: str, full: bool) -> str:
    """Below a billion, by groups of three: triệu, nghìn, units."""
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    parts: list[str] = []
    for value, scale in (
        (millions, "triệu"),
        (thousands, SCALES[dialect]["thousand"]),
        (units, ""),
    ):
        if value == 0:
            continue
        words = _below_thousand(value, full=full or bool(parts), dialect=dialect)
        parts.append(f"{words} {scale}".strip())
    return " ".join(parts)


def digit_words(digits: str) -> str:
    """Digit by digit: '0912' → 'không chín một hai'."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def decimal_words(whole: str, fraction: str, dialect: str = "north") -> str:
    """'95', '5' → 'chín mươi lăm phẩy năm'; a fraction with a leading zero is read digit by digit."""
    head = number_words(int(whole), dialect)
    if fraction.startswith("0"):
        tail = digit_words(fraction)
    else:
        tail = number_words(int(fraction), dialect)
    return f"{head} phẩy {tail}"


def ordinal_words(n: int, dialect: str = "north") -> str:
    """After 'thứ': 1 → nhất, 4 → tư, otherwise the number."""
    return {1: "nhất", 4: "tư"}.get(n, number_words(n, dialect))


def month_words(n: int, dialect: str = "north") -> str:
    """After 'tháng': 4 → tư, otherwise the number."""
    return "tư" if n == 4 else number_words(n, dialect)


def roman_value(text: str) -> int | None:
    """The value of a Roman numeral (I..MMMCMXCIX), or None if it is not one."""
    if not text or any(c not in ROMAN for c in text):
        return None
    total = 0
    for index, char in enumerate(text):
        value = ROMAN[char]
        following = ROMAN[text[index + 1]] if index + 1 < len(text) else 0
        total += -value if value < following else value
    if total <= 0 or to_roman(total) != text:
        return None
    return total


def to_roman(n: int) -> str:
    """The canonical Roman numeral of n (used to reject malformed ones like 'IIII')."""
    pairs = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    out = []
    for value, symbol in pairs:
        count, n = divmod(n, value)
        out.append(symbol * count)
    return "".join(out)
