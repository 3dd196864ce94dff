"""Layout: addresses said, page furniture out, lines and tables read as a reader sees them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from broadcaster.intake.letterhead import (
    DATELINE_RE,
    is_recipient,
    is_recipients_start,
    letterhead_end,
    split_columns,
)
from broadcaster.spoken.address import EMAIL_RE, URL_RE, say_email, say_url
from broadcaster.spoken.furniture import (
    is_breadcrumb,
    is_credit,
    is_page_end,
    is_top_stamp,
    strip_author,
    strip_credits,
    strip_link_lines,
    strip_site_tags,
)
from broadcaster.spoken.lexicon import UNITS
from broadcaster.spoken.portal import (
    drop_header,
    is_file_name,
    is_menu,
    is_page_header,
    is_site_name,
    page_head,
    section_over_title,
    strip_glued_place,
)
from broadcaster.spoken.runon import split_run_on

Record = Callable[[str, str, str], None]
Say = Callable[[str], str]

_FURNITURE_RE = re.compile(
    r"^(?:[-–]?\s*\d{1,4}\s*[-–]?"  # a page number, "- 3 -"
    r"|trang\s+\d+(?:\s*(?:/|trên)\s*\d+)?"  # "Trang 2", "Trang 2/5"
    r"|[.…_\-–=*•·~\s]{3,}"  # rules of dots, dashes, underscores
    r")$",
    re.IGNORECASE,
)

_COUNT_RE = re.compile(r"^\d{1,6}$")  # a view count standing alone
_SENTENCE_END = tuple(".!?:;…")
_LIST_START_RE = re.compile(
    r"^(?:[IVXLC]+[./]|\d+(?:\.\d+)*\.|\d+\)|[a-zđ]\)|[-+•*–])\s", re.IGNORECASE
)
_SPLIT_SYMBOL_RE = re.compile(r"\d/[\w/-]*[-/]$|\d[-/]$")
_LETTER_RE = re.compile(r"[^\W\d_]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2007\u202f\u200b\ufeff]+")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph rebuilt from lines; headings stand alone."""

    text: str
    heading: bool


def is_heading(line: str) -> bool:
    """A line in capitals (e.g. 'I. MỤC ĐÍCH, YÊU CẦU') is a heading."""
    return line.upper() == line and len(_LETTER_RE.findall(line)) >= 4


