"""Report: the Office's figures for a period — bulletins, airings and minutes by plan topic,
by month and by slot, against the plan — and the words of an evidence row's cells.

The spreadsheet and Word writers (xlsx_file, docx_file) take the same `Summary`; the CSV
(csv_file) counts its own tables from the rows it writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from broadcaster import notes
from broadcaster.enums import Kind, Outcome, RelayPart, Topic, label_vi
from broadcaster.programme.periods import Period
from broadcaster.reports.airing_log import AiringRecord
from broadcaster.reports.plan import Coverage, Plan, coverage
from broadcaster.reports.rows import Fact
from broadcaster.store.authors import author_vi

SLOT_NOW = "phát ngay"
FIGURE_HEADINGS = [
    "Số bản tin", "Số lượt đã phát", "Số phút đã phát", "Lỗi", "Bị lỡ", "Bị ngắt / chen ngang",
]  # fmt: skip
# Relay time (tiếp sóng), apart from the bulletins: the stream's parts, the minutes received,
# the minutes the fallback file filled, the parts whose stream was lost, and those cut.
RELAY_HEADINGS = [
    "Số lượt tiếp sóng", "Số phút tiếp sóng", "Số phút phát dự phòng", "Số lần mất luồng",
    "Bị ngắt / chen ngang",
]  # fmt: skip
DETAIL_HEADINGS = [
    "STT", "Ngày", "Giờ dự kiến", "Giờ bắt đầu", "Giờ kết thúc", "Khung giờ", "Mã bản tin",
    "Tiêu đề", "Chủ đề hoặc loại", "Kết quả", "Thời lượng (giây)", "Người soạn", "Người duyệt",
    "Người yêu cầu phát", "Giọng đọc", "Mã băm âm thanh (SHA-256)", "Ghi chú lỗi",
    "Số thứ tự chuỗi", "Mã băm dòng",
]  # fmt: skip


def note(record: AiringRecord) -> str:
    """The error cell of a row, for people (the one place the stored note is turned into words)."""
    return notes.vietnamese(record.error)


def filed_as(record: AiringRecord) -> str:
    """The plan topic of a CCHC row ("c"), else its kind in words ("Khẩn cấp, thiên tai",
    "Tiếp sóng")."""
    if record.kind in set(RelayPart):
        return label_vi(RelayPart(record.kind))
    kind = Kind(record.kind or Kind.CCHC)
    return (record.topic or "") if kind == Kind.CCHC else label_vi(kind)


def author(record: AiringRecord) -> str:
    """The author cell: the samples of `init --demo` say they are samples."""
    return author_vi(record.author)


def outcome_vi(outcome: str) -> str:
    """An outcome's Vietnamese label."""
    return label_vi(Outcome(outcome))


@dataclass
class _Count:
    aired: int = 0
    minutes: float = 0.0
    failed: int = 0
    missed: int = 0
    interrupted: int = 0
    scripts: set[int] = field(default_factory=set)

    def add(self, fact: Fact) -> None:
        if fact.outcome == Outcome.AIRED:
            self.aired += fact.count
            self.minutes += fact.seconds / 60
            if fact.script_id is not None:
                self.scripts.add(fact.script_id)
        elif fact.outcome == Outcome.FAILED:
            self.failed += fact.count
        elif fact.outcome == Outcome.MISSED:
            self.missed += fact.count
        elif fact.outcome in (Outcome.INTERRUPTED, Outcome.PREEMPTED):
            self.interrupted += fact.count

    def frozen(self) -> Figures:
        return Figures(
            len(self.scripts), self.aired, round(self.minutes, 1), self.failed, self.missed,
            self.interrupted,
        )  # fmt: skip


@dataclass(frozen=True)
class Figures:
    """One line of the summary: distinct bulletins aired, airings, minutes, and the failures."""

    bulletins: int
    aired: int
    minutes: float
    failed: int
    missed: int
    interrupted: int

    def cells(self) -> list[object]:
        """The figures in FIGURE_HEADINGS order."""
        return [
            self.bulletins,
            self.aired,
            self.minutes,
            self.failed,
            self.missed,
            self.interrupted,
        ]


@dataclass(frozen=True)
class RelayFigures:
    """Relay time (tiếp sóng); `cells` in RELAY_HEADINGS order."""

    parts: int = 0
    relayed_s: float = 0.0  # every second received is relay time, whatever ended the part
    fallback_s: float = 0.0
    lost: int = 0
    cut: int = 0

    def cells(self) -> list[object]:
        return [
            self.parts, round(self.relayed_s / 60, 1), round(self.fallback_s / 60, 1),
            self.lost, self.cut,
        ]  # fmt: skip

    def __add__(self, other: RelayFigures) -> RelayFigures:
        return RelayFigures(
            self.parts + other.parts, self.relayed_s + other.relayed_s,
            self.fallback_s + other.fallback_s, self.lost + other.lost, self.cut + other.cut,
        )  # fmt: skip

    @staticmethod
    def of(fact: Fact) -> RelayFigures:
        """The figures of one fact of a relay's rows."""
        if fact.kind == RelayPart.FALLBACK:
            return RelayFigures(fallback_s=fact.seconds)
        lost = fact.outcome in (Outcome.FAILED, Outcome.INTERRUPTED)
        cut = fact.outcome == Outcome.PREEMPTED
        return RelayFigures(fact.count, fact.seconds, 0.0, lost * fact.count, cut * fact.count)


