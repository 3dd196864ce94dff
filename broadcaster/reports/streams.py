"""Writing as the rows arrive: what every file writer of the reports offers (`RowWriter`), a
JSON list written item by item, and text over a binary file.

A province's year is 250,000 rows; none of the writers holds them: each row is written (or
counted) when it is read, so memory stays the same for a month and for a year.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the log's writers use these helpers too
    from broadcaster.reports.airing_log import AiringRecord


class RowWriter(Protocol):
    """A file written from the period's evidence rows, given one at a time in planned order."""

    def add(self, record: AiringRecord) -> None:
        """Write (or count) one row."""

    def close(self) -> int:
        """Finish the file; the number of rows it holds."""


_SCALARS = (str, int, float, type(None))  # bool is an int


class JsonList:
    """A JSON array written item by item to `out`, byte for byte what `json.dumps` with the same
    `indent` and `options` writes for the whole list, `depth` levels deep in an enclosing
    value (a JSON string never holds a raw line break, so each item's lines are indented).

    An evidence row is a flat object: it is written by the C encoder (which `json` uses only
    without `indent`), its separators carrying the line breaks and indents that `indent` would
    write; anything nested goes through the indenting encoder, made once."""

    def __init__(self, out: IO[str], indent: int, depth: int = 0, **options: Any) -> None:
        self.out, self.indent, self.depth = out, indent, depth
        self.count = 0
        self._line = "\n" + " " * (indent * (depth + 1))
        inner = "\n" + " " * (indent * (depth + 2))
        self._flat = json.JSONEncoder(separators=("," + inner, ": "), **options)
        self._nested = json.JSONEncoder(indent=indent, **options)
        self._open, self._close = "{" + inner, self._line + "}"

    def add(self, item: object) -> None:
        """Write one item."""
        if isinstance(item, dict) and item and all(isinstance(v, _SCALARS) for v in item.values()):
            text = self._open + self._flat.encode(item)[1:-1] + self._close
        else:
            text = self._nested.encode(item).replace("\n", self._line)
        self.out.write(("[" if self.count == 0 else ",") + self._line + text)
        self.count += 1

    def close(self) -> int:
        """Close the array; the number of items."""
        self.out.write("\n" + " " * (self.indent * self.depth) + "]" if self.count else "[]")
        return self.count


@contextmanager
def text_over(out: IO[bytes]) -> Iterator[IO[str]]:
    """UTF-8 text written to the binary file `out`, which stays open (newlines as written)."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        yield text
    finally:
        text.flush()
        text.detach()