def clean_lines(text: str, record: Record | None) -> list[str]:
    """NFC, noise removed, one entry per physical line (a letterhead's two columns apart,
    a page's run-on title and list items on lines of their own)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _LOOK_ALIKES_RE.sub(lambda m: _LOOK_ALIKES[m.group(0)], text)
    text = _say_addresses(strip_link_lines(strip_site_tags(text, record), record), record)
    lines: list[str] = []
    raws = text.split("\n")
    for index, raw in enumerate(raws):
        for column in split_columns(raw):
            line = strip_glued_place(strip_credits(_SPACES_RE.sub(" ", column).strip()), record)
            top = sum(1 for kept in lines if kept) < 2
            read = any(k.endswith(tuple(".!?…")) for k in lines)
            menu = not read and is_menu(raws, index)
            # under an article (a sentence read already), a widget's title ends the page
            if read and is_page_end(line):
                if record is not None:
                    record("page end", line, "")
                return strip_author(lines, record)
            if not read and (is_breadcrumb(line) or menu):
                # above a breadcrumb or a site's menu, before any sentence: its header
                lines = drop_header(lines, record, widgets_only=menu)
            if not read and is_top_stamp(line):
                following = next((r.strip() for r in raws[index + 1 :] if r.strip()), "")
                if not any(lines) or _COUNT_RE.match(following) or section_over_title(lines):
                    # a date and a time with no title above them, over the view count
                    # ("08/01/2026 - 11:15" then "32") or under a title with its section
                    # ("Xã hội", then the title): the page's stamp
                    if record is not None:
                        record("page furniture", line, "")
                    lines = page_head(lines, line, record)
                    continue
            if line and (
                _FURNITURE_RE.match(line)
                or is_credit(line, top)
                or menu
                or is_file_name(line)
                or (not read and (is_site_name(line) or is_page_header(line)))
            ):
                if record is not None:
                    record("page furniture", line, "")
                if not read:
                    lines = page_head(lines, line, record)
                continue
            lines.extend(split_run_on(line))
    return strip_author(lines, record)


def _say_addresses(text: str, record: Record | None) -> str:
    """Web and e-mail addresses said as words ("dịch vụ công chấm gốp chấm vê nờ")."""
    for name, pattern, say in (("email", EMAIL_RE, say_email), ("url", URL_RE, say_url)):
        if name == "email" and "@" not in text:
            continue

        def replace(match: re.Match[str], name: str = name, say: Say = say) -> str:
            words = say(match.group(0))
            if match.group(0)[:1].isupper():  # "VietQ.vn" may open a sentence
                words = words[:1].upper() + words[1:]
            if record is not None:
                record(name, match.group(0), words)
            return f" {words} "

        text = pattern.sub(replace, text)
    return text


# Letters that look like Vietnamese ones but are not: "Ð" (Icelandic eth, U+00D0) typed for
# "Đ" by some keyboards and converters; a voice would not say it.
_LOOK_ALIKES = {"\u00d0": "Đ", "\u00f0": "đ", "\u0189": "Đ"}
_LOOK_ALIKES_RE = re.compile("[\u00d0\u00f0\u0189]")


def strip_letterhead(lines: list[str], record: Record | None) -> list[str]:
    """Leave out the letterhead block at the top of an administrative document.

    Only the leading block is looked at, and only when it holds the national motto, a
    "Số: …" line or a dateline (`intake/letterhead.py`); lines in capitals there (the issuing
    body) go with it, the title ("THÔNG BÁO") and everything after it stay."""
    block = letterhead_end(lines)
    if record is not None:
        for line in lines[:block]:
            if line:
                record("letterhead", line, "")
    return lines[block:]


_SIGNED_RE = re.compile(r"^\((?:đã ký|ký[^()]*)\)$", re.IGNORECASE)


def strip_closing(lines: list[str], record: Record | None) -> list[str]:
    """Leave out the recipients block ("Nơi nhận: - Như trên; - Lưu: VT."), "(Đã ký)" and a
    dateline standing alone (some offices put it above the signature)."""
    out: list[str] = []
    in_recipients = False
    for line in lines:
        if is_recipients_start(line):
            in_recipients = True
        elif in_recipients and line and not is_recipient(line):
            in_recipients = False
        if in_recipients or _SIGNED_RE.match(line) or DATELINE_RE.match(line):
            if record is not None and line:
                record("letterhead", line, "")
            continue
        out.append(line)
    return out


# A line ending in one of these words (or a comma) goes on in the next line, whatever its case.
_OPEN_END_RE = re.compile(
    r"(?:[,(&/-]|\b(?:của|và|các|những|ngày|tại|theo|về|với|cho|là|số|trong|từ|đến|tới|được"
    r"|có|hoặc|thì|mà|để|như|do|bởi|vào|trên|dưới|tháng|năm|lúc|sau|trước|khi|nếu|nhưng"
    r"|gồm|thuộc|ông|bà|anh|chị|đồng chí|khoảng|gần|hơn|đạt))$",
    re.IGNORECASE,
)
_TABLE_RULE_RE = re.compile(r"^\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*\|?$")


def _is_table_row(line: str) -> bool:
    return line.count("|") >= 2 or (line.count("|") == 1 and line.endswith("|"))


def _positional_cells(line: str) -> list[str]:
    """Every cell of a row in its column, empty ones too."""
    return [c.strip() for c in line.strip().strip("|").split("|")]


# a bare number, time or date ("120", "04:00", "23/05/2019"): nothing alone without its column
_BARE_NUMBER_RE = re.compile(r"^\d[\d.,:/-]*\s*%?$")
_HEADER_UNIT_RE = re.compile(r"^(?P<label>.*?)\s*\((?P<unit>[^()]+)\)$")


def _labelled(cells: list[str], header: list[str]) -> list[str]:
    """A bare number says nothing alone: "120" under "Số hộ" is read "số hộ 120", under
    "Lượng mưa (mm)" "lượng mưa 120 mm". Other cells (names, dates, places) speak for
    themselves, and the first cell is the row's own label, so they are read as written."""
    out = cells[:1]
    for column, cell in enumerate(cells[1:], start=1):
        title = header[column] if column < len(header) else ""
        if not (title and _BARE_NUMBER_RE.match(cell)):
            out.append(cell)
            continue
        unit_match = _HEADER_UNIT_RE.match(title)
        unit = ""
        if unit_match and unit_match.group("unit") in UNITS:
            title = unit_match.group("label")
            unit = "" if cell.endswith(unit_match.group("unit")) else " " + unit_match.group("unit")
        if title[1:2].islower():  # "Số hộ" inside the row; "UBND" keeps its capitals
            title = title[:1].lower() + title[1:]
        out.append(f"{title} {cell}{unit}")
    return out


