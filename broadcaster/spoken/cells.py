"""A table copied from a web page with one cell a line: read row by row with its header.

A power-cut page pasted as text gives "Ngày", "Thời gian từ", "Thời gian đến", "Khu vực",
"Ghi chú", then "22/01/2026", "8:00", "16:30", "Phường Tân Thành", "Kế hoạch" and the next
row, each on its own line. Read as it stands, the listener hears bare times and places; an
announcer reads each row with its column's name: "ngày 22/01/2026, thời gian từ 8:00, thời
gian đến 16:30, khu vực Phường Tân Thành, ghi chú Kế hoạch."

A run of lines is taken for such a table only when its first lines look like column names
(up to four words, no digit, no colon, not in capitals), the line after them holds a digit, and every row
that follows has its digits in the same columns as the first row.
"""

from __future__ import annotations

_HEADER_WORDS = 4
_CELL_WORDS = 12
_END_MARKS = tuple(".,;:!?…")


def _is_header(line: str) -> bool:
    """A column's name: a few words, no digit, not in capitals (a letterhead's name is)."""
    return (
        0 < len(line.split()) <= _HEADER_WORDS
        and line.upper() != line
        and not any(c.isdigit() for c in line)
        and ":" not in line
        and not line.endswith(_END_MARKS)
    )


def _is_cell(line: str) -> bool:
    return 0 < len(line.split()) <= _CELL_WORDS and not line.endswith(_END_MARKS)


def _shape(row: list[str]) -> tuple[bool, ...]:
    return tuple(any(c.isdigit() for c in cell) for cell in row)


def _table_at(cells: list[str], start: int) -> tuple[int, list[str]] | None:
    """The number of lines a table starting at `start` takes and its rows, or None."""
    width = 0
    while start + width < len(cells) and _is_header(cells[start + width]):
        width += 1
    if width < 2:
        return None
    header = cells[start : start + width]
    rows: list[list[str]] = []
    at = start + width
    while at + width <= len(cells):
        row = cells[at : at + width]
        if not all(_is_cell(c) for c in row) or (rows and _shape(row) != _shape(rows[0])):
            break
        if not rows and not any(_shape(row)):
            return None
        rows.append(row)
        at += width
    if not rows:
        return None
    spoken = []
    for row in rows:
        pairs = [f"{h[:1].lower()}{h[1:]} {v}" for h, v in zip(header, row, strict=True)]
        spoken.append(", ".join(pairs) + ".")
    return at - start, spoken


def header_rows(lines: list[str]) -> list[str]:
    """The lines, a one-cell-a-line table read as rows with their column names."""
    filled = [i for i, line in enumerate(lines) if line]
    cells = [lines[i] for i in filled]
    out: list[str] = []
    index = 0
    done = 0  # lines of `lines` already handed on
    while index < len(cells):
        table = _table_at(cells, index)
        if table is None:
            index += 1
            continue
        taken, rows = table
        out.extend(lines[done : filled[index]])
        out.extend(rows)
        done = filled[index + taken - 1] + 1
        index += taken
    out.extend(lines[done:])
    return out
