"""The Office's report as a Word appendix, laid out per Decree 30/2020/NĐ-CP (Appendix I):
A4, margins 20–25 mm top and bottom, 30–35 mm left, 15–20 mm right, Times New Roman 13–14,
the issuing body and the national motto side by side, place and date, the title in bold
capitals, the tables, and a signature block left for the leader to sign.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import IO, Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from broadcaster.programme.periods import name_vi
from broadcaster.reports.cells import decimal_vi
from broadcaster.reports.plan import PER_VI
from broadcaster.reports.summary import (
    FIGURE_HEADINGS,
    RELAY_HEADINGS,
    Summary,
    kind_vi,
    month_vi,
    topic_vi,
)

TITLE = "KẾT QUẢ TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH TRÊN HỆ THỐNG TRUYỀN THANH"
FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)


def _paragraph(cell_or_doc: Any, text: str = "", *, bold: bool = False, italic: bool = False,
               size: float = 13, align: Any = None, color: RGBColor | None = None) -> Any:  # fmt: skip
    first = cell_or_doc.paragraphs[0] if hasattr(cell_or_doc, "_tc") else None
    # A new table cell holds one empty paragraph: the first line goes there.
    paragraph = first if first is not None and not first.runs else cell_or_doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size, run.font.name = bold, italic, Pt(size), FONT
    if color is not None:
        run.font.color.rgb = color
    return paragraph


def _cell(cell: Any, text: object, *, bold: bool = False, color: RGBColor | None = None) -> None:
    cell.text = str(decimal_vi(text))  # 1,5 minutes, as Vietnamese writes it
    paragraph = cell.paragraphs[0]
    run = paragraph.runs[0]
    run.bold, run.font.size, run.font.name = bold, Pt(12), FONT
    if color is not None:
        run.font.color.rgb = color
    if not isinstance(text, str):
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(doc: Any, headings: list[str], lines: list[list[object]], bold_last: bool = False,
           red: set[tuple[int, int]] | None = None) -> Any:  # fmt: skip
    table = doc.add_table(rows=1 + len(lines), cols=len(headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, heading in enumerate(headings):
        _cell(table.rows[0].cells[column], heading, bold=True)
    for index, line in enumerate(lines, start=1):
        last = bold_last and index == len(lines)
        for column, value in enumerate(line):
            color = RED if red and (index - 1, column) in red else None
            _cell(
                table.rows[index].cells[column], value, bold=last or color is not None, color=color
            )
    return table


def _header(doc: Any, town: str, day: date) -> None:
    """The issuing body (left) and the national motto (right), then place and date."""
    block = doc.add_table(rows=1, cols=2)
    left, right = block.rows[0].cells
    _paragraph(left, "ỦY BAN NHÂN DÂN", bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(left, town.upper(), bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12,
               align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    motto = _paragraph(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13,
                       align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    motto.runs[0].underline = True
    prefix = next((p for p in ("thị trấn ", "xã ", "phường ") if town.startswith(p)), "")
    place = town[len(prefix) :]  # "xã Tân Lập" is dated at Tân Lập, not at "Lập"
    # Decree 30: a day below 10 and the months 1 and 2 take a leading zero.
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    _paragraph(right, f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}",
               italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip


def write_docx(
    dest: Path | IO[bytes],
    summary: Summary,
    town: str,
    checked: str,
    made_on: date,
    province: str = "",
) -> None:
    """Write the appendix for `summary` to `dest` (`town` and its `province` name the body)."""
    doc = Document()
    _page(doc)
    _header(doc, town, made_on)
    _paragraph(doc)
    _title(doc, summary, f"{town}, {province}" if province else town, made_on)
    _paragraph(doc)
    _figures(doc, summary)
    _relays(doc, summary)
    _against_plan(doc, summary)
    _paragraph(doc)
    _paragraph(doc, "4. Kiểm tra tính toàn vẹn của nhật ký phát", bold=True)
    _paragraph(doc, checked, size=12)
    _paragraph(doc)
    _signature(doc)
    doc.save(str(dest) if isinstance(dest, Path) else dest)


def _page(doc: Any) -> None:
    """A4 with Decree 30's margins, Times New Roman 13 throughout."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _title(doc: Any, summary: Summary, town: str, made_on: date) -> None:
    """The appendix's title, its period, and the report it goes with."""
    _paragraph(doc, "Phụ lục", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, TITLE, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    period = summary.period
    _paragraph(doc, f"(Kỳ báo cáo{' ' + name_vi(period.name) if period.name else ''}: từ ngày "
               f"{period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y})", italic=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    # The Office writes the number and date of the report this appendix goes with.
    _paragraph(doc, f"(Kèm theo Báo cáo số       /BC-UBND ngày    /    /{made_on.year} của UBND "
               f"{town})", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip


def _figures(doc: Any, summary: Summary) -> None:
    """Sections 1 and 2 (by topic, by month), and what the clusters confirmed if any."""
    _paragraph(doc, "1. Kết quả theo loại bản tin", bold=True)
    lines = [[kind_vi(k), *f.cells()] for k, f in summary.by_kind]
    lines.append(["Tổng cộng", *summary.total.cells()])
    _table(doc, ["Loại bản tin", *FIGURE_HEADINGS], lines, bold_last=True)
    _paragraph(doc)
    _paragraph(doc, "Bản tin tuyên truyền CCHC theo chủ đề của kế hoạch (chỉ loại này được tính "
               "vào kế hoạch)", bold=True)  # fmt: skip
    lines = [[f"{t}) {topic_vi(t)}", *f.cells()] for t, f in summary.by_topic]
    lines.append(["Cộng CCHC", *summary.cchc_total.cells()])
    _table(doc, ["Chủ đề", *FIGURE_HEADINGS], lines, bold_last=True)
    _paragraph(doc)
    _paragraph(doc, "2. Kết quả theo tháng", bold=True)
    lines = [[month_vi(m), *f.cells()] for m, f in summary.by_month]
    lines.append(["Tổng cộng", *summary.total.cells()])
    _table(doc, ["Tháng", *FIGURE_HEADINGS], lines, bold_last=True)
    _paragraph(doc)
    if summary.by_cluster:  # what the loudspeaker clusters themselves confirmed
        _paragraph(doc, "Kết quả do các cụm loa xác nhận đã phát", bold=True)
        lines = [[name, *f.cells()] for name, f in summary.by_cluster]
        _table(doc, ["Cụm loa", *FIGURE_HEADINGS], lines)
        _paragraph(doc)


def _relays(doc: Any, summary: Summary) -> None:
    """Relay time (tiếp sóng) per relay slot, apart from the bulletins, when there was any."""
    if not summary.by_relay and not summary.by_cluster_relay:
        return
    _paragraph(doc, "Thời gian tiếp sóng đài cấp trên (không tính vào số bản tin)", bold=True)
    lines = [[slot, *f.cells()] for slot, f in summary.by_relay]
    lines.append(["Tổng cộng", *summary.relay_total.cells()])
    _table(doc, ["Khung giờ tiếp sóng", *RELAY_HEADINGS], lines, bold_last=True)
    _paragraph(doc)
    if summary.by_cluster_relay:  # what the loudspeaker clusters themselves relayed
        _paragraph(doc, "Tiếp sóng do các cụm loa xác nhận", bold=True)
        lines = [[name, *f.cells()] for name, f in summary.by_cluster_relay]
        _table(doc, ["Cụm loa", *RELAY_HEADINGS], lines)
        _paragraph(doc)


def _against_plan(doc: Any, summary: Summary) -> None:
    """Section 3: each topic's planned airings against those aired, a shortfall in red."""
    _paragraph(doc, "3. So với kế hoạch", bold=True)
    if summary.plan is None:
        _paragraph(doc, "Chưa có tệp kế hoạch cho năm của kỳ báo cáo.", italic=True)
        return
    if summary.plan.example:
        _paragraph(doc, "Số liệu kế hoạch là ví dụ, chưa phải chỉ tiêu của địa phương.",
                   italic=True, color=RED)  # fmt: skip
    lines: list[list[object]] = []
    red = set()
    for index, item in enumerate(summary.coverage):
        lines.append([
            f"{item.target.topic.value}) {topic_vi(item.target.topic)}",
            f"{item.target.airings} lượt/{PER_VI[item.target.per]}", item.expected,
            item.aired, item.shortfall,
        ])  # fmt: skip
        if item.shortfall:
            red.add((index, 4))
    _table(doc, ["Chủ đề", "Mức kế hoạch", "Dự kiến", "Đã phát", "Còn thiếu"], lines, red=red)


def _signature(doc: Any) -> None:
    """Who receives it (left) and the leader's signature block (right)."""
    sign = doc.add_table(rows=1, cols=2)
    left, right = sign.rows[0].cells
    _paragraph(left, "Nơi nhận:", bold=True, italic=True, size=12)
    _paragraph(left, "- Như trên;", size=11)
    _paragraph(left, "- Lưu: VT.", size=11)
    _paragraph(right, "TM. ỦY BAN NHÂN DÂN", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(right, "CHỦ TỊCH", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=12,
               align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    for _ in range(4):
        _paragraph(right)
