"""The Office's files written as the rows are read (issue 25): the same files as before, byte
for byte where they are deterministic, a pack whose members are all there and verify, and one
read of the rows per file.

The files kept in tests/data/report-files/ were made by the code before the streaming writers
(commit 4f9e647, where every file was built in memory) from the station below;
`WRITE_REPORT_FILES=1` makes them again after a deliberate change of a format.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import event, select, update

from broadcaster.bench.report import seed_airings
from broadcaster.enums import Kind, Priority
from broadcaster.programme.periods import Period
from broadcaster.reports.streams import JsonList
from broadcaster.services import reports
from broadcaster.services.context import Context
from broadcaster.services.station import Station
from broadcaster.store.db import Airing, Script
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, services

KEPT = Path(__file__).parents[1] / "data" / "report-files"
STEM = "bao-cao-phat-thanh-20240301-20240320"
# What each member of the pack is compared as: its bytes, or its cells (XLSX and DOCX carry
# the time they were made, so their bytes differ from run to run).
DETERMINISTIC = (
    f"{STEM}.csv",
    f"{STEM}.json",
    "nhat-ky-phat.csv",
    "nhat-ky-phat.json",
    "kiem-tra.txt",
)  # fmt: skip (the first two are the downloads' own, kept as such)


@pytest.fixture
def month(station: Station) -> Station:
    """Every plan topic, a title that would be a formula, an emergency and a notice; six
    sealed airings a day from 1 to 10 March 2024 (the period runs to the 20th) with their anchor files; the chain verified
    at FIXED_NOW, so every file says the same about it."""
    ids = [
        add_draft(station, FIXED_NOW, f"Nội dung {n}.", topic=topic, title=title)
        for n, (topic, title) in enumerate([
            ("a", "CCHC a"), ("b", "CCHC b"), ("c", "CCHC c"), ("d", "CCHC d"), ("đ", "CCHC đ"),
            ("c", '=HYPERLINK("http://x","bấm")'), ("a", "Bão số 3"), ("a", "Cắt điện"),
        ])
    ]  # fmt: skip
    with station.sessions() as session:
        session.execute(
            update(Script).where(Script.id == ids[6])
            .values(priority=Priority.EMERGENCY, kind=Kind.EMERGENCY)
        )  # fmt: skip
        session.execute(update(Script).where(Script.id == ids[7]).values(kind=Kind.NOTICE))
        session.commit()
        seed_airings(session, date(2024, 3, 1), 10, 6, station.settings.tz,
                     station.settings.var_path / "ledger")  # fmt: skip
        for script in session.scalars(select(Script)):
            session.execute(
                update(Airing).where(Airing.script_id == script.id).values(kind=script.kind.value)
            )
        session.commit()
    with services(station, FIXED_NOW) as ctx:
        assert reports.check_log(ctx, full=True).ok
    return station


def _days(ctx: Context) -> Period:
    return reports.period(ctx, "2024-03-01", "2024-03-20")


def _cells(body: bytes) -> list[list[list[object]]]:
    """Every sheet's cells, as JSON would keep them (dates and times as text)."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheets = [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book]
    return json.loads(json.dumps(sheets, default=str, ensure_ascii=False))


def _made(station: Station) -> dict[str, bytes]:
    """The report in each format and the pack's members, as a download makes them."""
    made: dict[str, bytes] = {}
    with services(station, FIXED_NOW) as ctx:
        for fmt in ("csv", "json", "xlsx", "docx"):
            made[fmt] = reports.office_report(ctx, _days(ctx), fmt, record=False).body
        pack = reports.evidence_pack(ctx, _days(ctx), record=False).body
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        made |= {f"pack/{name}": archive.read(name) for name in archive.namelist()}
    return made