def table_rows(lines: list[str], record: Record | None) -> list[str]:
    """Tables (Markdown pipe rows, as .docx tables are stored) read row by row.

    A row becomes its own line with its cells separated by commas; the header row
    (the first row of a table, above a rule row or above two or more rows) is left out,
    since each row is read with its own values. Under a header confirmed by a rule row
    (`| --- |`, as ingest writes it), a cell holding only a number is read with its
    column's title."""
    out: list[str] = []
    header: list[str] = []
    for index, line in enumerate(lines):
        if not _is_table_row(line):
            out.append(line)
            header = []
            continue
        if _TABLE_RULE_RE.match(line):
            continue
        previous = lines[index - 1] if index else ""
        following = lines[index + 1 : index + 3]
        ruled = bool(following) and _TABLE_RULE_RE.match(following[0]) is not None
        if not _is_table_row(previous) and (
            len(following) == 2 and all(_is_table_row(f) for f in following) or ruled
        ):
            # "Từ | Đến" over "04:00 | 10:00": the times are read with their column's name
            header = _positional_cells(line)
            if record is not None:
                record("table header", line, "")
            continue
        cells = _positional_cells(line)
        if header:
            labelled = _labelled(cells, header)
            if record is not None and labelled != cells:
                record("table column", " | ".join(cells), " | ".join(labelled))
            cells = labelled
        # "từ 04:00" then "đến 10:00": one span, read without a pause between
        row = re.sub(r"(\b[Tt]ừ [^,]+), (?=đến )", r"\1 ", ", ".join(c for c in cells if c))
        out.append(row + "." if row and not row.endswith(_SENTENCE_END) else row)
    return out


def join_lines(lines: list[str]) -> list[Paragraph]:
    """Rebuild paragraphs: a line continues the previous one only when that one was broken
    mid-phrase (copy-paste from PDF); a line that ends a title, heading, salutation, dateline,
    list item or time slot ends its own sentence, whatever its punctuation."""
    paragraphs: list[Paragraph] = []
    current = ""
    current_heading = False
    title, blank = True, False  # the text's first line, and a blank line after it
    for line in lines:
        if not line:
            blank = bool(current)
            continue
        heading = is_heading(line)
        starts_new = (
            not current
            # a title apart from the text by a blank line ends there, even on "sáng hôm sau"
            or (title and blank and not paragraphs)
            or current.endswith(_SENTENCE_END)
            or _LIST_START_RE.match(line) is not None
            or heading
            or current_heading
            or (_starts_upper(line) and not _OPEN_END_RE.search(current))
        )
        if _SPLIT_SYMBOL_RE.search(current) and line[:1].isalnum():
            current += line  # "184/KH-" + "UBND": a symbol broken at the line end
        elif starts_new:
            if current:
                paragraphs.append(Paragraph(current, current_heading))
            current, current_heading = line, heading
        else:
            current = f"{current} {line}"
    if current:
        paragraphs.append(Paragraph(current, current_heading))
    return paragraphs


def _starts_upper(line: str) -> bool:
    """A line opening with a capital letter or a digit starts something new."""
    first = next((c for c in line if c.isalnum()), "")
    return first.isdigit() or first.isupper()
