"""The evidence rows' XML made in one piece is what XlsxWriter writes cell by cell, for every
kind of text a title, a name or a player's error can hold."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from broadcaster.reports.xlsx_rows import RowsSheet, inline_text

TEXTS = [
    "Bản tin thường", " spaces at both ends ", "tab\tand\nnew line", "a & b < c > d \"q\" 'a'",
    "control \x01\x07\x1f here", "_x0041_ looks like an escape", "\ufffe\uffff", "=1+1",
    "x" * 40_000,
]  # fmt: skip


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_a_text_cell_is_written_as_xlsxwriter_writes_it(text: str, tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(tmp_path / "own.xlsx", {"constant_memory": True})
    book.add_worksheet().write_string(0, 0, text)
    book.close()
    with zipfile.ZipFile(tmp_path / "own.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    found = re.search(r'<c r="A1"(.*?)</c>', sheet, re.S)
    assert found is not None and found[1] == inline_text(text)


def _read(path: Path) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(path)["rows"].iter_rows(values_only=True))


def test_rows_in_one_piece_read_back_as_cell_by_cell(tmp_path: Path) -> None:
    """Also a text XlsxWriter would take as raw XML ('<r>…</r>'): here it is text like any
    other (a title a person typed)."""
    texts = [*TEXTS[:-1], "<r>raw</r>"]
    for name, whole in (("cells", False), ("rows", True)):
        book = xlsxwriter.Workbook(tmp_path / f"{name}.xlsx", {"constant_memory": True})
        sheet = book.add_worksheet("rows", worksheet_class=RowsSheet)
        sheet.write_string(0, 0, "heading")
        for row, text in enumerate(texts, start=1):
            if whole:
                cells = (
                    f'<c r="A{row + 1}"{inline_text(text)}</c><c r="B{row + 1}"><v>{row}</v></c>'
                )
                sheet.append(row, cells, 1)
            else:
                sheet.write_string(row, 0, text)
                sheet.write_number(row, 1, row)
        book.close()
    by_cells, by_rows = _read(tmp_path / "cells.xlsx"), _read(tmp_path / "rows.xlsx")
    assert by_rows[:-1] == by_cells[:-1] and by_rows[0] == ("heading", None)
    # XlsxWriter's own cell writer put that one in as XML (it reads back without its text).
    assert by_rows[-1] == ("<r>raw</r>", len(texts)) and by_cells[-1][0] != "<r>raw</r>"
