"""A web page's furniture, never read: credits, bylines, site tags and time stamps.

Notices are often copied from a news page or a portal, so the text carries what the page
showed around the article: "Theo Thanh Niên", "(Ảnh: Hoàng Bình)", "Nguồn: TTXVN", a site
tag before the first sentence ("TPO - ", "VOV.VN - "), a time stamp ("15:44 | 06/12/2017
GMT+7", "Thứ hai - 09/06/2025 13:16", "04/07/2024 08:44 AM") and the reporter's name on the
last line ("Mai Hoa"). An announcer reads none of them.
"""

from __future__ import annotations

import re
from typing import Callable

from broadcaster.spoken.lexicon import builtin_abbreviations
from broadcaster.spoken.syllables import is_syllable

Record = Callable[[str, str, str], None]

# News agencies whose short names are in the dictionary but open an article as its tag
# ("TTXVN - …", "(VOV) - …"): the tag is the page's, not the text's.
PRESS = frozenset("TTXVN VNA VOV VTV".split())

# A page's time stamp: "02:42 07/01/2020", "Thứ 7, 04.03.2023 | 08:06:28", "ClockThứ Năm,
# 17/05/2018 19:30", "15:44 | 06/12/2017 GMT+7", "04/07/2024 08:44 AM", "(04/09/2022 09:49:30)".
# A plain "14/10/2020 21:04" under a bulletin's title may be its issue time, so it is read.
_TIME = r"\d{1,2}:\d{2}"
_STAMP = (
    rf"\(?(?:{_TIME}(?:\s*[|,])?\s+[\d/.]+|[\d/.]+\s+\|\s*{_TIME}(?::\d{{2}})?|[\d/.]+ {_TIME}:\d{{2}}"
    rf"|(?:clock)?thứ \w+\s*[,-]?\s*[\d/.]+(?:\s+(?:\|\s*)?{_TIME}(?::\d{{2}})?)?"
    rf"|(?:clock)?[\d/.]+ {_TIME}(?=\s*(?:AM|PM|SA|CH|GMT)))"
    r"(?:\s*(?:AM|PM|SA|CH))?(?:\s*\[?GMT\s*\+\s*7\]?)?\)?"
)
# A line that is only a credit, a button or a time stamp.
_CREDIT_RE = re.compile(
    r"^(?:\(?(?:theo|nguồn)\s*:?\s*[^\s.,;:()](?:[^.;:()]|\.(?=\S)){0,30}\)?"
    r"|ảnh\s*:.{0,40}|lên đầu trang|ý kiến bạn đọc|bình luận|share on .*|in bài|chia sẻ"
    r"|tìm kiếm tin tức|các tin khác|tin liên quan|bài liên quan|xem tin theo ngày|tin mới|tin tổng hợp"
    r"|có thể bạn quan tâm|thống kê truy cập|banner|đăng nhập|trọn bộ|(?:ảnh )?chụp màn hình"
    # a portal's visitor counter ("• Hôm nay: 1") and images' alternative texts
    r"|[•*-]?\s*(?:đang online|đang truy cập|hôm nay|trong tuần|tháng hiện tại|tất cả"
    r"|(?:tổng )?lượt truy cập)\s*:\s*[\d.,]+|(?:\s*(?:image (?:advertisement|banner)|anh tin bai))+"
    r"|video liên quan|trả lời|tiếng việt \| english|google news"
    r"|(?:hình )?ảnh (?:chỉ mang tính )?minh h(?:ọa|oạ)\.?(?: \((?:nguồn|ảnh)\s*:[^()]*\))?|chủ đề\s*:.*"
    r"|email của bạn sẽ không được hiển thị công khai.*|(?:xem|đọc) thêm\s*:.*|tin liên quan\s*:.*|truy cập (?:tổng|hiện tại|hôm nay)\s*:?\s*[\d.]*"
    # a portal's UI: its buttons ("Xem thêm >>", "Ý kiến ()", "Trang chủ > Tin tức"), the
    # article widget's title on the provinces' portals ("Xuất bản thông tin"), an audio
    # player's fallback ("Your browser does not support the audio element.") and a view
    # counter after the stamp ("Ngày đăng 27/03/2015 | 12:00 | Lượt xem: 277")
    r"|(?:xem|đọc) (?:thêm|tiếp|chi tiết)\s*(?:>+|»|›|\.{3}|…)?|(?:ý kiến|bình luận|phản hồi)\s*\(\d*\)"
    r"|trang chủ(?:\s*[>/»›|].*)?|xuất bản thông tin|your browser does not support.*"
    r"|trình duyệt (?:của bạn )?không hỗ trợ.*"
    r"|(?:(?:ngày đăng|đăng ngày|cập nhật)\s*:?)?[\d/.:|\s-]*\|?\s*(?:lượt (?:xem|đọc|truy cập)|đã xem)\s*:?\s*[\d.,]*"
    r"(?:\s*lượt(?: xem| đọc)?)?"
    rf"|{_STAMP}|(?:ngày (?:cập nhật|đăng)|đăng ngày|cập nhật(?: ngày)?)\s*:?\s*[\d/.-]+(?:\s+{_TIME})?"
    # a portal's fields over a document ("Người ký văn bản:", "Nội dung thông báo:"), its
    # read-aloud button ("Đọc bài viết"), a link to the document (">>> Xem thông tin chi
    # tiết tại đây: 81/TB-UBND"), an attachment's box ("File đính kèm"), a machine's time
    # stamp ("2025-07-28T11:07:49+07:00") and a finance site's menu ("Bảng giá điện tử")
    r"|người ký(?: văn bản)?\s*:.{0,40}|nội dung (?:thông báo|văn bản)\s*:|(?:đọc|nghe) bài viết"
    r"|>*\s*(?:xem|tải)(?: về)? (?:thông tin |nội dung |văn bản )?(?:chi tiết |toàn văn )?tại đây\s*:?.{0,40}"
    r"|(?:file|tệp(?: tin)?|tài liệu) đính kèm\s*:?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:[+-]\d{2}:?\d{2}|Z)?"
    r"|(?:(?:bảng giá điện tử|danh mục đầu tư|dữ liệu doanh nghiệp)\s*)+"
    # a photo's caption with no "Ảnh:": numbered after a dash ("… lừa đảo- Ảnh 1.") or in a
    # one-cell table under the photo ("Cán bộ … sốt xuất huyết. |")
    r"|[^|\n]*\S ?[-–] ?ảnh \d{1,2}\.?|[^|\n]{10,}[.!]\s*\|"
    # a portal's leftovers (batch 10): Liferay's "null", its "Chi tiết bài viết", a date
    # widget ("Hôm nay:24/11/2024"), a login prompt, a section's name ("Tin 24/7")
    r"|null|chi tiết bài viết.*|hôm nay\s*:?\s*[\d/.-]+|bạn cần đăng nhập.*|tin (?:24/7|24h))$",
    re.IGNORECASE,
)
# The same inside a line: "… năm 2022. Ảnh: Giang Huy", "… (Ảnh: Hoàng Bình).", "Nguồn:
# EVNHANOI" at the end, "(Ngày đăng: 19/10/2018)".
_CREDIT_TAIL_RE = re.compile(
    r"(?<=[.!?…)]) (?:ảnh|nguồn)\s*:(?:[^.;:]|\.(?=\S)){1,40}$"
    r"|\s*\((?:ảnh|nguồn|theo)(?: minh h(?:oạ|ọa|oa))?\s*:[^()]{1,40}\)"
    r"|\s*\((?:hình )?ảnh minh h(?:oạ|ọa|oa)\)\.?$"
    r"|(?<=[.!?…]) ảnh(?: chụp màn hình|\s*:\s*[^.;:]{1,30}| \d{1,2})$"
    r"|\s*\(ngày (?:đăng|cập nhật)\s*:[^()]*\)"
    # a link to another article glued to the last sentence ("… kết quả.Xem thêm: …")
    r"|(?<=[.!?…]) ?(?:xem|đọc) thêm\s*:.{1,120}$",
    re.IGNORECASE,
)
# A time stamp between a page's title and its first sentence: "… lúa hè thu 06/07/2024 05:14
# Chi cục …" (the title ends there).
_INLINE_STAMP_RE = re.compile(r"(?<=\w) \d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2} (?=[^\W\d_])")
# A site's tag before the first sentence: "TPO - ", "TĐO - ", "TTH.VN - ", "VOV.VN - ",
# "ThienNhien.Net – ", "(Baonghean.vn) - " (read before addresses are said).
_SITE_TAG_RE = re.compile(
    r"^\(?(?P<tag>[A-ZĐ]{2,6}\d?(?:\.VN)?|[A-Z][A-Za-z]+\.(?:vn|VN|net|Net|com)"
    # a site's name in camel case, which no Vietnamese word is: "PhuthoPortal - "
    r"|[A-Z][a-z]+(?:[A-Z][a-z]*)+)\)? [-–—] (?=\w)",
    re.MULTILINE,
)


