"""Spreadsheet cells that cannot run: text a spreadsheet would read as a formula gets a quote."""

from __future__ import annotations

from collections.abc import Iterable

# Excel, LibreOffice and Google Sheets start a formula (or a DDE call) at these characters;
# a tab or carriage return in front hides one from a reader but not from the spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """`value` for a CSV cell: text that would start a formula gets a leading single quote.

    Numbers stay numbers (a negative figure is not text, so it is left alone); only text
    is changed, and only when its first character would start a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row: Iterable[object]) -> list[object]:
    """Every cell of a CSV row through `neutralise`."""
    return [neutralise(value) for value in row]
