"""Dates, ranges of days, quarters and times of day: 26/12/2023, ngày 5-6/9, quý IV/2024, 6h30."""

from __future__ import annotations

import re

from broadcaster.spoken import numbers as num
from broadcaster.spoken.rules_base import Context, Rule, words_before


def _valid_date(day: str | None, month: str, year: str | None = None) -> bool:
    return (day is None or 1 <= int(day) <= 31) and 1 <= int(month) <= 12


# --- dates, quarters, times ---------------------------------------------------------


def _day_prefix(m: re.Match[str], day: str, ctx: Context) -> str:
    """'ngày' unless the text says it, then 'mồng' for the first ten days when that is on."""
    before = words_before(m)
    if before in ("mùng", "mồng"):
        return ""
    mong = ""
    if ctx.mong and int(day) <= 10:
        mong = "mồng " if ctx.dialect == "north" else "mùng "
    return (
        mong if before in ("ngày", "nay", "mai", "hôm", "khánh") else f"ngày {mong}"
    )  # "hôm nay 10.9"


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
    "ngày mùng mồng từ đến tới hạn trước sau vào đêm sáng trưa chiều tối hôm và khánh lễ"
    # the last word of a holiday's name: "Quốc tế Lao động 1/5", "thống nhất đất nước 30/4",
    # "Nhà giáo 20/11", "Phụ nữ 8/3", "Thiếu nhi 1/6", "Thương binh liệt sĩ 27/7"
    " động nước giáo nữ nhi sĩ thuốc"
    " mai nay".split()  # "ngày mai 22/1", "tối nay 12/7"
)
_DATE_AFTER_RE = re.compile(r"^(?: ?[,.;:!?)]|$| (?:là|và|hằng|đến|tới|hàng|năm nay|[-–]))")


def _day_month(m: re.Match[str], ctx: Context) -> str:
    day, month = m.group("d"), m.group("m")
    after = m.string[m.end() : m.end() + 8]
    before = words_before(m, 2).split()
    # "ngày mai - 7/2": a day's word, a dash, then the date
    dashed = len(before) == 2 and before[1] in "-–" and before[0] in _DATE_WORDS
    is_date = words_before(m) in _DATE_WORDS or dashed or _DATE_AFTER_RE.match(after)
    if _valid_date(day, month) and is_date:
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


