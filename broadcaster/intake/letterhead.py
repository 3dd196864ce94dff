"""The letterhead and closing of an administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I).

An office's notice opens with a block that is never read on air: the issuing body in capitals,
the national motto and slogan, "Số: 12/TB-UBND", the place and date ("Xã A, ngày 02 tháng 12
năm 2026"), a "V/v …" summary and "Kính gửi: …"; then comes the document's own title
("THÔNG BÁO" and its "Về việc …" line). It closes with the recipients ("Nơi nhận: - Như trên;
- Lưu: VT."). Word files hold the opening block as a two-column table, as paragraphs or in
text boxes; intake flattens the first and third into lines, so one set of patterns here
recognises all three, both for the title (intake) and for what the voice leaves out (spoken).
"""

from __future__ import annotations

import re

MOTTO_RE = re.compile(
    r"^(?:cộng h(?:òa|oà) xã hội chủ nghĩa việt nam\W*|độc lập\W+tự do\W+hạnh phúc\W*|số\s*:.*/.*)$",
    re.IGNORECASE,
)
DATELINE_RE = re.compile(
    r"^[^\W\d_][\w .]{0,40}, ngày\b.{0,20}\btháng\b.{0,12}\bnăm\b[\s.…\d]*$", re.IGNORECASE
)
_SUMMARY_RE = re.compile(r"^(?:\(?v/v\b.*|kính gửi\s*:?\s*$)", re.IGNORECASE)
TITLE_RE = re.compile(
    r"^(?:thông báo|kế hoạch|quyết định|công văn|giấy mời|thư|lịch|chỉ thị|nghị quyết|báo cáo"
    r"|hướng dẫn|tờ trình|lời kêu gọi|công điện|tin|bản tin)\b",
    re.IGNORECASE,
)
_RULE_LINE_RE = re.compile(r"^[-–_=.…*~\s]{3,}$")  # the short rule drawn under a name
_LETTER_RE = re.compile(r"[^\W\d_]")
_SUBJECT_RE = re.compile(r"^\(?(?:về việc|v/v)\b", re.IGNORECASE)
LEADING_LINES = 16  # a letterhead is looked for in the first lines only


def is_caps_line(line: str) -> bool:
    """A line in capitals (e.g. 'ỦY BAN NHÂN DÂN XÃ A', 'I. MỤC ĐÍCH')."""
    return line.upper() == line and len(_LETTER_RE.findall(line)) >= 4


def is_letterhead_line(line: str) -> bool:
    """A line that belongs to the opening block: motto, number, dateline, summary, a rule."""
    return bool(
        MOTTO_RE.match(line)
        or DATELINE_RE.match(line)
        or _SUMMARY_RE.match(line)
        or _RULE_LINE_RE.match(line)
    )


_COLUMN_GAP_RE = re.compile(r"[ \u00a0]{4,}|\t+")


def split_columns(line: str) -> list[str]:
    """A letterhead typed as two columns on one line ("PHÒNG GD-ĐT X      CỘNG HÒA XÃ HỘI …",
    "Số: 78/TB-…      Xã A, ngày …"): the columns apart, when one of them is the motto, the
    number or the dateline; any other line as it is."""
    parts = [p.strip() for p in _COLUMN_GAP_RE.split(line.strip())]
    parts = [p for p in parts if p]
    if len(parts) > 1 and any(is_letterhead_line(p) for p in parts):
        return parts
    return [line]


def _is_issuer(line: str) -> bool:
    """The issuing body: a short line in capitals that is not a document's title."""
    return is_caps_line(line) and len(line.split()) <= 8 and not TITLE_RE.match(line)


def letterhead_end(lines: list[str]) -> int:
    """How many leading lines are the letterhead block (0 when there is none).

    The block is there only when it holds the motto, a "Số: …" line or a dateline; lines in
    capitals there (the issuing body) go with it, the title and all after it stay."""
    block, marked = 0, False
    for line in lines[:LEADING_LINES]:
        stripped = line.strip()
        if stripped and is_letterhead_line(stripped):
            marked = marked or not _SUMMARY_RE.match(stripped)
        elif stripped and not _is_issuer(stripped):
            break
        block += 1
    return block if marked else 0


def document_title(body: str) -> str:
    """The document's own title line, never the issuer, the motto or the dateline.

    "THÔNG BÁO" followed by "Về việc …" (or by a second line in capitals, "LỊCH CẮT ĐIỆN")
    gives both lines as one title; a text with no letterhead gives its first line."""
    lines = [line.strip().lstrip("#").strip() for line in body.splitlines()]
    lines = [line for line in lines if line]
    start = letterhead_end(lines)
    for index, line in enumerate(lines[start:LEADING_LINES], start=start):
        if _is_issuer(line) or is_letterhead_line(line):
            continue  # an issuer without a motto ("UBND XÃ A" over "THÔNG BÁO")
        if TITLE_RE.match(line) and is_caps_line(line):
            start = index
        break
    if start >= len(lines):
        return ""
    title = lines[start]
    following = lines[start + 1] if start + 1 < len(lines) else ""
    short = len(title.split()) <= 3 and TITLE_RE.match(title) is not None
    if short and (_SUBJECT_RE.match(following) or is_caps_line(following)):
        title = f"{title} {following}"
    return title


_RECIPIENTS_RE = re.compile(r"^nơi nhận\s*:", re.IGNORECASE)
_RECIPIENT_RE = re.compile(r"^(?:[-+•*–]\s*.*|lưu\s*:?.*|như trên.*|[^.]{1,80};)$", re.IGNORECASE)


def is_recipients_start(line: str) -> bool:
    """'Nơi nhận:' opens the recipients block at the end of a document."""
    return _RECIPIENTS_RE.match(line) is not None


def is_recipient(line: str) -> bool:
    """One line of the recipients block: '- Như trên;', 'TT Đảng ủy;', 'Lưu: VT.'."""
    return _RECIPIENT_RE.match(line) is not None


def is_letterhead_table(rows: list[list[str]], leading: bool) -> bool:
    """Whether a Word table (its rows of cell texts) is a letterhead or a signature table.

    At the top of the document, a table of at most three columns and four rows that holds
    the motto, a "Số: …" line or a dateline; anywhere, one whose first cell opens with
    "Nơi nhận:" (the recipients beside the signature)."""
    cells = [line for row in rows for cell in row for line in cell.split("\n") if line.strip()]
    if rows and rows[0] and is_recipients_start(rows[0][0].strip()):
        return True
    if not leading or len(rows) > 4 or any(len(row) > 3 for row in rows):
        return False
    return any(MOTTO_RE.match(c.strip()) or DATELINE_RE.match(c.strip()) for c in cells)