def strip_site_tags(text: str, record: Record | None) -> str:
    """Drop a site's tag before a paragraph's first sentence; an abbreviation stays."""
    known = builtin_abbreviations().keys() - PRESS

    def drop(match: re.Match[str]) -> str:
        if match.group("tag") in known:
            return match.group(0)  # "UBND - …" is the text's own
        if record is not None:
            record("page furniture", match.group(0), "")
        return ""

    def cut(match: re.Match[str]) -> str:
        if (match.group("tag") or match.group("tag2")) in known:
            return match.group(0)
        if record is not None:
            record("page furniture", match.group(0), "")
        return "" if match.group("start") is not None else "\n"

    return _BRACKET_TAG_RE.sub(cut, _SITE_TAG_RE.sub(drop, text))


# A site's short name in brackets opening the article, even with no dash or on the title's
# line: "(TTV) Chủ động phòng chống …", "… ngày mai - 7/2 (PLVN) - Ngày mai (7/2), …".
_BRACKET_TAG_RE = re.compile(
    r"(?:^(?P<start>)\((?P<tag>[A-ZĐ]{2,6}\d?)\) (?:[-–—] )?(?=[A-ZĐ])"
    r"|(?<=\S) \((?P<tag2>[A-ZĐ]{2,6}\d?)\) [-–—] (?=[A-ZĐ]))",
    re.MULTILINE,
)