def _day_range(m: re.Match[str], ctx: Context) -> str:
    if not m.group("year") and words_before(m) != "ngày":
        return m.group(0)  # "5-6/9" is a range of days only after "ngày"
    return (
        f"{'' if words_before(m) in ('từ', 'ngày') else 'từ '}"
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


def _month_year(m: re.Match[str], ctx: Context) -> str:
    month, year = m.group("m") or m.group("m2"), m.group("y") or m.group("y2")
    if not _valid_date(None, month):
        return m.group(0)
    prefix = "" if words_before(m) == "tháng" else "tháng "
    return (
        f"{prefix}{num.month_words(int(month), ctx.dialect)} "
        f"năm {num.number_words(int(year), ctx.dialect)}"
    )


MONTH_YEAR = Rule(
    "date",
    re.compile(
        r"(?=\d)(?<![\d/.,])(?P<m>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
        r"|(?<=tháng )(?P<m2>\d{1,2})[-.](?P<y2>(?:19|20)\d{2})(?![\d/-])"  # "tháng 7-2021", "5.2021"
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


HOUR_RANGE = Rule(
    "range",
    # "khung giờ 11-14h và 18-23h": from one hour to the other, before "14h" becomes words
    re.compile(r"(?=\d)(?<![\w,.:/-])(?P<a>\d{1,2}) ?[-–] ?(?=\d{1,2} ?h(?![\w]))"),
    lambda m, ctx: f"{num.number_words(int(m.group('a')), ctx.dialect)} đến ",
)

TIME_SPAN = Rule(
    "range",
    # "khung giờ cao điểm 11h30-14h30", "từ 7:30 - 11:00": one time of day to another, said
    # with "đến" (with "từ" before it or not), before either time becomes words
    re.compile(r"(?:(?<=\d[h:]\d\d)|(?<=\d[hg])) ?[-–] ?(?=\d{1,2}(?:[h:]\d\d|h\b))"),
    lambda m, ctx: " đến ",
)

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
    if words_before(m) == "giờ" and _CLOCK_AFTER_RE.match(m.string, m.end()):
        return m.group(0)  # "7 giờ 30-45 phút": minutes, not a date
    if words_before(m) in ("từ", "đến", "tới") and int(m.group("m")) >= int(m.group("d")):
        return m.group(0)  # "từ 5-7": maybe a range; "từ 16-3" falls, so it is a date
    words = f"{_day_prefix(m, m.group('d'), ctx)}{num.number_words(int(m.group('d')), ctx.dialect)} tháng "
    return words + num.month_words(int(m.group("m")), ctx.dialect)


_CLOCK_AFTER_RE = re.compile(r" ?(?:phút|giờ|h\b|:)")

DASHED_DAY_MONTH = Rule(
    "date",
    # "ngày 26-11" is a date (but "từ ngày 20-25" a range of days: left to the range rule);
    # so are "trưa 28-9", "chiều nay 7-10" and, with a dot, "ngày 26.6", "hôm nay 10.9"
    re.compile(
        r"(?=\d)(?:(?<=[Nn]gày )(?<!từ ngày )|(?<=[Ss]áng |[Tt]rưa )|(?<=[Tt]ối |[Đđ]êm )"
        r"|(?<=[Cc]hiều )|(?<=[Nn]ay |[Hh]ôm )|(?<=[Kk]hánh )|(?<=[Nn]ay \()"
        r"|(?<=[Tt]ừ )|(?<=[Đđ]ến |[Tt]ới )"  # "hôm 15.2", "Quốc khánh 2-9", "chiều nay (5-1)"
        # a part of the day with its qualifier, "tối muộn 9-10", "sáng sớm 12-3"
        r"|(?<=[Tt]ối muộn |[Đđ]êm muộn |[Ss]áng sớm )|(?<=[Đđ]êm khuya )"
        # after the hour without "ngày": "đến 5 giờ 19-6" is the nineteenth of June
        r"|(?<= giờ )"
        # "từ ngày 22-11 đến 8-12-2021": a span between two dates, not a range of days (the
        # second may be said already: "đến ngày mồng tám tháng mười hai …")
        r"|(?<=[Tt]ừ ngày )(?=\d{1,2}[-.]\d{1,2} (?:đến|tới|[-–]) (?:ngày )?"
        r"(?:\d{1,2}[-/.]\d{1,2}|[^\W\d_]+(?: [^\W\d_]+){0,3} tháng )))"
        r"(?P<d>\d{1,2})[-.](?P<m>\d{1,2})(?![\d/-]|[.,]\d)"
    ),
    _dashed_day_month,
)

DAY_IN_WORDS = Rule(
    "date",
    # "ngày 4 tháng 3 năm 2021": the first ten days take "mồng" like the dates written 4/3
    # "ngày 2 Tết", "ngày 07 tháng Giêng": a lunar date too
    re.compile(r"(?=\d)(?<=[Nn]gày )(?P<d>0?[1-9]|10)(?= tháng (?:\d|[Gg]iêng|[Cc]hạp)| [Tt]ết\b)"),
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


def _dotted_days(m: re.Match[str], ctx: Context) -> str:
    first, first_month, last, month = (m.group(k) for k in ("a", "am", "b", "m"))
    if not (_valid_date(first, first_month or month) and _valid_date(last, month)):
        return m.group(0)
    words = f"{_day_prefix(m, first, ctx)}{num.number_words(int(first), ctx.dialect)}"
    if first_month:
        words += f" tháng {num.month_words(int(first_month), ctx.dialect)}"
    return (
        f"{words} đến ngày {_day_prefix_after_ngay(last, ctx)}"
        f"{num.number_words(int(last), ctx.dialect)} tháng {num.month_words(int(month), ctx.dialect)}"
    )


def _day_prefix_after_ngay(day: str, ctx: Context) -> str:
    if not ctx.mong or int(day) > 10:
        return ""
    return "mồng " if ctx.dialect == "north" else "mùng "


DOTTED_DAY_RANGE = Rule(
    "range",
    # "(từ ngày 7 - 13.9)", "tuần từ ngày 31.8 - 6.9": days of one month, or across two
    re.compile(
        r"(?=\d)(?:(?<=[Nn]gày )|(?<=[Tt]ừ ))(?P<a>\d{1,2})(?:\.(?P<am>\d{1,2}))? ?[-–] ?"
        r"(?P<b>\d{1,2})\.(?P<m>\d{1,2})(?![\d.]\d|[/-])"
    ),
    _dotted_days,
)

MONTH_RANGE = Rule(
    "range",
    # "từ tháng 12/2022-01/2023": from one month to another
    re.compile(r"(?<=\d/(?:19|20)\d\d) ?[-–] ?(?=\d{1,2}/(?:19|20)\d\d(?!\d))"),
    lambda m, ctx: " đến tháng ",
)


def _round_the_clock(m: re.Match[str], ctx: Context) -> str:
    if words_before(m) in ("ngày", "mùng", "mồng", "từ", "đến", "hôm", "sáng", "chiều", "tối"):
        return m.group(0)  # "ngày 24/7" is a date
    words = f"hai mươi tư trên {num.number_words(int(m.group('b')), ctx.dialect)}"
    return words + (" giờ" if m.group("h") else "")


ROUND_THE_CLOCK = Rule(
    "per",
    # "hoạt động 24/7", "tiếp nhận 24/24h": all day, every day, "hai mươi tư trên bảy"
    re.compile(r"(?<![\d/.,])24/(?P<b>7|24)(?P<h> ?(?:h|giờ)\b)?(?![\d/])"),
    _round_the_clock,
)


def _day_span(m: re.Match[str], ctx: Context) -> str:
    first, last, month = m.group("a"), m.group("b"), m.group("m") or m.group("m2")
    if not (_valid_date(first, month) and _valid_date(last, month)) or int(first) >= int(last):
        return m.group(0)
    return (
        f"{m.group('pre')}ngày {_day_prefix_after_ngay(first, ctx)}"
        f"{num.number_words(int(first), ctx.dialect)} đến ngày {_day_prefix_after_ngay(last, ctx)}"
        f"{num.number_words(int(last), ctx.dialect)} tháng {num.month_words(int(month), ctx.dialect)}"
        + (f" năm {num.number_words(int(m.group('y')), ctx.dialect)}" if m.group("y") else "")
    )


DAY_SPAN = Rule(
    "range",
    # "từ 12 đến 18-1", "từ ngày 12 đến 18-1", "Từ 11 đến 19/2/2007": from one day to another
    # of the same month
    re.compile(
        r"(?P<pre>\b[Tt]ừ )(?:ngày )?(?P<a>\d{1,2}) (?:đến|tới) (?:ngày )?(?P<b>\d{1,2})"
        r"(?:[-.](?P<m>\d{1,2})|/(?P<m2>\d{1,2})(?:/(?P<y>(?:19|20)\d{2}))?)(?![\d/.-]|[.,]\d)"
    ),
    _day_span,
)
