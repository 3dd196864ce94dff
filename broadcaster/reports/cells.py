"""Spreadsheet cells that cannot run: text a spreadsheet would read as a formula gets a quote.

A CSV reader may split a line at "," or at ";" (the list separator of Windows set to
Vietnamese, where the decimal mark is a comma), whatever separator the file was written
with; then `Tin thường;=cmd|' /C calc'!A0` is two cells, the second a formula. So every
piece of a text cell that starts after a "," or a ";" is treated as a cell of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Excel, LibreOffice and Google Sheets start a formula (or a DDE call) at these characters;
# a tab or carriage return in front hides one from a reader but not from the spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The start of the text or of a piece after a separator, then spaces or a double quote a
# reader drops, then a character that starts a formula: the quote goes just before it.
_FORMULA_AHEAD = re.compile(r'(^|[,;])([ "]*)(?=[=+\-@\t\r])')


def neutralise(value: object) -> object:
    """`value` for a CSV cell: each piece of text that would start a formula, at its start or
    after a "," or ";", gets a single quote in front.

    Numbers stay numbers (a negative figure is not text, so it is left alone); only text
    is changed, and only where a spreadsheet would start a formula.
    """
    if isinstance(value, str):
        return _FORMULA_AHEAD.sub(lambda found: found.group(1) + found.group(2) + "'", value)
    return value


def neutralise_row(row: Iterable[object]) -> list[object]:
    """Every cell of a CSV row through `neutralise`."""
    return [neutralise(value) for value in row]


def decimal_vi(value: object) -> object:
    """A figure as Vietnamese writes it: a decimal comma (1,1 minutes); whole numbers and
    text unchanged."""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return value


def date_vi(iso_day: str) -> str:
    """'2024-03-31' as '31/03/2024' (empty stays empty)."""
    return f"{iso_day[8:10]}/{iso_day[5:7]}/{iso_day[:4]}" if iso_day else ""
