"""A Word document's text in reading order: paragraphs, text boxes and tables.

Tables are kept in the script body as Markdown pipe rows (the editor shows them and the
content hash covers them; the spoken form reads them row by row), except a letterhead or
signature table, which becomes plain lines, column by column, so that the letterhead and the
recipients are recognised as such (`letterhead.py`) rather than read as cells. Text boxes
(a letterhead drawn as two boxes) give their paragraphs as lines before their anchor's text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from broadcaster.intake.letterhead import is_caps_line, is_letterhead_line, is_letterhead_table

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_TEXTBOX = f"{{{_W}}}txbxContent"
_PARAGRAPH = f"{{{_W}}}p"
_TEXT = f"{{{_W}}}t"
_FALLBACK = f"{{{_MC}}}Fallback"


def document_lines(document: Document) -> list[str]:
    """Every block of the body as lines, in reading order."""
    from docx.table import Table

    lines: list[str] = []
    leading = True  # no text read yet: a table here may be the letterhead
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = table_cells(block)
            if is_letterhead_table(rows, leading):
                lines.extend(_column_lines(rows))
            else:
                lines.extend(_markdown_rows(rows))
        else:
            lines.extend(_text_box_lines(block._p))
            lines.append(block.text)
        leading = leading and _only_head(lines)
    return lines


def _only_head(lines: list[str]) -> bool:
    """Whether all read so far is the letterhead's kind of line (a table may still follow)."""
    return all(not s.strip() or is_caps_line(s) or is_letterhead_line(s.strip()) for s in lines)


def _text_box_lines(paragraph: Any) -> list[str]:
    """The paragraphs of the text boxes anchored in a paragraph (Word writes each box twice,
    as DrawingML and as a VML fallback: the fallback is skipped)."""
    out = []
    for box in paragraph.iter(_TEXTBOX):
        if any(a.tag == _FALLBACK for a in box.iterancestors()):
            continue
        for p in box.iter(_PARAGRAPH):
            text = "".join(t.text or "" for t in p.iter(_TEXT)).strip()
            if text:
                out.append(text)
    return out


def table_cells(table: Table) -> list[list[str]]:
    """A table's rows of cell texts (paragraphs joined by newlines), merged cells said once."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats itself across the columns
                continue
            seen.add(id(cell._tc))
            cells.append("\n".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        rows.append(cells)
    return rows


def _column_lines(rows: list[list[str]]) -> list[str]:
    """A letterhead table as lines: the left column top to bottom, then the right one."""
    width = max((len(row) for row in rows), default=0)
    return [
        line
        for column in range(width)
        for row in rows
        if column < len(row)
        for line in row[column].split("\n")
        if line.strip()
    ]


def _markdown_rows(rows: list[list[str]]) -> list[str]:
    """A table as Markdown rows: the first row the header."""
    out = []
    for row in rows:
        cells = [cell.replace("\n", " ").replace("|", "/") for cell in row]
        if any(cells):
            out.append("| " + " | ".join(cells) + " |")
    if len(out) > 1:
        out.insert(1, "|" + " --- |" * out[0].count(" | ") + " --- |")
    return out
