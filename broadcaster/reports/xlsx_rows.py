"""The workbook's evidence rows (sheet *Nhật ký phát*), each row written as one piece of XML.

XlsxWriter's constant-memory mode writes a row's cells one call at a time, and its per-cell
work was two thirds of a province's year (250,000 rows, 19 columns): about 22 of 33 seconds.
Here a row's cells are made in one string, exactly as XlsxWriter writes them (numbers with 16
significant digits, text as inline strings with its escapes, the date and time styles), and
appended to the worksheet's own row file. The headings, the summary sheets, the styles and the
file itself stay XlsxWriter's. `RowsSheet` leans on three internals of XlsxWriter 3 (the
pending row `_write_single_row`, the extent `_check_dimensions`, the row file `fh`), hence
the pin below 4 in pyproject.toml; tests/reports/test_streaming.py holds every cell against
the workbook the cell-by-cell writer made.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from xlsxwriter.worksheet import Worksheet

from broadcaster.enums import voice_vi
from broadcaster.reports.airing_log import AiringRecord
from broadcaster.reports.cells import neutralise
from broadcaster.reports.summary import SLOT_NOW, author, filed_as, note, outcome_vi

EXCEL_EPOCH = date(1899, 12, 30)
TEXT_LIMIT = 32767  # Excel's longest cell; XlsxWriter cuts longer text there
CACHED = 20_000  # distinct texts kept ready (labels, titles, names; few per station)
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_SPACE_AT_AN_END = re.compile(r"^\s|\s$")


class RowsSheet(Worksheet):
    """A constant-memory worksheet that also takes a whole row's cells as XML."""

    def append(self, row: int, cells: str, last_column: int) -> None:
        """Row `row` (0-based, below every row written so far) made of the cells `cells`."""
        self._write_single_row(row)  # the row XlsxWriter still holds (the headings) first
        self._check_dimensions(row, last_column)
        self.fh.write(f'<row r="{row + 1}">{cells}</row>')


def _day_fraction(moment: str) -> float:
    """'2024-03-11T17:00:05+07:00' → the local time of day as a fraction of a day."""
    return (int(moment[11:13]) * 3600 + int(moment[14:16]) * 60 + int(moment[17:19])) / 86400


def inline_text(text: str) -> str:
    """A text cell's value as XlsxWriter writes it inline: control characters as _xHHHH_ (and
    a literal _xHHHH_ escaped), &, < and > as entities, spaces at either end kept."""
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text[:TEXT_LIMIT])
    text = _CONTROL.sub(lambda found: f"_x{ord(found[1]):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    keep = ' xml:space="preserve"' if _SPACE_AT_AN_END.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f' t="inlineStr"><is><t{keep}>{text}</t></is>'


class EvidenceRows:
    """Writes the evidence rows below the headings of `sheet`, one `add` per row, in the
    columns of DETAIL_HEADINGS: dates and times as Excel serial numbers in the `date` and
    `time` formats; text neutralised like the CSV's cells (hex digests cannot start a formula)."""

    def __init__(self, sheet: RowsSheet, date_format: Any, time_format: Any, first: int) -> None:
        self.sheet, self.row, self.count = sheet, first, 0
        self._date = f' s="{date_format._get_xf_index()}"'
        self._time = f' s="{time_format._get_xf_index()}"'
        self._days: dict[str, int] = {}
        self._texts: dict[str, str] = {}

    def _text(self, text: str, neutral: bool = True) -> str:
        found = self._texts.get(text)
        if found is None:
            found = inline_text(str(neutralise(text)) if neutral else text)
            if len(self._texts) < CACHED:
                self._texts[text] = found
        return found

    def add(self, r: AiringRecord) -> None:
        """Write one evidence row (rows come in planned order: constant-memory mode)."""
        self.count += 1
        n = self.row + 1
        day = r.planned_start[:10]
        if day not in self._days:
            self._days[day] = (date.fromisoformat(day) - EXCEL_EPOCH).days
        cells = [
            f'<c r="A{n}"><v>{self.count}</v></c>',
            f'<c r="B{n}"{self._date}><v>{self._days[day]}</v></c>',
        ]
        for column, moment in (("C", r.planned_start), ("D", r.started_at), ("E", r.ended_at)):
            if moment:
                cells.append(
                    f'<c r="{column}{n}"{self._time}><v>{_day_fraction(moment):.16G}</v></c>'
                )
        texts = (
            ("F", r.slot or SLOT_NOW, True), ("G", r.script_id, None), ("H", r.title, True),
            ("I", filed_as(r), True), ("J", outcome_vi(r.outcome), True),
            ("K", round(r.duration_s or 0.0, 1), None), ("L", author(r), True),
            ("M", r.approved_by, True), ("N", r.requested_by, True), ("O", voice_vi(r.voice), True),
            ("P", r.audio_sha256, False), ("Q", note(r), True), ("R", r.seq, None),
            ("S", r.row_hash, False),
        )  # fmt: skip
        for column, value, neutral in texts:
            if neutral is None:
                if value is not None:
                    cells.append(f'<c r="{column}{n}"><v>{value:.16G}</v></c>')
            elif value:
                cells.append(f'<c r="{column}{n}"{self._text(str(value), neutral)}</c>')
        self.sheet.append(self.row, "".join(cells), 18)
        self.row += 1
