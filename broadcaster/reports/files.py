"""The Office's files of a period, each written from one pass over its evidence rows as they
are read: one file (XLSX, DOCX, CSV or JSON), or the evidence pack, whose files are written
side by side from the same single pass into temporary files, then into the ZIP one by one.

Nothing here holds the rows: a province's year (250,000 airings) takes the memory of a month.
The DOCX holds the summary only; the summary is counted by the database (`rows.facts`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from broadcaster import notes
from broadcaster.reports import pack
from broadcaster.reports.airing_log import AiringRecord, LogCsv, LogJson
from broadcaster.reports.csv_file import CsvReport
from broadcaster.reports.streams import JsonList, RowWriter, text_over
from broadcaster.reports.summary import Summary

FORMATS = ("xlsx", "docx", "csv", "json")
# The raw log in the pack, as `broadcaster log --csv` and `--json` write it.
LOG_FORMATS = {"nhat-ky-phat.csv": "log-csv", "nhat-ky-phat.json": "log-json"}


@dataclass(frozen=True)
class Heading:
    """What the files say above their rows (the title, the chain's check in Vietnamese, the
    commune, the day they are made), and the folder for their temporary files."""

    title: str
    checked: str
    town: str
    province: str
    today: date
    tmpdir: Path | None = None


class OfficeJson:
    """The Office's JSON: the period, the check and the summary, then the rows (each with its
    note in Vietnamese and its code), written as they are given."""

    def __init__(self, out: IO[str], summary: Summary, checked: str) -> None:
        days = summary.period
        figures = asdict(summary)
        if not summary.by_relay:  # relay time only when there was any, as in the other files
            del figures["by_relay"], figures["relay_total"]
        if not summary.by_cluster_relay:
            del figures["by_cluster_relay"]
        head = {
            "period": {"name": days.name, "start": days.start.isoformat(),
                       "end": days.end.isoformat()},
            "checked": checked, "summary": figures,
        }  # fmt: skip
        options: dict[str, Any] = {"ensure_ascii": False, "default": str}
        text = json.dumps(head, indent=1, **options)
        out.write(text[: -len("\n}")] + ',\n "rows": ')
        self.out, self._rows = out, JsonList(out, 1, 1, **options)

    def add(self, record: AiringRecord) -> None:
        """Write one row."""
        note = {
            "error_vi": notes.vietnamese(record.error),
            "error_code": notes.code_of(record.error),
        }
        self._rows.add(record.fields() | note)

    def close(self) -> int:
        """Close the rows and the object; the number of rows."""
        count = self._rows.close()
        self.out.write("\n}")
        return count


def _writer(
    kind: str, out: IO[bytes], heading: Heading, summary: Callable[[], Summary], files: ExitStack
) -> RowWriter:
    """The writer of `kind` (a format, or log-csv, log-json) to `out`; text goes through a
    wrapper `files` flushes when it closes."""
    if kind == "xlsx":
        from broadcaster.reports.xlsx_file import XlsxReport  # XlsxWriter loads only here

        return XlsxReport(out, summary(), heading.title, heading.checked, heading.tmpdir)
    text = files.enter_context(text_over(out))
    if kind == "csv":
        return CsvReport(text, heading.title, heading.checked, heading.tmpdir)
    if kind == "json":
        return OfficeJson(text, summary(), heading.checked)
    return LogCsv(text) if kind == "log-csv" else LogJson(text)


def _docx(out: Path | IO[bytes], summary: Summary, heading: Heading) -> int:
    from broadcaster.reports.docx_file import write_docx  # python-docx loads only here

    write_docx(out, summary, heading.town, heading.checked, heading.today, heading.province)
    return summary.rows


def write_file(
    fmt: str, out: IO[bytes], heading: Heading, summary: Callable[[], Summary],
    records: Iterable[AiringRecord],
) -> int:  # fmt: skip
    """Write the report in `fmt` to `out` from `records` (read only by the formats that list
    rows; `summary` is called only by those that need it); the number of evidence rows."""
    if fmt == "docx":
        return _docx(out, summary(), heading)
    with ExitStack() as files:
        writer = _writer(fmt, out, heading, summary, files)
        for record in records:
            writer.add(record)
        return writer.close()


def write_pack(
    out: IO[bytes], names: dict[str, str], heading: Heading, summary: Summary,
    records: Iterable[AiringRecord], anchors: list[Path], extras: dict[str, bytes],
) -> int:  # fmt: skip
    """The evidence pack to `out`: the members `names` (member name → format or log-csv,
    log-json) from one pass over `records`, a copy of each anchor file (taken first, so its
    sum matches what is zipped while the daemon appends), the `extras`, and SHA256SUMS; the
    number of evidence rows."""
    with tempfile.TemporaryDirectory(prefix="pack-", dir=heading.tmpdir) as folder:
        members: dict[str, Path | bytes] = dict(extras)
        for path in anchors:
            members[f"ledger/{path.name}"] = Path(shutil.copy(path, Path(folder) / path.name))
        writers: list[RowWriter] = []
        with ExitStack() as files:
            for n, (name, kind) in enumerate(names.items()):
                members[name] = path = Path(folder) / f"member-{n}"
                if kind == "docx":
                    _docx(path, summary, heading)
                    continue
                member = files.enter_context(path.open("wb"))
                writers.append(_writer(kind, member, heading, lambda: summary, files))
            for record in records:
                for writer in writers:
                    writer.add(record)
            rows = [writer.close() for writer in writers]
        pack.write_pack(out, members)
    return rows[0] if rows else summary.rows