_BARE_DATE_RE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


# A line made only of a date and a time, in any order, with a weekday and separators
# ("21/06/2015 - 14:07", "08:25, 18/08/2016 (GMT+7)", "Thứ tư: 18:55 ngày 21/04/2021",
# "22-01-2026 - 00:05 AM | Sống"): a page's stamp, whatever its layout.
_STAMP_PARTS_RE = re.compile(
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{1,2}:\d{2}(?::\d{2})?|[(\[]?GMT\s*\+\s*7[)\]]?|\b(?:AM|PM|SA|CH)\b"
    r"|\b(?:thứ (?:hai|ba|tư|năm|sáu|bảy|\d)|chủ nhật|ngày|cập nhật|đăng lúc)\b|[\s,|:()–-]+",
    re.IGNORECASE,
)
_STAMP_DATE_RE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}")
_DECORATED_RE = re.compile(
    r"\b(?:thứ|chủ nhật)\b|\b(?:AM|PM)\b| \| [^\W\d_]|^\d{1,2}:\d{2},",
    re.IGNORECASE,
)


def _is_stamp(line: str) -> bool:
    """A date with a time or a weekday and nothing else, or a stamp with its section's name
    after a bar ("… 00:05 AM | Sống")."""
    head = line.split(" | ")[0] if line.count("|") == 1 else line
    if not _STAMP_DATE_RE.search(head) or _STAMP_PARTS_RE.sub("", head):
        return False
    # "14/10/2020 21:04" or "14/07/2021 - 20:45" under a bulletin's title may be its issue
    # time, read; a weekday, a clock's AM/PM, a section after a bar or the time first
    # ("08:25, 18/08/2016") make it the page's stamp
    return _DECORATED_RE.search(line) is not None


def is_top_stamp(line: str) -> bool:
    """A date and a time and nothing else ("08/01/2026 - 11:15"): read under a bulletin's
    title, but the page's stamp when nothing stands above it or a view count follows it."""
    return _STAMP_DATE_RE.search(line) is not None and not _STAMP_PARTS_RE.sub("", line)


