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


class JsonList:
    """A JSON array written item by item to `out`, byte for byte what `json.dumps` with the same
    `indent` and `options` writes for the whole list, `depth` levels deep in an enclosing
    value (a JSON string never holds a raw line break, so each item's lines are indented)."""

    def __init__(self, out: IO[str], indent: int, depth: int = 0, **options: Any) -> None:
        self.out, self.indent, self.depth, self.options = out, indent, depth, options
        self.count = 0
        self._line = "\n" + " " * (indent * (depth + 1))

    def add(self, item: object) -> None:
        """Write one item."""
        text = json.dumps(item, indent=self.indent, **self.options)
        self.out.write(("[" if self.count == 0 else ",") + self._line)
        self.out.write(text.replace("\n", self._line))
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
