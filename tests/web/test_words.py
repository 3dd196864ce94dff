"""No English on the page or in the Office's files (issue 24): the rule names of the spoken-form
table, the voices' engine ids and the notes are all said in Vietnamese; the browser test of
every page (test_browser_layout.py) reads the text each page shows for the same words."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import openpyxl

from broadcaster.services.station import Station
from tests.conftest import REPO
from tests.reports.test_kinds import _kinds_station, _seal_kinds
from tests.reports.test_report import report
from tests.web.test_browser_layout import NOTES
from web.labels import RULE_LABELS_VI

# What must not reach a person: engine ids, raw values, English notes (hashes are evidence
# in the Office's files, so they are not on this list; the page test adds them).
ENGLISH = re.compile(
    r"\b(page furniture|list marker|document symbol|table column|capitals as words|"
    r"espeak|gtts|recording:|None|Traceback|daemon|the slot|exited)\b|\{\"note\""
)


def test_every_rule_of_the_spoken_form_has_a_vietnamese_name() -> None:
    """The script page's table of changes names each rule; one without a label showed its
    English name ("table column")."""
    named = set()
    for path in (REPO / "broadcaster" / "spoken").glob("*.py"):
        named |= set(re.findall(r'(?:Rule|record)\(\s*"([^"]+)"', path.read_text("utf-8")))
    assert len(named) > 20  # the scan still finds the rules
    assert sorted(named - set(RULE_LABELS_VI)) == []


def _texts_of_every_file(station: Station) -> dict[str, str]:
    book = openpyxl.load_workbook(io.BytesIO(report(station, "xlsx")))
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    document = docx.Document(io.BytesIO(report(station, "docx")))
    words = [p.text for p in document.paragraphs]
    words += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return {
        "xlsx": "\n".join(c for c in cells if c != "None"),  # an empty cell reads None
        "docx": "\n".join(words),
        "csv": report(station, "csv").decode("utf-8-sig"),
    }


def test_the_office_s_files_hold_no_english(station: Station) -> None:
    """Kinds, voices and notes of every shape (older releases' English sentences too)."""
    from sqlalchemy import update

    from broadcaster.store.db import Airing

    _kinds_station(station)
    _seal_kinds(station)
    with station.sessions() as session:
        ids = session.scalars(Airing.__table__.select().with_only_columns(Airing.id).limit(20))
        for airing_id, why in zip(ids, NOTES * 4, strict=False):
            session.execute(
                update(Airing)
                .where(Airing.id == airing_id)
                .values(outcome="failed", error=why, voice="recording:vhxh")
            )
        session.commit()
    for name, text in _texts_of_every_file(station).items():
        found = sorted({m.group(0) for m in ENGLISH.finditer(text)})
        assert found == [], (name, found)
        assert "giọng người đọc (bản ghi âm của vhxh)" in text or name == "docx"


def test_the_words_list_catches_what_it_is_for(tmp_path: Path) -> None:
    """The list finds what the page showed before (so the tests above can fail)."""
    before = "Giọng đọc: espeak:vi. Ghi chú: The daemon was not running at the slot's time."
    assert {m.group(0) for m in ENGLISH.finditer(before)} == {"espeak", "daemon", "the slot"}
