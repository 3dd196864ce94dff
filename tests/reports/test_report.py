"""The Office's report: every figure in the XLSX, DOCX, CSV and JSON recounted from the log.

A real station (SQLite, and PostgreSQL when one is given) holds a quarter of sealed airings
and a few days either side; the expected figures are counted here from the airing log as
`broadcaster log` reads it, independently of the report's own counting in the database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from collections import Counter, defaultdict
from datetime import date, datetime, time
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import event, update

from broadcaster.bench.report import seed_airings
from broadcaster.cli import main
from broadcaster.enums import Topic, label_vi
from broadcaster.services import health, reports
from broadcaster.services.station import Station
from broadcaster.store.db import Airing
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, cli_env, services

Q1 = ("2024-Q1", date(2023, 12, 15), date(2024, 3, 14))
TOPICS = [t.value for t in Topic]


@pytest.fixture
def quarter(station: Station) -> Station:
    """Scripts of every topic (one with a title that would be a formula), and six airings a
    day from 10 Dec 2023 to 18 Mar 2024 (before, across and after the first quarter)."""
    for n, topic in enumerate([*TOPICS, "c"]):
        title = '=HYPERLINK("http://x","bấm")' if n == 5 else f"Bản tin chủ đề {topic}"
        add_draft(station, FIXED_NOW, f"Nội dung bản tin số {n}.", topic=topic, title=title)
    with station.sessions() as session:
        seed_airings(
            session, date(2023, 12, 10), 100, 6, station.settings.tz,
            station.settings.var_path / "ledger",
        )  # fmt: skip
    return station


def expected(station: Station) -> dict[str, object]:
    """The figures of the first quarter counted from the log rows."""
    with services(station, FIXED_NOW) as ctx:
        rows = reports.airing_log(ctx, reports.named_period(ctx, "2024-Q1"))
    by: dict[str, dict[str, Counter[str]]] = {
        "topic": defaultdict(Counter), "month": defaultdict(Counter), "slot": defaultdict(Counter),
    }  # fmt: skip
    scripts: dict[str, dict[str, set[int]]] = {k: defaultdict(set) for k in by}
    for r in rows:
        keys = {"topic": r.topic, "month": r.planned_start[:7], "slot": r.slot or "phát ngay"}
        for kind, key in keys.items():
            by[kind][key][r.outcome] += 1
            if r.outcome == "aired":
                by[kind][key]["seconds"] += round((r.duration_s or 0) * 1000)
                scripts[kind][key].add(r.script_id)
    return {"rows": rows, "by": by, "scripts": scripts}


def figures(counts: Counter[str], scripts: set[int]) -> list[object]:
    """A summary line as the report writes it: bulletins, aired, minutes, failed, missed,
    interrupted."""
    return [
        len(scripts), counts["aired"], round(counts["seconds"] / 60000, 1), counts["failed"],
        counts["missed"], counts["interrupted"] + counts["preempted"],
    ]  # fmt: skip


def table_after(sheet: openpyxl.worksheet.worksheet.Worksheet, heading: str) -> list[list[object]]:
    """The rows of the table under `heading` on a summary sheet, up to its total."""
    found, lines = False, []
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] == heading:
            found = True
            continue
        if found:
            lines.append(list(row))
            if row[0] in ("Tổng cộng", "Cộng CCHC"):
                return lines
    raise AssertionError(f"no table {heading}")


def report(station: Station, fmt: str, name: str = "2024-Q1", record: bool = True) -> bytes:
    with services(station, FIXED_NOW) as ctx:
        return reports.office_report(ctx, reports.named_period(ctx, name), fmt, record).body


def test_xlsx_figures_recount_from_the_log(quarter: Station, tmp_path: Path) -> None:
    want = expected(quarter)
    path = tmp_path / "r.xlsx"
    path.write_bytes(report(quarter, "xlsx"))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Tổng hợp", "Kế hoạch", "Nhật ký phát"]
    summary = book["Tổng hợp"]
    by, scripts = want["by"], want["scripts"]
    assert isinstance(by, dict) and isinstance(scripts, dict)
    topics = table_after(
        summary,
        "Bản tin tuyên truyền CCHC theo chủ đề của kế hoạch (chỉ loại này tính vào kế hoạch)",
    )
    assert topics[0][:7] == ["Chủ đề", "Số bản tin", "Số lượt đã phát", "Số phút đã phát", "Lỗi",
                             "Bị lỡ", "Bị ngắt / chen ngang"]  # fmt: skip
    for line, topic in zip(topics[1:-1], TOPICS, strict=True):
        assert line[0] == f"{topic}) {label_vi(Topic(topic))}"
        assert line[1:7] == figures(by["topic"][topic], scripts["topic"][topic]), topic
    total = Counter[str]()
    for counts in by["topic"].values():
        total.update(counts)
    every = set().union(*scripts["topic"].values())
    assert topics[-1][1:7] == figures(total, every)
    assert sum(total[k] for k in ("aired", "failed", "missed", "interrupted")) == len(want["rows"])
    months = table_after(summary, "Theo tháng")
    assert [m[0] for m in months[1:-1]] == ["12/2023", "01/2024", "02/2024", "03/2024"]
    for line, month in zip(months[1:-1], ["2023-12", "2024-01", "2024-02", "2024-03"], strict=True):
        assert line[1:7] == figures(by["month"][month], scripts["month"][month]), month
    slots = table_after(summary, "Theo khung giờ")
    assert {line[0]: line[1:7] for line in slots[1:-1]} == {
        slot: figures(counts, scripts["slot"][slot]) for slot, counts in by["slot"].items()
    }
    assert "Chuỗi" in str(summary["A3"].value) or "chuỗi" in str(summary["A3"].value)
    # The evidence rows: one per log row, with real dates and times, numbers and hashes.
    rows = book["Nhật ký phát"]
    assert rows.freeze_panes == "A2"
    listed = list(rows.iter_rows(min_row=2, values_only=True))
    log = want["rows"]
    assert isinstance(log, list) and len(listed) == len(log) > 400
    for line, record in zip(listed, log, strict=True):
        planned = datetime.fromisoformat(record.planned_start)
        assert line[1] == datetime.combine(planned.date(), time(0))
        assert line[2] == planned.time().replace(tzinfo=None)
        assert line[6] == record.script_id and line[17] == record.seq
        assert line[10] == round(record.duration_s or 0, 1)
        assert line[18] == record.row_hash and line[15] == record.audio_sha256
    # The first quarter starts at 06:00 on 15 December in Hà Nội (23:00 UTC the day before).
    assert listed[0][1] == datetime(2023, 12, 15) and listed[0][2] == time(6, 0)
    assert listed[-1][1] == datetime(2024, 3, 14)
    # A title that would be a formula is text, neutralised.
    formula = [c for c in rows["H"] if str(c.value).startswith("'=HYPERLINK")]
    assert formula and all(c.data_type == "s" for c in formula)
    assert not any(str(c.value).startswith("=") for c in rows["H"])
    with zipfile.ZipFile(path) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())


def test_plan_coverage_shows_shortfalls_in_red(quarter: Station, tmp_path: Path) -> None:
    want = expected(quarter)
    by = want["by"]
    assert isinstance(by, dict)
    path = tmp_path / "r.xlsx"
    path.write_bytes(report(quarter, "xlsx"))
    sheet = openpyxl.load_workbook(path)["Kế hoạch"]
    lines = [r for r in sheet.iter_rows(min_row=1) if r[0].value in TOPICS]
    # The example plan: a 1/week, b 1/month, c 2/week, d 1/month, đ 1/month; Q1 has 91 days.
    expected_counts = {"a": 13, "b": 3, "c": 26, "d": 3, "đ": 3}
    assert [r[0].value for r in lines] == TOPICS
    shortfalls = 0
    for line in lines:
        topic = line[0].value
        aired = by["topic"][topic]["aired"]
        assert line[4].value == expected_counts[topic] and line[5].value == aired
        short = max(0, expected_counts[topic] - aired)
        assert line[8].value == short
        assert (line[8].font.color is not None and line[8].font.color.rgb == "FFC00000") == bool(
            short
        )
        shortfalls += bool(short)
    assert "VÍ DỤ" in str(sheet["A2"].value)
    # Six a day over 91 days, a sixth of them each for a, b, d, đ and a third for c: no
    # topic is short here (the next test makes them short).
    assert shortfalls == 0


def test_a_topic_short_of_its_plan_is_red_in_both_files(station: Station, tmp_path: Path) -> None:
    """Only topic a airs: every other topic is short of the plan, in red, in XLSX and DOCX."""
    add_draft(station, FIXED_NOW, "Nội dung.", topic="a", title="Chỉ chủ đề a")
    with station.sessions() as session:
        seed_airings(session, date(2024, 1, 1), 10, 2, station.settings.tz)
    (tmp_path / "r.xlsx").write_bytes(report(station, "xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["Kế hoạch"]
    red = {r[0].value for r in sheet.iter_rows() if r[8].value and r[8].font.color is not None
           and r[8].font.color.rgb == "FFC00000"}  # fmt: skip
    assert red == {"b", "c", "d", "đ"}
    (tmp_path / "r.docx").write_bytes(report(station, "docx"))
    table = docx.Document(str(tmp_path / "r.docx")).tables[4]
    cells = {row.cells[0].text[0]: row.cells[4] for row in table.rows[1:]}
    for topic, cell in cells.items():
        run = cell.paragraphs[0].runs[0]
        is_red = run.font.color.rgb is not None and str(run.font.color.rgb) == "C00000"
        assert is_red == (int(cell.text) > 0), topic
    assert int(cells["b"].text) == 3 and int(cells["c"].text) == 26


def test_docx_is_the_appendix_with_the_same_figures(quarter: Station, tmp_path: Path) -> None:
    want = expected(quarter)
    by, scripts = want["by"], want["scripts"]
    assert isinstance(by, dict) and isinstance(scripts, dict)
    path = tmp_path / "r.docx"
    path.write_bytes(report(quarter, "docx"))
    document = docx.Document(str(path))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 30 and round(section.top_margin.mm) == 20
    assert 15 <= round(section.right_margin.mm) <= 20
    text = "\n".join(p.text for p in document.paragraphs)
    header = document.tables[0].rows[0].cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header[1].text
    assert "Độc lập - Tự do - Hạnh phúc" in header[1].text
    assert "ỦY BAN NHÂN DÂN\nTHỊ TRẤN YÊN MỸ" in header[0].text
    assert "Yên Mỹ, ngày 11 tháng 3 năm 2024" in header[1].text
    assert "KẾT QUẢ TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH TRÊN HỆ THỐNG TRUYỀN THANH" in text
    assert "từ ngày 15/12/2023 đến ngày 14/03/2024" in text
    assert "mã đầu chuỗi số" in text
    fonts = {run.font.name for p in document.paragraphs for run in p.runs if run.text.strip()}
    assert fonts == {"Times New Roman"}
    sizes = {run.font.size.pt for p in document.paragraphs for run in p.runs if run.text.strip()}
    assert sizes <= {12.0, 13.0, 14.0}
    kinds = document.tables[1]
    assert [r.cells[0].text for r in kinds.rows[1:]] == ["Tuyên truyền CCHC", "Tổng cộng"]
    topics = document.tables[2]
    for row, topic in zip(topics.rows[1:-1], TOPICS, strict=True):
        cells = [c.text for c in row.cells]
        counted = figures(by["topic"][topic], scripts["topic"][topic])
        assert cells[1:] == [str(v).replace(".", ",") for v in counted], topic
    months = document.tables[3]
    assert [r.cells[0].text for r in months.rows[1:]] == [
        "12/2023", "01/2024", "02/2024", "03/2024", "Tổng cộng",
    ]  # fmt: skip
    sign = document.tables[-1].rows[0].cells[1].text
    assert "TM. ỦY BAN NHÂN DÂN" in sign and "CHỦ TỊCH" in sign


def test_csv_and_json_hold_every_row_with_date_and_time_apart(quarter: Station) -> None:
    want = expected(quarter)
    log = want["rows"]
    assert isinstance(log, list)
    body = report(quarter, "csv")
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    start = next(i for i, line in enumerate(lines) if line and line[0] == "STT")
    assert lines[start][1:5] == ["Ngày", "Giờ dự kiến", "Giờ bắt đầu", "Giờ kết thúc"]
    detail = lines[start + 1 :]
    assert len(detail) == len(log)
    for line, record in zip(detail, log, strict=True):
        day = record.planned_start[:10]
        assert (
            line[1] == f"{day[8:]}/{day[5:7]}/{day[:4]}" and line[2] == record.planned_start[11:19]
        )
        assert "." not in line[10]  # seconds with a decimal comma
    assert any("," in line[10] for line in detail)
    assert any(line[7].startswith("'=HYPERLINK") for line in detail)
    body = json.loads(report(quarter, "json"))
    assert body["period"] == {"name": "2024-Q1", "start": "2023-12-15", "end": "2024-03-14"}
    assert [r["id"] for r in body["rows"]] == [r.id for r in log]
    assert body["summary"]["total"]["aired"] == sum(r.outcome == "aired" for r in log)


def test_evidence_pack_checks_with_sha256sum(quarter: Station, tmp_path: Path) -> None:
    with services(quarter, FIXED_NOW) as ctx:
        made = reports.evidence_pack(ctx, reports.named_period(ctx, "2024-Q1"))
    (tmp_path / "pack.zip").write_bytes(made.body)
    with zipfile.ZipFile(tmp_path / "pack.zip") as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "pack")
    stem = "bao-cao-phat-thanh-20231215-20240314"
    assert {f"{stem}.{ext}" for ext in ("xlsx", "docx", "csv", "json")} <= names
    assert {"nhat-ky-phat.csv", "nhat-ky-phat.json", "kiem-tra.txt", "SHA256SUMS"} <= names
    anchors = sorted(n for n in names if n.startswith("ledger/"))
    # Anchor files are named by UTC day: 14 Dec 2023 (the first local morning) to 14 Mar 2024.
    assert anchors[0] == "ledger/2023-12-14.log" and anchors[-1] == "ledger/2024-03-14.log"
    assert len(anchors) == 92
    sums = (tmp_path / "pack" / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    assert len(sums) == len(names) - 1
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((tmp_path / "pack" / name).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):
        done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "pack",
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        (tmp_path / "pack" / "kiem-tra.txt").write_text("sửa", encoding="utf-8")
        done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "pack",
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode != 0 and "kiem-tra.txt: FAILED" in done.stdout
    checked = (tmp_path / "pack" / "kiem-tra.txt").read_text(encoding="utf-8")
    assert checked  # (rewritten above when sha256sum exists; the made pack said what it checked)
    assert made.checked.ok and made.checked.full


def test_a_pack_reads_the_rows_once_and_counts_them_once(quarter: Station) -> None:
    """Four report files and the raw log from one read of the evidence rows and one summary."""
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(quarter.engine, "before_cursor_execute", seen)
    try:
        with services(quarter, FIXED_NOW) as ctx:
            made = reports.evidence_pack(ctx, reports.named_period(ctx, "2024-Q1"))
    finally:
        event.remove(quarter.engine, "before_cursor_execute", seen)
    reads = [
        s
        for s in statements
        if "from airing left outer join script" in s and "max(airing_event.seq)" in s
    ]
    summaries = [s for s in statements if "sum(airing.duration_s)" in s]
    assert len(reads) == 1, reads
    assert len(summaries) == 1, summaries
    with zipfile.ZipFile(io.BytesIO(made.body)) as archive:
        raw = archive.read("nhat-ky-phat.csv").decode("utf-8")
        listed = json.loads(archive.read("bao-cao-phat-thanh-20231215-20240314.json"))
    assert made.rows == len(listed["rows"]) == raw.count("\n") - 1 > 0


def test_verification_is_incremental_and_says_what_it_checked(quarter: Station) -> None:
    with services(quarter, FIXED_NOW) as ctx:
        first = reports.check_log(ctx)
        assert first.ok and first.full and first.last == first.verdict.head_seq
        head = first.last
        again = reports.check_log(ctx)
        assert again.ok and not again.full and again.through == head
        assert again.verdict.checked == 0 and "nothing added since" in again.sentence()
    with quarter.sessions() as session:
        seed_airings(session, date(2024, 3, 19), 1, 4, quarter.settings.tz)
    with services(quarter, FIXED_NOW) as ctx:
        later = reports.check_log(ctx)
        assert later.ok and not later.full and later.through == head
        assert (later.first, later.last) == (head + 1, later.verdict.head_seq)
        assert later.verdict.checked == later.last - head > 0
        assert f"links {head + 1} to {later.last} verified now" in later.sentence()
        assert f"bản ghi {head + 1} đến {later.last} kiểm tra lúc này" in later.vietnamese(
            quarter.settings.tz
        )


def _tamper(station: Station, airing_id: int) -> None:
    with station.sessions() as session:
        session.execute(update(Airing).where(Airing.id == airing_id).values(duration_s=9999.0))
        session.commit()


def test_an_edit_after_the_checkpoint_is_found(quarter: Station) -> None:
    with services(quarter, FIXED_NOW) as ctx:
        assert reports.check_log(ctx).ok
    with quarter.sessions() as session:
        seed_airings(session, date(2024, 3, 19), 1, 4, quarter.settings.tz)
    newest = expected(quarter)  # (reads the log; the new rows are after the quarter)
    assert newest
    with quarter.sessions() as session:
        last_id = session.query(Airing.id).order_by(Airing.id.desc()).first()
    assert last_id is not None
    _tamper(quarter, last_id[0] - 1)
    with services(quarter, FIXED_NOW) as ctx:
        found = reports.check_log(ctx)
    assert not found.ok and found.verdict.first_bad_id == last_id[0] - 1


def test_an_edit_before_the_checkpoint_needs_the_full_walk(quarter: Station) -> None:
    """The incremental check re-hashes only the checkpoint's link and what follows it; an
    older edit is the full walk's to find (`log verify`, or the page's button)."""
    with services(quarter, FIXED_NOW) as ctx:
        assert reports.check_log(ctx).ok
    _tamper(quarter, 5)
    with services(quarter, FIXED_NOW) as ctx:
        assert reports.check_log(ctx).ok
        full = reports.check_log(ctx, full=True)
    assert not full.ok and full.verdict.first_bad_id == 5


def test_an_edit_to_the_checkpoint_link_itself_is_found(quarter: Station) -> None:
    with services(quarter, FIXED_NOW) as ctx:
        assert reports.check_log(ctx).ok
    with quarter.sessions() as session:
        last_id = session.query(Airing.id).order_by(Airing.id.desc()).first()
    assert last_id is not None
    _tamper(quarter, last_id[0])
    with services(quarter, FIXED_NOW) as ctx:
        found = reports.check_log(ctx)
    assert not found.ok and found.verdict.first_bad_id == last_id[0]


def test_cli_report_by_period_and_pack(quarter: Station, database_url: str | None) -> None:
    runner = CliRunner(env=cli_env(database_url))
    done = runner.invoke(
        main, ["report", "--period", "2024-Q1", "--format", "xlsx", "-o", "q1.xlsx"]
    )
    assert done.exit_code == 0, done.output
    rows = expected(quarter)["rows"]
    assert isinstance(rows, list)
    assert f"Wrote {len(rows)} airing(s) to q1.xlsx." in done.output
    assert "Chain verified in full now" in done.output
    done = runner.invoke(main, ["report", "--period", "2024-Q1", "--pack", "-o", "q1.zip"])
    assert done.exit_code == 0 and "Chain verified through link" in done.output, done.output
    assert zipfile.ZipFile("q1.zip").testzip() is None
    done = runner.invoke(
        main, ["report", "--period", "2024-03", "--format", "docx", "-o", "m.docx"]
    )
    assert done.exit_code == 0, done.output
    assert "từ ngày 01/03/2024 đến ngày 31/03/2024" in "\n".join(
        p.text for p in docx.Document("m.docx").paragraphs
    )


def test_status_warns_when_a_topic_falls_behind(station: Station) -> None:
    """On 11 March (day 88 of the quarter) with only topic a aired, every other topic is behind."""
    add_draft(station, FIXED_NOW, "Nội dung.", topic="a", title="Chỉ chủ đề a")
    with station.sessions() as session:
        seed_airings(session, date(2024, 1, 1), 60, 1, station.settings.tz)
    with services(station, FIXED_NOW) as ctx:
        lags = health.check_health(ctx.settings, ctx.session, ctx.now()).plan_behind
    assert {lag.topic for lag in lags} == {"b", "c", "d", "đ"}
    c = next(lag for lag in lags if lag.topic == "c")
    assert (c.period, c.due, c.aired) == ("2024-Q1", 25, 0)  # 2/week over 88 days
    assert "Chủ đề c đang chậm so với kế hoạch kỳ Quý I/2024: mới phát 0/25" in c.vietnamese()


def test_no_plan_file_no_warning_and_no_coverage(station: Station) -> None:
    shutil.rmtree(station.settings.schedules_path / "plans")
    with services(station, FIXED_NOW) as ctx:
        assert health.check_health(ctx.settings, ctx.session, ctx.now()).plan_behind == []
        summary = reports.report_summary(ctx, reports.named_period(ctx, "2024-Q1"))
    assert summary.plan is None and summary.coverage == []


def test_a_wrong_plan_file_is_refused_in_one_sentence(station: Station) -> None:
    (station.settings.schedules_path / "plans" / "plan-2024.toml").write_text(
        '[[target]]\ntopic = "z"\nairings = 1\nper = "week"\n', encoding="utf-8"
    )
    with services(station, FIXED_NOW) as ctx, pytest.raises(Exception) as refused:
        reports.report_summary(ctx, reports.named_period(ctx, "2024-Q1"))
    assert str(refused.value).startswith("The plan file plan-2024.toml cannot be used: target 1")
