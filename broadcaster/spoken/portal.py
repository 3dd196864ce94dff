"""A news site's or a portal's header over the article, never read (batch 10 of the real texts).

Above an article a page shows its own furniture: the site's menu ("Thời sự 24h Chính trị Xã
hội Thế giới …", "Spotlight Gallery Video Podcast e-Magazine"), a header with the paper's
hotline ("Hotline: 0865015015 Tiền Phong Nhật báo …"), the weather widget's city above
them, an image's file name or its address slug under a photo ("botharonghaivan.jpg",
"ba-riavung-tau-cong-bo-duong-day-nong") and a news site's place label glued to the lead
("Quảng TrịChính quyền xã …"). A portal also puts its site's name, the article's author field
and its section's name above the title ("Trang thông tin điện tử xã Minh Đức", "UBND xã Minh
Đức", "Giáo dục"; batch 9). An announcer reads none of them.
"""

from __future__ import annotations

import re
from typing import Callable

from broadcaster.spoken.syllables import is_syllable

Record = Callable[[str, str, str], None]

_PUNCTUATION = frozenset('.,;:!?…"“”()|')
_LETTERS_RE = re.compile(r"[^\W\d_]")


def _menu_like(line: str) -> bool:
    """Four words or more with no punctuation, most of them capitalised: a menu's items
    ("Khoa học & Công nghệ Nhà khoa học Kho tri thức …"), not a sentence, a title or a list
    item ("- Trạm biến áp Tân Phú Đông")."""
    if not line or _PUNCTUATION & set(line) or line.isupper() or not line[0].isalpha():
        return False
    words = [w for w in line.split() if _LETTERS_RE.search(w)]
    if len(words) < 4:
        return False
    return sum(w[0].isupper() for w in words) / len(words) >= 0.45


def is_menu(raws: list[str], index: int) -> bool:
    """A line of a run of three menu lines or more, one under another, two of them long (ten
    words or more): a site's navigation. A Title Case line alone may be a title, and short
    ones under each other a list of places ("Trạm biến áp Tân Phú Đông 1")."""
    if not _menu_like(raws[index].strip()):
        return False
    first, last = index, index
    while first > 0 and _menu_like(raws[first - 1].strip()):
        first -= 1
    while last + 1 < len(raws) and _menu_like(raws[last + 1].strip()):
        last += 1
    run = [raws[i].split() for i in range(first, last + 1)]
    return len(run) >= 3 and sum(len(words) >= 10 for words in run) >= 2


def drop_header(lines: list[str], record: Record | None, widgets_only: bool) -> list[str]:
    """Leave out what a page shows above its breadcrumb (the site's header and slogan) or
    above its menu (only short widgets there, such as the weather's city "Hà Nội")."""
    kept = [line for line in lines if widgets_only and len(line.split()) > 3]
    for line in lines:
        if line and line not in kept and record is not None:
            record("page furniture", line, "")
    return kept


# A site's header with its hotline over the article: "Hotline: 0865015015 Tiền Phong …"
_HEADER_RE = re.compile(r"^hotline\s*:?\s*[\d .]{8,}\s+\S.*$", re.IGNORECASE)


def is_page_header(line: str) -> bool:
    return _HEADER_RE.match(line) is not None


# A photo's file name or an address slug standing alone: "1-2508.jpg", "hinh-6-1449627291.jpg",
# "ba-riavung-tau-cong-bo-duong-day-nong".
_FILE_RE = re.compile(
    r"^(?:\S+\.(?:jpe?g|png|gif|webp)|[a-z0-9]+(?:-[a-z0-9]+){3,})$", re.IGNORECASE
)


def is_file_name(line: str) -> bool:
    return _FILE_RE.match(line) is not None


def _glue(word: str) -> int:
    """Where a capital follows a small letter inside a word ("TrịChính"), or 0."""
    for i in range(1, len(word) - 1):
        if word[i - 1].islower() and word[i].isupper() and word[i + 1].islower():
            return i
    return 0


def strip_glued_place(line: str, record: Record | None) -> str:
    """Drop a news site's place label glued to the lead's first word: "Quảng TrịChính quyền
    xã Phong Nha …" is "Chính quyền xã Phong Nha …" (a dateline, like "HÀ NỘI -")."""
    words = line.split(" ")
    for position, word in enumerate(words[:4]):
        glue = _glue(word)
        if not glue or not word[:1].isupper():
            continue
        head, tail = word[:glue], word[glue:]
        place = words[:position]
        if (
            len(words) - position > 3
            and all(w[:1].isupper() and w[1:].islower() and is_syllable(w) for w in place)
            and is_syllable(head)
            and is_syllable(tail)
        ):
            if record is not None:
                record("page furniture", " ".join([*place, head]), "")
            return " ".join([tail, *words[position + 1 :]])
        return line
    return line


# Over a page's article, before its first sentence: the site's name ("Trang thông tin điện
# tử xã Minh Đức"), an office's name as the page's author field over its time stamp ("UBND
# xã Minh Đức", then "2025-07-28T11:07:49+07:00") and a section's name over the title
# ("Giáo dục", then the title, then "10:42 23/08/2022").
_SITE_NAME_RE = re.compile(r"^(?:trang|cổng) thông tin điện tử(?: [^\W\d_]+){0,6}$", re.IGNORECASE)
_OFFICE_RE = re.compile(
    r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|Văn phòng|Công an|Trung tâm|Phòng|Ban) [^.,:;!?\d]{1,40}$"
)
_SECTION_RE = re.compile(r"^[^\W\d_]+(?: (?:[-–&] )?[^\W\d_]+){0,3}$")


def is_site_name(line: str) -> bool:
    return _SITE_NAME_RE.match(line) is not None


def section_over_title(lines: list[str]) -> bool:
    """Two lines kept: a section's name ("Giáo dục", "Xã hội") over a longer title."""
    filled = [line for line in lines if line]
    if len(filled) != 2:
        return False
    section, title = filled
    return (
        _SECTION_RE.match(section) is not None
        and section[0].isupper()
        and not section.isupper()
        and len(title.split()) > len(section.split()) + 2
    )


def page_head(lines: list[str], stamp: str, record: Record | None) -> list[str]:
    """The lines kept above a page's time stamp, without its author field and section."""
    filled = [i for i, line in enumerate(lines) if line]
    if not filled or not any(c.isdigit() for c in stamp):
        return lines
    last = lines[filled[-1]]
    drop = None
    if _OFFICE_RE.match(last) and not last.isupper() and len(filled) > 1:
        drop = filled[-1]  # the author's field: a title stands above it
    elif section_over_title(lines):
        drop = filled[0]
    if drop is None:
        return lines
    if record is not None:
        record("page furniture", lines[drop], "")
    return lines[:drop] + lines[drop + 1 :]
