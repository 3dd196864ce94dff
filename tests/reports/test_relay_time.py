"""Relay time in the Office's report (issue 27, item 4): a relay slot's rows (no script) are
counted apart from the bulletins, per relay slot: the parts, the minutes received whatever ended
the part, the minutes the fallback file filled, the parts whose stream was lost and those cut;
every file shows them, and the bulletins' figures do not change."""

from __future__ import annotations

import io
import json
import socket
import uuid
from datetime import date, timedelta
from pathlib import Path

import docx
import openpyxl

from broadcaster.bench.report import seed_airings
from broadcaster.enums import Outcome
from broadcaster.onair.airing_row import seal_close, seal_open
from broadcaster.services import reports
from broadcaster.services.station import Station
from broadcaster.store.db import Airing
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, services
from tests.reports.test_report import report, table_after

HEADING = "Thời gian tiếp sóng đài cấp trên (không tính vào số bản tin)"
URL = "http://vov.example/vov1.mp3"
# (slot, kind, outcome, seconds received) of the relay rows sealed below
PARTS = [
    ("VOV trưa", "relay", Outcome.PREEMPTED, 600.0),  # cut by an emergency
    ("VOV trưa", "relay", Outcome.AIRED, 1200.0),  # resumed for the rest of the slot
    ("Đài tỉnh", "relay", Outcome.INTERRUPTED, 300.0),  # the stream was lost
    ("Đài tỉnh", "fallback", Outcome.AIRED, 1500.0),  # the fallback filled the slot
]


def _seal_relays(station: Station) -> None:
    """Seal the relay rows as the runner does: opened, then closed with the receipt."""
    with station.sessions() as session:
        for attempt, (slot, kind, outcome, seconds) in enumerate(PARTS, 1):
            planned = FIXED_NOW + timedelta(hours=2)
            row = Airing(
                script_id=None, kind=kind, title=slot, slot_name=slot, attempt=attempt,
                planned_start=planned, started_at=planned, outcome=Outcome.STARTED,
                output="null", host=socket.gethostname(), uid=uuid.uuid4().hex, relay_url=URL,
            )  # fmt: skip
            key = seal_open(session, row, station.settings, None)
            row.outcome, row.received_s, row.duration_s = outcome, seconds, seconds
            row.ended_at = planned + timedelta(seconds=seconds)
            row.gaps = json.dumps([[seconds, 5.0, "dropped"]] if outcome != Outcome.AIRED else [])
            seal_close(session, row, station.settings, None, key)


def test_relay_time_is_counted_apart_from_the_bulletins_in_every_file(
    station: Station, tmp_path: Path
) -> None:
    add_draft(station, FIXED_NOW, "Cải cách hành chính.", topic="a")
    with station.sessions() as session:
        seed_airings(session, date(2024, 1, 1), 3, 2, station.settings.tz)
    with services(station, FIXED_NOW) as ctx:
        before = reports.report_summary(ctx, reports.named_period(ctx, "2024-Q1"))
    _seal_relays(station)
    with services(station, FIXED_NOW) as ctx:
        summary = reports.report_summary(ctx, reports.named_period(ctx, "2024-Q1"))
    assert (summary.total, summary.by_kind, summary.by_topic) == (
        before.total, before.by_kind, before.by_topic,
    )  # fmt: skip
    want = {
        "VOV trưa": [2, 30.0, 0.0, 0, 1],  # parts, minutes relayed, fallback, lost, cut
        "Đài tỉnh": [1, 5.0, 25.0, 1, 0],
    }
    assert {slot: f.cells() for slot, f in summary.by_relay} == want
    assert summary.relay_total.cells() == [3, 35.0, 25.0, 1, 1]

    (tmp_path / "r.xlsx").write_bytes(report(station, "xlsx"))
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    lines = table_after(book["Tổng hợp"], HEADING)
    assert {line[0]: line[1:6] for line in lines[1:-1]} == want
    assert lines[-1][:6] == ["Tổng cộng", 3, 35, 25, 1, 1]
    relayed = [r for r in book["Nhật ký phát"].iter_rows(values_only=True) if "Tiếp sóng" in r]
    assert len(relayed) == 3  # the rows sheet names each relay part as one

    (tmp_path / "r.docx").write_bytes(report(station, "docx"))
    document = docx.Document(str(tmp_path / "r.docx"))
    (table,) = [t for t in document.tables if t.rows[0].cells[0].text == "Khung giờ tiếp sóng"]
    assert [[c.text for c in row.cells][:6] for row in table.rows[1:]] == [
        ["VOV trưa", "2", "30,0", "0,0", "0", "1"],
        ["Đài tỉnh", "1", "5,0", "25,0", "1", "0"],
        ["Tổng cộng", "3", "35,0", "25,0", "1", "1"],
    ]

    body = report(station, "csv").decode("utf-8-sig")
    assert "Khung giờ tiếp sóng;Số lượt tiếp sóng" in body
    assert "Tổng cộng;3;35,0;25,0;1;1" in body
    assert body.count(";Phát tệp dự phòng (mất luồng tiếp sóng);") == 1
    assert io.StringIO(body).read().count(URL) == 0  # the report names slots, not addresses

    figures = json.loads(report(station, "json"))["summary"]
    assert figures["relay_total"] == {
        "parts": 3, "relayed_s": 2100.0, "fallback_s": 1500.0, "lost": 1, "cut": 1,
    }  # fmt: skip


def test_the_log_page_shows_each_relay_part_with_its_kind(station: Station) -> None:
    from broadcaster.web import create_app

    from tests.web.test_log_pages import login, shown

    _seal_relays(station)
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    try:
        page = login(app).get("/log/", query_string={"from": "2024-03-11", "to": "2024-03-11"})
    finally:
        app.extensions["broadcaster"].engine.dispose()
    assert len(shown(page.text)) == len(PARTS)
    assert page.text.count('<td data-label="Chủ đề hoặc loại">Tiếp sóng</td>') == 3
    assert "Phát tệp dự phòng (mất luồng tiếp sóng)" in page.text
    assert "4 lượt phát" in page.text


def test_a_lost_relay_is_a_problem_on_the_status_page_and_its_parts_are_last_outcomes(
    station: Station,
) -> None:
    from broadcaster.web import create_app

    from broadcaster.notes import NoteCode, note
    from broadcaster.store.db import Problem
    from tests.web.test_log_pages import login

    lost = note(
        NoteCode.RELAY_LOST, slot="VOV trưa", at="11:00 11/03/2024", url=URL,
        fallback="nhac-du-phong.mp3",
    )  # fmt: skip
    _seal_relays(station)
    with station.sessions() as session:
        session.add(Problem(at=FIXED_NOW, message=lost.stored()))
        session.commit()
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    try:
        page = login(app).get("/status/")
    finally:
        app.extensions["broadcaster"].engine.dispose()
    assert (
        "Tiếp sóng VOV trưa lúc 11:00 11/03/2024: mất luồng http://vov.example/vov1.mp3; "
        "phát tệp dự phòng nhac-du-phong.mp3."
    ) in page.text
    assert '<td data-label="Bản tin">Đài tỉnh</td>' in page.text  # the latest parts aired
