"""The Office's report as an Excel workbook: summary with a chart, plan coverage, evidence rows.

Written with XlsxWriter in constant-memory mode: each row goes to a temporary file as it is
written, so a year of a province (250,000 rows) needs no more memory than a month. Text is
always written as text (never a formula or a link) and neutralised like the CSV's cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from broadcaster.enums import Topic
from broadcaster.reports.airing_log import AiringRecord
from broadcaster.reports.cells import neutralise
from broadcaster.reports.plan import PER_VI
from broadcaster.reports.summary import (
    DETAIL_HEADINGS,
    FIGURE_HEADINGS,
    RELAY_HEADINGS,
    Figures,
    Summary,
    kind_vi,
    month_vi,
    topic_vi,
)  # fmt: skip
from broadcaster.reports.xlsx_rows import EvidenceRows, RowsSheet

SUMMARY_SHEET, PLAN_SHEET, ROWS_SHEET = "Tổng hợp", "Kế hoạch", "Nhật ký phát"
COVERAGE_HEADINGS = [
    "Chủ đề", "Nội dung chủ đề", "Chỉ tiêu", "Mức kế hoạch", "Dự kiến", "Đã phát",
    "Số bản tin", "Số phút", "Còn thiếu",
]  # fmt: skip


class _Sheet:
    """A worksheet written top to bottom (constant-memory mode needs rows in order)."""

    def __init__(self, sheet: Any, formats: dict[str, Any]) -> None:
        self.sheet, self.formats, self.row = sheet, formats, 0

    def line(self, cells: Iterable[object], style: str | None = None) -> int:
        """Write one row of cells; text as text, numbers as numbers; return its index."""
        fmt = self.formats.get(style or "")
        for column, value in enumerate(cells):
            write_cell(self.sheet, self.row, column, value, fmt)
        self.row += 1
        return self.row - 1

    def skip(self) -> None:
        """An empty row."""
        self.row += 1


def write_cell(sheet: Any, row: int, column: int, value: object, fmt: Any = None) -> None:
    """One cell: numbers as numbers, dates and times as Excel dates, anything else as text."""
    if value is None or value == "":
        if fmt is not None:
            sheet.write_blank(row, column, None, fmt)
        return
    if isinstance(value, bool):
        sheet.write_string(row, column, str(value), fmt)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, column, value, fmt)
    elif isinstance(value, (datetime, date, time)):
        sheet.write_datetime(row, column, value, fmt)
    else:
        sheet.write_string(row, column, str(neutralise(str(value))), fmt)


def _formats(book: Any) -> dict[str, Any]:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True}),
        "total": book.add_format({"bold": True, "top": 1}),
        "short": book.add_format({"bold": True, "font_color": "#C00000", "bg_color": "#FFC7CE"}),
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
        "time": book.add_format({"num_format": "hh:mm:ss"}),
        "note": book.add_format({"italic": True}),
    }


def _figures_table(out: _Sheet, heading: str, label: str, lines: list[tuple[str, Figures]],
                   total: Figures | None) -> None:  # fmt: skip
    out.line([heading], "title")
    out.line([label, *FIGURE_HEADINGS], "head")
    for name, figures in lines:
        out.line([name, *figures.cells()])
    if total is not None:
        out.line(["Tổng cộng", *total.cells()], "total")
    out.skip()


def _summary(book: Any, out: _Sheet, summary: Summary, title: str, checked: str) -> None:
    sheet = out.sheet
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 6, 14)
    out.line([title], "title")
    out.line([f"Kỳ báo cáo: {summary.period.start:%d/%m/%Y} – {summary.period.end:%d/%m/%Y}"])
    out.line([checked], "note")
    out.skip()
    kinds = [(kind_vi(k), f) for k, f in summary.by_kind]
    _figures_table(out, "Theo loại bản tin", "Loại bản tin", kinds, summary.total)
    topics = [(f"{t}) {topic_vi(t)}", f) for t, f in summary.by_topic]
    _figures_table(
        out, "Bản tin tuyên truyền CCHC theo chủ đề của kế hoạch (chỉ loại này tính vào kế hoạch)",
        "Chủ đề", topics, summary.cchc_total,
    )  # fmt: skip
    months = [(month_vi(m), f) for m, f in summary.by_month]
    _figures_table(out, "Theo tháng", "Tháng", months, summary.total)
    _figures_table(out, "Theo khung giờ", "Khung giờ", summary.by_slot, summary.total)
    if summary.by_cluster:
        _figures_table(out, "Cụm loa xác nhận đã phát", "Cụm loa", summary.by_cluster, None)
    if summary.by_relay:  # relay time, apart from the bulletins
        out.line(["Thời gian tiếp sóng đài cấp trên (không tính vào số bản tin)"], "title")
        out.line(["Khung giờ tiếp sóng", *RELAY_HEADINGS], "head")
        for slot, figures in summary.by_relay:
            out.line([slot, *figures.cells()])
        out.line(["Tổng cộng", *summary.relay_total.cells()], "total")
        out.skip()
    if summary.by_cluster_relay:  # what the clusters themselves relayed
        out.line(["Tiếp sóng do các cụm loa xác nhận"], "title")
        out.line(["Cụm loa", *RELAY_HEADINGS], "head")
        for name, figures in summary.by_cluster_relay:
            out.line([name, *figures.cells()])
        out.skip()
    # The chart's data: airings aired per month (rows) and topic (columns).
    topics_seen = [t.value for t in Topic]
    out.line(["Lượt đã phát theo tháng và chủ đề"], "title")
    first = out.line(["Tháng", *(f"Chủ đề {t}" for t in topics_seen)], "head")
    for month, counts in summary.aired_by_month_topic.items():
        out.line([month_vi(month), *(counts.get(t, 0) for t in topics_seen)])
    last = out.row - 1
    if last > first:
        chart = book.add_chart({"type": "column", "subtype": "stacked"})
        for index in range(1, len(topics_seen) + 1):
            chart.add_series({
                "name": [SUMMARY_SHEET, first, index],
                "categories": [SUMMARY_SHEET, first + 1, 0, last, 0],
                "values": [SUMMARY_SHEET, first + 1, index, last, index],
            })  # fmt: skip
        chart.set_title({"name": "Lượt phát theo tháng và chủ đề"})
        chart.set_y_axis({"name": "Lượt đã phát"})
        sheet.insert_chart(4, 8, chart, {"x_scale": 1.6, "y_scale": 1.4})


def _plan(out: _Sheet, summary: Summary) -> None:
    sheet = out.sheet
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 2, 48)
    sheet.set_column(3, 8, 12)
    plan = summary.plan
    if plan is None:
        out.line(["Chưa có tệp kế hoạch cho năm của kỳ báo cáo (schedules/plans/plan-YYYY.toml)."])
        return
    out.line([plan.title], "title")
    if plan.example:
        out.line(["Số liệu kế hoạch là VÍ DỤ, chưa phải chỉ tiêu của địa phương."], "short")
    sheet.freeze_panes(out.row + 1, 0)
    out.line(COVERAGE_HEADINGS, "head")
    for item in summary.coverage:
        target = item.target
        cells = [
            target.topic.value, topic_vi(target.topic), target.what,
            f"{target.airings} lượt/{PER_VI[target.per]}", item.expected, item.aired,
            item.bulletins, item.minutes,
        ]  # fmt: skip
        out.line(cells)
        write_cell(
            sheet, out.row - 1, 8, item.shortfall, out.formats["short"] if item.shortfall else None
        )


class XlsxReport:
    """The workbook written to `dest` (a path or a binary file): the summary and plan sheets at
    once, then the evidence rows one at a time (`add`, `xlsx_rows`), each written to
    XlsxWriter's temporary file (in `tmpdir`) as it comes; `close` finishes the workbook."""

    WIDTHS = (7, 11, 10, 10, 10, 10, 8, 40, 7, 12, 10, 16, 16, 16, 18, 66, 30, 10, 66)

    def __init__(
        self, dest: Path | IO[bytes], summary: Summary, title: str, checked: str,
        tmpdir: Path | None = None,
    ) -> None:  # fmt: skip
        options: dict[str, object] = {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False,
        }  # fmt: skip
        if tmpdir is not None:
            options["tmpdir"] = str(tmpdir)
        self.book = xlsxwriter.Workbook(dest if not isinstance(dest, Path) else str(dest), options)
        formats = _formats(self.book)
        sheets = [_Sheet(self.book.add_worksheet(n), formats) for n in (SUMMARY_SHEET, PLAN_SHEET)]
        rows = self.book.add_worksheet(ROWS_SHEET, worksheet_class=RowsSheet)
        _summary(self.book, sheets[0], summary, title, checked)
        _plan(sheets[1], summary)
        for column, width in enumerate(self.WIDTHS):
            rows.set_column(column, column, width)
        rows.freeze_panes(1, 0)
        _Sheet(rows, formats).line(DETAIL_HEADINGS, "head")
        self.rows = EvidenceRows(rows, formats["date"], formats["time"], 1)

    def add(self, record: AiringRecord) -> None:
        """Write one evidence row (rows come in planned order: constant-memory mode)."""
        self.rows.add(record)

    def close(self) -> int:
        """Finish the workbook; the number of evidence rows written."""
        self.book.close()
        return self.rows.count


def write_xlsx(
    dest: Path | IO[bytes], summary: Summary, records: Iterable[AiringRecord], title: str,
    checked: str, tmpdir: Path | None = None,
) -> int:  # fmt: skip
    """Write the workbook to `dest`; return the number of evidence rows written."""
    report = XlsxReport(dest, summary, title, checked, tmpdir)
    for record in records:
        report.add(record)
    return report.close()