# A breadcrumb with its sections ("Trang chủ >THÔNG BÁO>BÀI TUYÊN TRUYỀN"): above it is the
# site's header (its name, a slogan), not the article.
_BREADCRUMB_RE = re.compile(r"^trang chủ\s*[>/»›|]", re.IGNORECASE)


def is_breadcrumb(line: str) -> bool:
    return _BREADCRUMB_RE.match(line) is not None


def is_credit(line: str, top: bool = False) -> bool:
    """A line that is only a credit, a page button or a time stamp; at the top of a page a
    date standing alone is its stamp too (further down it may be a table's cell). A web
    list's bullet does not change that ("• Cập nhật: 10/10/2022", "• Lượt xem: 1772")."""
    line = line.removeprefix("•").strip()
    return (
        _CREDIT_RE.match(line) is not None
        or _is_stamp(line)
        or (top and (_BARE_DATE_RE.match(line) or _SECTION_DATE_RE.match(line)) is not None)
    )


# Under a page's title, its section's name and the date: "Kinh tế 27-12-2021", "Xã hội
# 05/09/2024" (a title's own date has "ngày" or more words: "Lịch cắt điện ngày 27/12").
_SECTION_DATE_RE = re.compile(
    r"^(?!.*\b(?:ngày|từ|đến|hết)\b)[^\W\d_]+(?: [^\W\d_]+){0,2} \d{1,2}([-/.])\d{1,2}\1\d{4}$"
)


# Where a page's article ends: the widgets under it ("Bài liên quan", "Tin cùng chuyên mục",
# "CHƯƠNG TRÌNH HÔM NAY", "Ý kiến bạn đọc") list other pages' titles, programmes and staff,
# none of them the notice's own, so nothing after such a line is read.
_PAGE_END_RE = re.compile(
    r"^(?:(?:các )?(?:bài|tin|bài viết|tin tức) (?:liên quan|cùng chuyên mục|cùng chủ đề|khác)"
    r"|video liên quan|có thể bạn quan tâm|chương trình hôm nay|tin mới nhất|tin (?:đọc|xem) nhiều"
    r"|(?:đọc|xem) nhiều nhất|ý kiến bạn đọc|(?:gửi )?bình luận|chủ đề\s*:.*|từ khóa\s*:.*"
    # the breadcrumb put under the article ("Trang chủ", then its section) and the site's
    # footer: its owner, licence, editor and address ("© Thông tấn xã Việt Nam")
    r"|trang chủ(?:\s*[>/»›|].*)?|(?:©|copyright|bản quyền thuộc).*|cơ quan chủ quản\s*:.*"
    r"|giấy phép (?:xuất bản|thiết lập|hoạt động).*|chịu trách nhiệm (?:nội dung|xuất bản|chính)\s*:.*"
    # a portal's list under the article: its author's box ("Tác giả: UBND xã …"), the
    # links to the notices before and after it ("Những tin mới hơn") and a pointer to the
    # attachment ("Chi tiết xem thêm ở văn bản bên dưới…"), whose file name follows
    r"|tác giả\s*:.*|những (?:tin|bài) (?:mới|cũ) hơn"
    # a rating and comments box ("Bài viết hay? Hãy đánh giá bài viết", "Trở thành người
    # đầu tiên tặng sao cho bài viết")
    r"|bài viết hay\?.*|hãy đánh giá bài viết|trở thành người đầu tiên.*|thông tin bạn đọc"
    r"|(?:chi tiết )?(?:xem|mời xem) (?:thêm |chi tiết )?(?:ở|tại|trong) (?:các )?(?:văn bản|tệp|file|tài liệu)"
    r" (?:bên dưới|dưới đây|đính kèm).*)$",
    re.IGNORECASE,
)


def is_page_end(line: str) -> bool:
    """A widget's title under an article: the page's own text ends above it."""
    return _PAGE_END_RE.match(line.strip(" :")) is not None


# A portal's leftovers inside a line: Liferay's "null " before a title, a protected address
# shown as "[email protected]".
_LEFTOVER_RE = re.compile(r"^null (?=\S)|\s*\[email(?:&#160;|\s)protected\]")