@dataclass(frozen=True)
class Summary:
    """The figures of a period; months are local 'YYYY-MM'."""

    period: Period
    rows: int
    total: Figures
    by_topic: list[tuple[str, Figures]]
    by_month: list[tuple[str, Figures]]
    by_slot: list[tuple[str, Figures]]
    aired_by_month_topic: dict[str, dict[str, int]]
    plan: Plan | None
    coverage: list[Coverage]
    # What each loudspeaker cluster confirmed it played (apart from the station's own figures
    # above, which a cluster's confirmation does not add to).
    by_cluster: list[tuple[str, Figures]] = field(default_factory=list)
    # Every kind of bulletin (by_topic, the grid and the coverage count CCHC bulletins only).
    by_kind: list[tuple[str, Figures]] = field(default_factory=list)
    cchc_total: Figures = Figures(0, 0, 0.0, 0, 0, 0)
    # Relay time per relay slot and in all, apart from the bulletins' figures.
    by_relay: list[tuple[str, RelayFigures]] = field(default_factory=list)
    relay_total: RelayFigures = RelayFigures()
    # What each loudspeaker cluster confirmed it relayed (apart from the station's relay time).
    by_cluster_relay: list[tuple[str, RelayFigures]] = field(default_factory=list)


def summarise(facts: Iterable[Fact], period: Period, plan: Plan | None) -> Summary:
    """Count `facts` (the airings of `period`) by kind, month and slot; the CCHC bulletins
    also by plan topic and against `plan`."""
    total, rows, cchc = _Count(), 0, _Count()
    kinds: dict[str, _Count] = defaultdict(_Count)
    topics: dict[str, _Count] = defaultdict(_Count)
    months: dict[str, _Count] = defaultdict(_Count)
    slots: dict[str, _Count] = defaultdict(_Count)
    grid: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    clusters: dict[str, _Count] = defaultdict(_Count)
    relays: dict[str, RelayFigures] = defaultdict(RelayFigures)
    cluster_relays: dict[str, RelayFigures] = defaultdict(RelayFigures)
    for fact in facts:
        rows += fact.count
        if fact.kind in set(RelayPart):  # relay time, apart from the bulletins
            if fact.cluster is not None:
                cluster_relays[fact.cluster] += RelayFigures.of(fact)
            else:
                relays[fact.slot or ""] += RelayFigures.of(fact)
            continue
        if fact.cluster is not None:
            clusters[fact.cluster].add(fact)
            continue
        month = fact.month
        for count in (total, kinds[fact.kind], months[month], slots[fact.slot or SLOT_NOW]):
            count.add(fact)
        if fact.kind != Kind.CCHC:
            continue
        cchc.add(fact)
        topics[fact.topic].add(fact)
        if fact.outcome == Outcome.AIRED:
            grid[month][fact.topic] += fact.count
    order = [topic.value for topic in Topic]
    by_topic = [(t, topics[t].frozen()) for t in order if t in topics]
    by_topic += [(t, c.frozen()) for t, c in sorted(topics.items()) if t not in order]
    per_topic = {t: (f.aired, f.bulletins, f.minutes) for t, f in by_topic}
    return Summary(
        period=period, rows=rows, total=total.frozen(), by_topic=by_topic,
        by_month=[(m, c.frozen()) for m, c in sorted(months.items())],
        by_slot=[(s, c.frozen()) for s, c in sorted(slots.items())],
        aired_by_month_topic={m: dict(v) for m, v in sorted(grid.items())},
        plan=plan, coverage=coverage(plan, period, per_topic) if plan else [],
        by_cluster=[(name, c.frozen()) for name, c in sorted(clusters.items())],
        by_kind=[(k.value, kinds[k].frozen()) for k in Kind if k in kinds],
        cchc_total=cchc.frozen(), by_relay=sorted(relays.items()),
        relay_total=sum(relays.values(), RelayFigures()),
        by_cluster_relay=sorted(cluster_relays.items()),
    )  # fmt: skip


def kind_vi(kind: str) -> str:
    """A kind of bulletin (or of a relay's row) in Vietnamese."""
    if kind in set(RelayPart):
        return label_vi(RelayPart(kind))
    return label_vi(Kind(kind)) if kind in set(Kind) else kind


def topic_vi(topic: str) -> str:
    """A plan topic's content, or the code itself when it is not one of the plan's."""
    return label_vi(Topic(topic)) if topic in set(Topic) else topic


def month_vi(month: str) -> str:
    """'2024-03' as '03/2024'."""
    return f"{month[5:7]}/{month[:4]}"
