"""The Office's CSV: the airings by month and topic, by kind, then every evidence row, for a
Vietnamese Excel: UTF-8 with BOM, ";" between cells (a comma is the decimal mark there),
1,5 and 31/03/2024. No cell can start a formula: titles and errors come from people and
players.

The two tables come first but are counted from the rows, so the rows are written to a
temporary file as they are read and copied in after the tables: one pass over the period's
rows, in constant memory, whatever its length.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from broadcaster.enums import Kind, Outcome, RelayPart, Topic, voice_vi
from broadcaster.reports.airing_log import AiringRecord
from broadcaster.reports.cells import date_vi, decimal_vi, neutralise_row
from broadcaster.reports.rows import Fact
from broadcaster.reports.summary import (
    DETAIL_HEADINGS,
    RELAY_HEADINGS,
    SLOT_NOW,
    RelayFigures,
    author,
    filed_as,
    kind_vi,
    month_vi,
    note,
    outcome_vi,
    topic_vi,
)  # fmt: skip

SUMMARY_HEADINGS = [
    "Tháng", "Chủ đề", "Nội dung chủ đề", "Số lượt đã phát", "Số phút đã phát",
    "Số lượt không phát được",
]  # fmt: skip
KIND_HEADINGS = ["Loại bản tin", "Số lượt đã phát", "Số phút đã phát", "Số lượt không phát được"]


def detail_cells(number: int, r: AiringRecord) -> list[object]:
    """One evidence row in DETAIL_HEADINGS order, as text (the CSV's cells)."""
    return [
        number, date_vi(r.planned_start[:10]), r.planned_start[11:19], (r.started_at or "")[11:19],
        (r.ended_at or "")[11:19], r.slot or SLOT_NOW, r.script_id, r.title, filed_as(r),
        outcome_vi(r.outcome), round(r.duration_s or 0, 1), author(r), r.approved_by or "",
        r.requested_by or "", voice_vi(r.voice), r.audio_sha256 or "", note(r), r.seq or "",
        r.row_hash or "",
    ]  # fmt: skip


class _Tables:
    """The two tables above the rows, counted as the rows go by: per (month, topic) of the CCHC
    bulletins (the plan counts those only) and per kind, airings aired, their minutes, and
    those not aired."""

    def __init__(self) -> None:
        self.month_topic: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
        self.kinds: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
        self.relays: dict[str, RelayFigures] = defaultdict(RelayFigures)
        self.cluster_relays: dict[str, RelayFigures] = defaultdict(RelayFigures)

    def add(self, record: AiringRecord) -> None:
        kind = record.kind or Kind.CCHC.value
        if kind in set(RelayPart):  # relay time, apart from the bulletins
            output = record.output or ""
            if output.startswith(CLUSTER_OUTPUT):  # a cluster's confirmed relay
                self.cluster_relays[output.removeprefix(CLUSTER_OUTPUT)] += RelayFigures.of(
                    _relay_fact(record)
                )
            else:
                self.relays[record.slot or ""] += RelayFigures.of(_relay_fact(record))
            return
        keys = [self.kinds[kind]]
        if kind == Kind.CCHC:
            keys.append(self.month_topic[(record.planned_start[:7], record.topic)])
        for totals in keys:
            if record.outcome == Outcome.AIRED:
                totals[0] += 1
                totals[1] += (record.duration_s or 0.0) / 60
            elif record.outcome != Outcome.STARTED:
                totals[2] += 1

    def month_topic_rows(self) -> list[list[object]]:
        order = [topic.value for topic in Topic]
        rank = {topic: index for index, topic in enumerate(order)}
        return [
            [month_vi(month), topic, topic_vi(topic), int(v[0]), round(v[1], 1), int(v[2])]
            for (month, topic), v in sorted(
                self.month_topic.items(),
                key=lambda kv: (kv[0][0], rank.get(kv[0][1], len(order)), kv[0][1]),
            )
        ]

    def kind_rows(self) -> list[list[object]]:
        return [
            [kind_vi(k.value), int(t[0]), round(t[1], 1), int(t[2])]
            for k in Kind
            if (t := self.kinds.get(k.value)) is not None
        ]


CLUSTER_OUTPUT = "cluster:"  # a cluster's row names its output so (clusters.agent_reports)


def _relay_fact(record: AiringRecord) -> Fact:
    """A relay's row as the summary counts it."""
    return Fact(
        record.planned_start[:7], "", record.slot, record.outcome, None, 1,
        record.duration_s or 0.0, None, record.kind or "",
    )  # fmt: skip


class CsvReport:
    """The Office's CSV written to `out` from rows given one at a time (`add`); `close` writes
    the tables, then the rows kept in a temporary file in `tmpdir`.

    `checked` says what the verification of the hash chain covered, so a printed report can
    be checked against the database later.
    """

    def __init__(
        self, out: IO[str], title: str, checked: str | None = None, tmpdir: Path | None = None
    ) -> None:
        self.out, self.title, self.checked, self.count = out, title, checked, 0
        self._tables = _Tables()
        self._rows = tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=tmpdir)
        self._row_writer = csv.writer(self._rows, delimiter=";", lineterminator="\r\n")

    def add(self, record: AiringRecord) -> None:
        """Count one evidence row and write it (in planned order)."""
        self.count += 1
        self._tables.add(record)
        self._row_writer.writerow(neutralise_row(map(decimal_vi, detail_cells(self.count, record))))

    def close(self) -> int:
        """Write the title, the tables and the rows; the number of evidence rows."""
        writer = csv.writer(self.out, delimiter=";", lineterminator="\r\n")

        def write(row: Iterable[object]) -> None:
            writer.writerow(neutralise_row(decimal_vi(cell) for cell in row))

        self.out.write("\ufeff")
        write([self.title])
        if self.checked is not None:
            write([self.checked])
        write(SUMMARY_HEADINGS)
        rows = self._tables.month_topic_rows()
        for row in rows:
            write(row)
        write(
            ["Tổng cộng", "", "", sum(int(str(r[3])) for r in rows),
             round(sum(float(str(r[4])) for r in rows), 1), sum(int(str(r[5])) for r in rows)]
        )  # fmt: skip
        write([])
        write(KIND_HEADINGS)
        for row in self._tables.kind_rows():
            write(row)
        write([])
        if self._tables.relays:  # relay time, apart from the bulletins
            write(["Khung giờ tiếp sóng", *RELAY_HEADINGS])
            relays = sorted(self._tables.relays.items())
            for slot, figures in relays:
                write([slot, *figures.cells()])
            write(["Tổng cộng", *sum((f for _, f in relays), RelayFigures()).cells()])
            write([])
        if self._tables.cluster_relays:  # what the clusters themselves relayed
            write(["Cụm loa (tiếp sóng)", *RELAY_HEADINGS])
            for name, figures in sorted(self._tables.cluster_relays.items()):
                write([name, *figures.cells()])
            write([])
        write(DETAIL_HEADINGS)
        with self._rows:
            self._rows.seek(0)
            shutil.copyfileobj(self._rows, self.out)
        return self.count