def strip_credits(line: str) -> str:
    """A line without the credits and time stamps inside it."""
    line = _LEFTOVER_RE.sub("", _CREDIT_TAIL_RE.sub("", line))
    return _INLINE_STAMP_RE.sub(". ", line)


# A link standing on its own line ("Link: https://…/lich-cat-dien.html"): a page's address,
# which nobody can type from a loudspeaker (an address in a sentence is said, `address.py`).
_LINK_LINE_RE = re.compile(
    r"^[*•\-–>\s]*(?:[^\W\d_][^\n:]{0,25}:\s*)?(?:https?://|www\.)\S*/\S+[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)


def strip_link_lines(text: str, record: Record | None) -> str:
    """Drop lines that hold only a page's address with its path."""

    def drop(match: re.Match[str]) -> str:
        if record is not None:
            record("page furniture", match.group(0).strip(), "")
        return ""

    return _LINK_LINE_RE.sub(drop, text)


# A name line's first word that makes it a place's or an office's name, not a reporter's.
_NOT_A_NAME = frozenset(
    "Xã Phường Thị Huyện Quận Tỉnh Thành Thôn Ấp Bản Tổ Khu Khối Ủy Uỷ Ban Công Chi Sở Phòng"
    " Trường Trung Điện Bệnh Hội Đài Kính Thông Lịch Kế Quyết Tin Hướng Về Nguồn Theo".split()
)


# "Hoàng Minh (tổng hợp)", "Lan Anh (TH)": a name that gathered the article from others;
# "Lê Huệ (Trung tâm cung ứng dịch vụ công)": a name with the office it writes for
_COMPILED_RE = re.compile(
    r"\s*\((?:[Tt]ổng hợp|TH|[Tt]/[Hh]|[Ss]ưu tầm|ST|(?:Trung tâm|Phòng|Trạm|Ban|Đài|Văn phòng) [^()]+"
    # or the commune the reporter writes from: "Trường Sơn (Đại An)"
    r"|[A-ZĐ][^\W\d_]*(?: [A-ZĐ][^\W\d_]*){0,3})\)$"
)
# A reporter's initial before the name: "T. NGUYỆT", "Ng.Hà", "H. Anh"
_INITIAL_RE = re.compile(r"^(?:[A-ZĐ][a-zđ]?\. ?)(?=[A-ZĐ]\w)")


def _name_in_capitals(words: list[str]) -> bool:
    """ "TRÍ DŨNG", "DIỄM QUỲNH": two to four Vietnamese syllables in capitals, not an office."""
    return (
        2 <= len(words) <= 4
        and all(w.isupper() and w.isalpha() and is_syllable(w) for w in words)
        and words[0].capitalize() not in _NOT_A_NAME
        and any(not w.isascii() for w in words)
    )


def _is_initials(word: str) -> bool:
    """ "HV": a reporter's initials, two or three capitals that are no word or abbreviation."""
    return (
        2 <= len(word) <= 3
        and word.isascii()
        and word.isalpha()
        and word.isupper()
        and word not in builtin_abbreviations()
        and not is_syllable(word)
    )


def _is_author(line: str) -> bool:
    """Two to four words each with one capital ("Mai Hoa", "Vĩnh Thắng"), or all in capitals
    with a mark ("DIỄM QUỲNH"), or a site's name in one word ("Vietnamplus", "PTDnews"); a
    compiler's "(tổng hợp)" after it."""
    line = _COMPILED_RE.sub("", line)
    if _INITIAL_RE.match(line):
        name = _INITIAL_RE.sub("", line)
        return len(name.split()) <= 3 and _is_author(name)
    if re.search(r"\w ?[-–] ?\w", line) and len(line.split()) <= 8:
        # "Tâm Giang- Ngọc Bích": two reporters; "Nguyễn Thắng- Đài TT huyện …": and a station
        first, *rest = re.split(r"\s*[-–]\s*", line)
        return _is_author(first) and all(_is_author(p) or _is_station(p) for p in rest)
    words = line.split()
    if len(words) == 1 and _is_initials(words[0]):
        return True
    if len(words) == 1 and words[0].isupper() and len(words[0]) > 2:
        return is_syllable(words[0])  # "NGỌC": a name in capitals
    if len(words) == 1:
        word = words[0]
        return word.isalpha() and word[0].isupper() and any(c.islower() for c in word)
    return _name_in_capitals(words) or (
        2 <= len(words) <= 4
        and all(w.isalpha() and w[0].isupper() and (w[1:].islower() or len(w) == 1) for w in words)
    )


_LABEL_RE = re.compile(r"^[^\W\d_][^:.,]{0,20}:")


def _byline_under_title(lines: list[str], filled: list[int]) -> int | None:
    """The line of a reporter's name put between a page's title and its first sentence
    ("TPHCM: Cắt điện …", "Văn Nam", "(TBKTSG Online) – …"), if there is one."""
    # under the title, or under the title and its lead ("… gia súc." then "Thiên Vũ")
    for k in (1, 2):
        if len(filled) < k + 2 or (k == 2 and not lines[filled[1]].endswith(tuple(".!?…"))):
            return None
        second = lines[filled[k]]
        words = second.split()
        if not _is_author(second) or len(words) < 2:
            continue
        if words[0] in _NOT_A_NAME or _LABEL_RE.match(lines[filled[k + 1]]):
            return None  # a place's name, or a staff card's name over "Chức vụ: …"
        return filled[k]
    return None


# The radio station or the press office an article was taken from, on its last line under
# the last sentence ("Đài Truyền thanh huyện", "Trung tâm Truyền thông và Văn hóa huyện"):
# a credit like a reporter's name.
_STATION_RE = re.compile(
    r"^(?:đài (?:truyền thanh|phát thanh|pt-?th|tt-?th|ttth|tt)|trung tâm (?:truyền thông|văn hóa|văn hoá|vh)"
    # or the office that put it on the portal: "Văn phòng UBND phường"
    r"|văn phòng (?:ubnd|hđnd|ủy ban|uỷ ban)|truyền thanh)"
    r"(?: [^\W\d_]+| -| –){0,10}$",
    re.IGNORECASE,
)


def _is_station(line: str) -> bool:
    """A station's credit; "Truyền thanh" alone opens one only before a name ("Truyền thanh
    Phú Cường", not "Truyền thanh xã xin thông báo")."""
    if _STATION_RE.match(line) is None:
        return False
    words = line.split()
    return words[0].lower() != "truyền" or all(w[:1].isupper() for w in words[2:])


def strip_author(lines: list[str], record: Record | None) -> list[str]:
    """Leave out the reporter's name on the last line of a page with more than one line,
    and one put under the page's title."""
    filled = [i for i, line in enumerate(lines) if line]
    byline = _byline_under_title(lines, filled)
    if byline is not None:
        if record is not None:
            record("page furniture", lines[byline], "")
        lines = lines[:byline] + lines[byline + 1 :]
        filled = [i for i, line in enumerate(lines) if line]
    if (
        len(filled) >= 2
        and _is_station(lines[filled[-1]])
        # under a sentence, or under a list item, which ends its own
        and (lines[filled[-2]].endswith(tuple(".!?…")) or lines[filled[-2]][:1] in "-+•")
    ):
        if record is not None:
            record("page furniture", lines[filled[-1]], "")
        return lines[: filled[-1]]
    if (
        len(filled) >= 3
        and _is_station(lines[filled[-1]])
        and _is_author(lines[filled[-2]])
        and lines[filled[-3]].endswith(tuple(".!?…"))
    ):  # "Nguyễn Hữu Nghĩa" over "Truyền thanh Phú Cường": the reporter, then the station
        if record is not None:
            record("page furniture", f"{lines[filled[-2]]} / {lines[filled[-1]]}", "")
        return lines[: filled[-2]]
    if len(filled) < 2 or not _is_author(lines[filled[-1]]):
        return lines
    above = lines[filled[-2]]
    if above.upper() == above or above.startswith("("):
        return lines  # a signature under "TM. ỦY BAN NHÂN DÂN" or "(Đã ký)": the office's own
    if record is not None:
        record("page furniture", lines[filled[-1]], "")
    return lines[: filled[-1]]