def _kept(made: dict[str, bytes]) -> dict[str, object]:
    """What is compared with the files kept: bytes as text, a workbook as its cells."""
    return {
        "csv": made["csv"].decode("utf-8"), "json": made["json"].decode("utf-8"),
        "xlsx": _cells(made["xlsx"]),
        "pack-members": sorted(name for name in made if name.startswith("pack/")),
        **{f"pack/{name}": made[f"pack/{name}"].decode("utf-8") for name in DETERMINISTIC[2:]},
        **{name: made[name].decode("ascii") for name in made if name.startswith("pack/ledger/")},
    }  # fmt: skip


def test_the_files_are_what_they_were_before_they_streamed(month: Station) -> None:
    found = _kept(_made(month))
    kept = KEPT / "march-2024.json"
    if os.environ.get("WRITE_REPORT_FILES"):
        KEPT.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    before = json.loads(kept.read_text(encoding="utf-8"))
    assert sorted(found) == sorted(before)
    for name, content in before.items():
        assert found[name] == content, name


def test_the_pack_holds_every_file_and_each_verifies(month: Station) -> None:
    made = _made(month)
    members = {name.removeprefix("pack/"): body for name, body in made.items() if "/" in name}
    sums = members.pop("SHA256SUMS").decode("ascii").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in sums)
    assert sorted(listed) == sorted(members)
    for name, body in members.items():
        assert hashlib.sha256(body).hexdigest() == listed[name], name
    anchors = sorted(name for name in members if name.startswith("ledger/"))
    assert anchors[0] == "ledger/2024-03-01.log" and anchors[-1] == "ledger/2024-03-10.log"
    assert len(anchors) == 10
    # The pack's files are the downloads' files.
    assert members[f"{STEM}.csv"] == made["csv"] and members[f"{STEM}.json"] == made["json"]
    assert _cells(members[f"{STEM}.xlsx"]) == _cells(made["xlsx"])
    rows = json.loads(made["json"])["rows"]
    assert len(rows) == 60 and members["nhat-ky-phat.csv"].count(b"\n") == 61


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "docx"])
def test_each_file_reads_the_rows_once_or_not_at_all(month: Station, fmt: str) -> None:
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(month.engine, "before_cursor_execute", seen)
    try:
        with services(month, FIXED_NOW) as ctx:
            made = reports.office_report(ctx, _days(ctx), fmt, record=False)
            made.file.close()
    finally:
        event.remove(month.engine, "before_cursor_execute", seen)
    reads = [s for s in statements if "max(airing_event.seq)" in s]
    summaries = [s for s in statements if "sum(airing.duration_s)" in s]
    assert len(reads) == (0 if fmt == "docx" else 1), reads
    assert len(summaries) == (0 if fmt == "csv" else 1), summaries  # the CSV counts its own
    assert made.rows == 60


ITEMS = [
    {"id": 1, "title": "Bản tin \"trích\" \\ / \t", "duration_s": 123.4, "seq": None, "ok": True},
    {"a": 1.0e-7, "b": -0.0, "c": "", "d": False, "e": 10**20},
    {}, [], {"nested": {"list": [1, {"x": None}], "empty": {}}}, "text", 3.5, None,
]  # fmt: skip


@pytest.mark.parametrize("indent", [1, 2])
@pytest.mark.parametrize("items", [[], ITEMS[:1], ITEMS], ids=["none", "one", "all"])
def test_a_json_list_written_item_by_item_is_what_json_dumps_writes(
    indent: int, items: list[object]
) -> None:
    whole = json.dumps({"head": {"x": 1}, "rows": items}, indent=indent, ensure_ascii=False)
    out = io.StringIO()
    head = json.dumps({"head": {"x": 1}}, indent=indent, ensure_ascii=False)
    out.write(head[: -len("\n}")] + ",\n" + " " * indent + '"rows": ')
    rows = JsonList(out, indent, 1, ensure_ascii=False)
    for item in items:
        rows.add(item)
    assert rows.close() == len(items)
    out.write("\n}")
    assert out.getvalue() == whole
    alone = io.StringIO()
    listed = JsonList(alone, indent, ensure_ascii=True)
    for item in items:
        listed.add(item)
    listed.close()
    assert alone.getvalue() == json.dumps(items, indent=indent)
