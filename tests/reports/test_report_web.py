"""The report page: summary and chart before the downloads, the downloads, the full check,
and the plan warning on the status page and in `broadcaster status`."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import openpyxl
import pytest
from broadcaster.web import create_app
from broadcaster.web import log as web_log
from flask.testing import FlaskClient

from broadcaster.bench.report import seed_airings
from broadcaster.evidence import checkpoint, ledger
from broadcaster.services.health import check_health
from broadcaster.services.station import Station
from broadcaster.store.users import create_user
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, services

PASSWORD = "mat-khau-van-phong"


@pytest.fixture
def client(station: Station):  # type: ignore[no-untyped-def]
    """Logged in as the Office, over a station with January to mid-March 2024 aired."""
    with station.sessions() as session:
        create_user(session, "vanphong", PASSWORD, "office")
        session.commit()
    for topic in ("a", "c"):
        add_draft(station, FIXED_NOW, f"Bản tin {topic}.", topic=topic, title=f"Bản tin {topic}")
    with station.sessions() as session:
        seed_airings(session, date(2024, 1, 1), 70, 2, station.settings.tz,
                     station.settings.var_path / "ledger")  # fmt: skip
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    web_log._summaries.clear()
    with app.test_client() as client:
        form = {"name": "vanphong", "password": PASSWORD, "csrf_token": token(client, "/login")}
        assert client.post("/login", data=form).status_code == 302
        yield client
    app.extensions["broadcaster"].engine.dispose()


def token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found
    return found.group(1)


def test_the_page_shows_the_summary_and_chart_before_the_downloads(
    client: FlaskClient, station: Station
) -> None:
    page = client.get("/log/report?period=2024-Q1").get_data(as_text=True)
    assert "Báo cáo kết quả tuyên truyền CCHC" in page
    assert "từ 15/12/2023 đến 14/03/2024" in page
    with services(station, FIXED_NOW) as ctx:
        from broadcaster.services import reports

        summary = reports.report_summary(ctx, reports.named_period(ctx, "2024-Q1"))
    total = summary.total
    cells = re.sub(r' data-label="[^"]*"', "", page)  # phones read the headings from these
    minutes = f"{total.minutes:.1f}".replace(".", ",")  # Vietnamese writes 416,3
    assert (
        f"<td>Tổng cộng</td><td>{total.bulletins}</td><td>{total.aired}</td><td>{minutes}</td>"
    ) in cells
    assert page.index("<svg") < page.index("Tải báo cáo") < page.index("Tải Excel (.xlsx)")
    # The CSP forbids inline code and style: scripts only as files, no style attributes.
    assert re.findall(r"<script[^>]*>", page) == re.findall(
        r'<script src="/static/[a-z]+\.js" defer>', page
    )
    assert " style=" not in page
    assert page.count("<rect") >= 3 * 2 + 5  # three months of two topics, and the legend
    assert "Còn thiếu" in page and "Số liệu kế hoạch là ví dụ" in page
    # The default is this quarter; a wrong name is said in Vietnamese, the year shown instead.
    assert "từ 15/12/2023 đến 14/03/2024" in client.get("/log/report").get_data(as_text=True)
    wrong = client.get("/log/report?period=2024-Q7").get_data(as_text=True)
    assert "“2024-Q7” không phải kỳ báo cáo" in wrong and "từ 15/12/2023 đến 14/12/2024" in wrong


def test_the_summary_is_cached_until_the_chain_moves(client: FlaskClient, station: Station) -> None:
    client.get("/log/report?period=2024-Q1")
    (first,) = web_log._summaries.values()
    client.get("/log/report?period=2024-Q1")
    (again,) = web_log._summaries.values()
    assert again is first  # the second view counted nothing
    with station.sessions() as session:
        seed_airings(session, date(2024, 3, 12), 1, 2, station.settings.tz)
    page = client.get("/log/report?period=2024-Q1").get_data(as_text=True)
    assert len(web_log._summaries) == 2  # a new head: counted again, with the new airings
    with services(station, FIXED_NOW) as ctx:
        from broadcaster.services import reports

        rows = reports.airing_log(ctx, reports.named_period(ctx, "2024-Q1"))
    assert f"({len(rows)} lượt phát trong nhật ký)" in page


def test_downloads_are_posted_and_move_the_checkpoint(
    client: FlaskClient, station: Station
) -> None:
    var = station.settings.var_path
    csv_answer = client.get("/log/report.csv?from=2024-01-01&to=2024-01-31")
    assert csv_answer.status_code == 200 and csv_answer.mimetype == "text/csv"
    assert checkpoint.load(var) is None  # a GET writes nothing
    form = {"csrf_token": token(client, "/log/report"), "period": "2024-Q1", "format": "xlsx"}
    answer = client.post("/log/report/download", data=form)
    assert answer.status_code == 200
    assert "bao-cao-phat-thanh-20231215-20240314.xlsx" in answer.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["Tổng hợp", "Kế hoạch", "Nhật ký phát"]
    saved = checkpoint.load(var)
    with station.sessions() as session:
        assert saved is not None and (saved.seq, saved.hash) == ledger.head(session)
    pack = client.post("/log/report/download", data=form | {"format": "pack"})
    assert pack.status_code == 200 and pack.mimetype == "application/zip"
    assert "SHA256SUMS" in zipfile.ZipFile(io.BytesIO(pack.data)).namelist()
    assert client.post("/log/report/download", data=form | {"format": "pdf"}).status_code == 400
    no_period = {"csrf_token": form["csrf_token"], "format": "csv"}
    assert client.post("/log/report/download", data=no_period).status_code == 400
    no_token = {k: v for k, v in form.items() if k != "csrf_token"}
    refused = client.post("/log/report/download", data=no_token)
    assert refused.status_code != 200 and not refused.data.startswith(b"PK")


def test_the_full_check_button_says_the_result(client: FlaskClient) -> None:
    form = {"csrf_token": token(client, "/log/report"), "period": "2024-Q1"}
    answer = client.post("/log/report/verify", data=form, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Đã kiểm tra toàn bộ chuỗi lúc này: bản ghi 1 đến" in page
    assert "Chuỗi niêm phong đã kiểm tra đến bản ghi" in page


def test_status_warns_of_a_topic_behind_the_plan(client: FlaskClient, station: Station) -> None:
    page = client.get("/status/").get_data(as_text=True)
    # Topics b, d and đ never aired: behind after 88 days of the quarter; a and c are not.
    for topic in ("b", "d", "đ"):
        assert f"Chủ đề {topic} đang chậm so với kế hoạch kỳ Quý I/2024" in page
    assert "Chủ đề a đang chậm" not in page and "Chủ đề c đang chậm" not in page
    with services(station, FIXED_NOW) as ctx:
        lag = next(
            lag
            for lag in check_health(ctx.settings, ctx.session, ctx.now()).plan_behind
            if lag.topic == "b"
        )
    assert lag.sentence() == (
        "Plan: topic b is behind in 2024-Q1: 0 of 2 airing(s) expected so far have aired."
    )


def test_the_log_page_links_to_the_reporting_quarter_and_the_report(client: FlaskClient) -> None:
    page = client.get("/log/?from=2024-03-01&to=2024-03-11").get_data(as_text=True)
    assert "from=2023-12-15&amp;to=2024-03-11" in page  # Q1 starts on 15 December
    assert 'href="/log/report"' in page


def test_without_a_commune_name_every_page_says_how_and_downloads_are_refused(
    station: Station,
) -> None:
    """Issue 24: nothing asked the clerk to set the town, and the report named the default."""
    from broadcaster.config import load_settings

    with station.sessions() as session:
        create_user(session, "vanphong", PASSWORD, "office")
        session.commit()
    unnamed = load_settings(station.settings.base_dir, environ={"BROADCASTER_TOWN": ""})
    app = create_app(unnamed, {"TESTING": True}, clock=lambda: FIXED_NOW)
    with app.test_client() as client:
        login_page = client.get("/login").get_data(as_text=True)
        assert "broadcaster init --town" in login_page
        form = {"name": "vanphong", "password": PASSWORD, "csrf_token": token(client, "/login")}
        assert client.post("/login", data=form).status_code == 302
        for path in ("/scripts/", "/log/", "/log/report", "/status/"):
            page = client.get(path).get_data(as_text=True)
            assert 'id="chua-dat-ten-xa"' in page, path
        refused = client.post(
            "/log/report/download",
            data={"period": "2024-Q1", "format": "docx", "csrf_token": token(client, "/log/")},
        )
        assert refused.status_code == 409
        assert "Chưa đặt tên xã và tỉnh" in refused.get_data(as_text=True)
        assert client.get("/log/report.csv?from=2024-01-01&to=2024-01-31").status_code == 409
    app.extensions["broadcaster"].engine.dispose()


def test_a_named_commune_shows_no_banner(client: FlaskClient) -> None:
    page = client.get("/log/report?period=2024-Q1").get_data(as_text=True)
    assert 'id="chua-dat-ten-xa"' not in page and 'id="ten-xa-mau"' not in page
    assert 'id="theo-loai"' in page
