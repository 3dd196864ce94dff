"""Vietnamese dates and numbers in the Office's files and on the page (issue 24): periods in
words, a decimal comma, dd/mm/yyyy, and a CSV for a Vietnamese Excel; the machine formats
(`log --csv`, `--json`, the command line's ISO dates) stay as they were."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import docx
import pytest
from broadcaster.web import create_app

from broadcaster.bench.report import seed_airings
from broadcaster.errors import BroadcasterError
from broadcaster.programme.periods import name_vi
from broadcaster.reports.cells import decimal_vi
from broadcaster.services import reports
from broadcaster.services.station import Station
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW
from tests.helpers import add_draft, services
from tests.reports.test_report import report


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("2026-Q4", "Quý IV/2026"), ("2026-Q1", "Quý I/2026"),
        ("2026-H1", "6 tháng đầu năm 2026"), ("2026-H2", "6 tháng cuối năm 2026"),
        ("2026", "Năm 2026"), ("2026-03", "Tháng 03/2026"),
    ],
)  # fmt: skip
def test_periods_are_named_in_words(name: str, words: str) -> None:
    assert name_vi(name) == words


def test_a_decimal_is_written_with_a_comma() -> None:
    assert decimal_vi(1.1) == "1,1" and decimal_vi(416.25) == "416,2" and decimal_vi(3) == 3


@pytest.fixture
def aired(station: Station) -> Station:
    add_draft(station, FIXED_NOW, "Cải cách hành chính.", topic="a")
    with station.sessions() as session:
        seed_airings(session, date(2024, 1, 1), 20, 3, station.settings.tz)
    return station


def test_the_office_s_csv_is_for_a_vietnamese_excel(aired: Station) -> None:
    body = report(aired, "csv")
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[2][0] == "Tháng" and len(rows[2]) == 6
    assert "kỳ Quý I/2024" in rows[0][0]
    month = next(row for row in rows if row and row[0] == "01/2024")
    assert "," in month[4] and "." not in month[4]  # minutes with a decimal comma
    first = rows[next(n for n, row in enumerate(rows) if row[:1] == ["STT"]) + 1]
    assert first[1] == "01/01/2024"


def test_the_machine_formats_stay_as_they_were(aired: Station) -> None:
    with services(aired, FIXED_NOW) as ctx:
        log = reports.log_csv(reports.airing_log(ctx, None))
        with pytest.raises(BroadcasterError):
            reports.parse_day("31/03/2024")  # the command line takes ISO days only
        assert reports.parse_day("31/03/2024", day_first=True) == date(2024, 3, 31)
    header = log.splitlines()[0]
    assert header.startswith("id,planned_start,") and "kind" not in header
    assert "2024-01-01T" in log


def test_the_docx_names_the_period_in_words_and_writes_decimal_commas(
    aired: Station, tmp_path: Path
) -> None:
    (tmp_path / "r.docx").write_bytes(report(aired, "docx"))
    document = docx.Document(str(tmp_path / "r.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Kỳ báo cáo Quý I/2024: từ ngày 15/12/2023 đến ngày 14/03/2024" in text
    minutes = [row.cells[3].text for row in document.tables[2].rows[1:]]
    assert minutes and all("." not in cell for cell in minutes)
    assert any("," in cell for cell in minutes)


def test_the_page_takes_and_shows_dd_mm_yyyy(aired: Station) -> None:
    app = create_app(aired.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    with app.test_client() as client:
        from tests.web.test_web import login

        login(client, "admin", ADMIN_PASSWORD)
        page = client.get("/log/report?from=01/01/2024&to=20/01/2024").get_data(as_text=True)
        assert "từ 01/01/2024 đến 20/01/2024" in page
        assert 'type="date"' not in page  # the browser's own box shows mm/dd/yyyy in English
        assert 'value="01/01/2024" data-date-vi' in page and "dd/mm/yyyy" in page
        quarter = client.get("/log/report?period=2024-Q1").get_data(as_text=True)
        assert ">Quý I/2024</option>" in quarter and ">6 tháng đầu năm 2024</option>" in quarter
        assert "Kỳ Quý I/2024:" in quarter
        log = client.get("/log/?from=01/01/2024&to=02/01/2024").get_data(as_text=True)
        assert 'value="01/01/2024"' in log and 'value="02/01/2024"' in log
    app.extensions["broadcaster"].engine.dispose()


def test_a_commune_s_report_is_dated_at_its_whole_name(aired: Station, tmp_path: Path) -> None:
    from broadcaster.reports.docx_file import write_docx

    with services(aired, FIXED_NOW) as ctx:
        summary = reports.report_summary(ctx, reports.named_period(ctx, "2024-Q1"))
    write_docx(tmp_path / "r.docx", summary, "xã Tân Lập", "—", date(2024, 3, 20), "tỉnh Phú Thọ")
    header = docx.Document(str(tmp_path / "r.docx")).tables[0].rows[0].cells[1].text
    assert "Tân Lập, ngày 20 tháng 3 năm 2024" in header
