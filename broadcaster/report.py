"""Report: airings and minutes per month and per plan topic, for the Office (CSV, Vietnamese)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from broadcaster import notes
from broadcaster.cells import neutralise_row
from broadcaster.enums import Outcome, Topic, label_vi
from broadcaster.evidence import AiringRecord
from broadcaster.ledger import Verdict
from broadcaster.users import author_vi

SUMMARY_HEADINGS = [
    "Tháng",
    "Chủ đề",
    "Nội dung chủ đề",
    "Số lượt đã phát",
    "Số phút đã phát",
    "Số lượt không phát được",
]
DETAIL_HEADINGS = [
    "STT", "Thời gian dự kiến", "Bắt đầu phát", "Kết thúc", "Khung giờ", "Mã bản tin",
    "Tiêu đề", "Chủ đề", "Kết quả", "Thời lượng (giây)", "Người soạn", "Người duyệt",
    "Người yêu cầu phát", "Giọng đọc", "Mã băm âm thanh (SHA-256)", "Lỗi",
    "Số thứ tự chuỗi", "Mã băm dòng",
]  # fmt: skip


@dataclass(frozen=True)
class SummaryRow:
    """Totals for one month and one topic."""

    month: str
    topic: str
    aired: int
    minutes: float
    not_aired: int


def summarise(records: list[AiringRecord]) -> list[SummaryRow]:
    """Totals per (month, topic), in order; months are local 'YYYY-MM'."""
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for record in records:
        key = (record.planned_start[:7], record.topic)
        if record.outcome == "aired":
            totals[key][0] += 1
            totals[key][1] += (record.duration_s or 0.0) / 60
        elif record.outcome != "started":
            totals[key][2] += 1
    topic_order = [topic.value for topic in Topic]
    return [
        SummaryRow(month, topic, int(v[0]), round(v[1], 1), int(v[2]))
        for (month, topic), v in sorted(
            totals.items(), key=lambda kv: (kv[0][0], topic_order.index(kv[0][1]))
        )
    ]


def report_csv(records: list[AiringRecord], title: str, verdict: Verdict | None = None) -> str:
    """The summary table, a blank line, then the detail rows; Excel reads it (UTF-8 with BOM).

    With a ledger verdict, a line under the title says whether the airing log is intact and
    gives the chain head, so a printed report can be checked against the database later.
    No cell can start a formula: titles and errors come from people and players.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")

    def write(row: Iterable[object]) -> None:
        writer.writerow(neutralise_row(row))

    write([title])
    if verdict is not None:
        if verdict.ok:
            write(
                [
                    f"Nhật ký phát toàn vẹn: {verdict.airings} lượt phát trong "
                    f"{verdict.checked} bản ghi niêm phong, "
                    f"mã đầu chuỗi số {verdict.head_seq}: {verdict.head_hash}"
                ]
            )
        else:
            write([f"CẢNH BÁO: nhật ký phát đã bị sửa hoặc xóa ({verdict.sentence()})"])
    write(SUMMARY_HEADINGS)
    rows = summarise(records)
    for row in rows:
        month = f"{row.month[5:7]}/{row.month[:4]}"
        write([month, row.topic, label_vi(Topic(row.topic)), row.aired, row.minutes, row.not_aired])
    write(
        ["Tổng cộng", "", "", sum(r.aired for r in rows), round(sum(r.minutes for r in rows), 1),
         sum(r.not_aired for r in rows)]
    )  # fmt: skip
    write([])
    write(DETAIL_HEADINGS)
    for number, r in enumerate(records, start=1):
        write(
            [number, r.planned_start, r.started_at or "", r.ended_at or "", r.slot or "phát ngay",
             r.script_id, r.title, r.topic, label_vi(Outcome(r.outcome)),
             round(r.duration_s or 0, 1), author_vi(r.author), r.approved_by or "",
             r.requested_by or "", r.voice or "", r.audio_sha256 or "", notes.vietnamese(r.error),
             r.seq or "", r.row_hash or ""]
        )  # fmt: skip
    return buffer.getvalue()
