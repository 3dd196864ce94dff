"""The states of the records, as enums stored by value, with their Vietnamese labels in one table."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A script's life: draft → approved → retired (an edit sends it back to draft)."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


class Priority(StrEnum):
    """The three levels of Circular 39/2020/TT-BTTTT for commune radio."""

    NORMAL = "normal"
    PRIORITY = "priority"
    EMERGENCY = "emergency"


class Outcome(StrEnum):
    """What became of one airing; `started` is the only one that is not final."""

    STARTED = "started"
    AIRED = "aired"
    FAILED = "failed"
    MISSED = "missed"
    INTERRUPTED = "interrupted"
    PREEMPTED = "preempted"


class Role(StrEnum):
    """What a web user may do (admin may do everything)."""

    OFFICER = "officer"
    LEADER = "leader"
    OFFICE = "office"
    ADMIN = "admin"


class Topic(StrEnum):
    """The content items of section II.1 of the town's propaganda plan."""

    A = "a"
    B = "b"
    C = "c"
    D = "d"
    DD = "đ"


class Kind(StrEnum):
    """What a bulletin is: only CCHC bulletins count against the propaganda plan."""

    CCHC = "cchc"
    EMERGENCY = "emergency"
    NOTICE = "notice"
    OTHER = "other"


class SlotKind(StrEnum):
    """What a slot airs: the station's bulletins, or a relay of an upper-level station's stream."""

    BULLETINS = "bulletins"
    RELAY = "relay"  # tiếp sóng: the national or provincial station's stream (0017)


class RelayPart(StrEnum):
    """The kind of a relay slot's airing row (no script): the stream, or the fallback file that
    filled the slot once the stream was lost. The Office's report counts them as relay time."""

    RELAY = "relay"
    FALLBACK = "fallback"


class RuleKind(StrEnum):
    """A date rule of the station's calendar (0016): a slot skipped or replaced on a date, a
    working-day swap a decree sets (a date aired as another weekday), or a rule by holiday."""

    SKIP = "skip"
    REPLACE = "replace"
    SWAP = "swap"
    HOLIDAY = "holiday"


class HolidayScope(StrEnum):
    """Which holidays a station rule covers: the first three days of Tết, or every public one."""

    TET = "tet"
    PUBLIC = "public"


FINAL_OUTCOMES = frozenset(set(Outcome) - {Outcome.STARTED})

LABELS_VI: dict[StrEnum, str] = {
    Status.DRAFT: "Bản nháp",
    Status.APPROVED: "Đã duyệt",
    Status.RETIRED: "Ngừng phát",
    Priority.NORMAL: "thường",
    Priority.PRIORITY: "ưu tiên",
    Priority.EMERGENCY: "KHẨN CẤP",
    Outcome.STARTED: "đang phát",
    Outcome.AIRED: "đã phát",
    Outcome.FAILED: "lỗi",
    Outcome.MISSED: "bị lỡ",
    Outcome.INTERRUPTED: "bị ngắt",
    Outcome.PREEMPTED: "bị chen ngang",
    Role.OFFICER: "Cán bộ Văn hóa – Xã hội",
    Role.LEADER: "Lãnh đạo UBND",
    Role.OFFICE: "Văn phòng – Thống kê",
    Role.ADMIN: "Quản trị",
    Topic.A: "Tầm quan trọng và kết quả CCHC",
    Topic.B: "Chủ trương, chính sách của Đảng và Nhà nước về CCHC",
    Topic.C: (
        "Cải cách thể chế, TTHC, một cửa, bộ máy, công vụ, tài chính công, chính quyền điện tử"
    ),
    Topic.D: "Chỉ số PAR INDEX, SIPAS",
    Topic.DD: "Biểu dương gương điển hình",
    SlotKind.BULLETINS: "Phát bản tin",
    RuleKind.SKIP: "Không phát",
    RuleKind.REPLACE: "Đổi giờ",
    RuleKind.SWAP: "Hoán đổi ngày làm việc",
    RuleKind.HOLIDAY: "Theo ngày lễ",
    HolidayScope.TET: "ba ngày đầu Tết Nguyên Đán",
    HolidayScope.PUBLIC: "mọi ngày lễ, Tết",
    SlotKind.RELAY: "Tiếp sóng",
    # RelayPart.RELAY is "relay", the same key as SlotKind.RELAY: "Tiếp sóng"
    RelayPart.FALLBACK: "Phát tệp dự phòng (mất luồng tiếp sóng)",
}


# Apart from LABELS_VI: a StrEnum member is equal to its value, so Kind.EMERGENCY would take
# the place of Priority.EMERGENCY ("emergency") as a key of one dict.
KIND_LABELS_VI: dict[Kind, str] = {
    Kind.CCHC: "Tuyên truyền CCHC",
    Kind.EMERGENCY: "Khẩn cấp, thiên tai",
    Kind.NOTICE: "Thông báo",
    Kind.OTHER: "Khác",
}


def label_vi(value: StrEnum) -> str:
    """The Vietnamese label of a state, for the web page and the Office's report."""
    return KIND_LABELS_VI[value] if isinstance(value, Kind) else LABELS_VI[value]


def labels_vi(kind: type[StrEnum]) -> dict[str, str]:
    """Value → Vietnamese label for every member of one enum, in declaration order."""
    return {member.value: label_vi(member) for member in kind}


# The voices a rendering can have (its `engine`), as the page and the Office's files name them.
VOICE_LABELS_VI = {
    "gtts": "giọng Google",
    "edge": "giọng Microsoft (giọng nơ-ron)",
    "espeak": "giọng máy dự phòng (ngoại tuyến)",
    "recording": "giọng người đọc (bản ghi âm)",
}


def voice_vi(voice: str | None) -> str:
    """A row's voice ("espeak:vi", "recording:lan") in words: "giọng người đọc (bản ghi âm
    của lan)"; an engine not listed keeps its own name."""
    engine, _, who = (voice or "").partition(":")
    if engine == "recording" and who:
        return f"giọng người đọc (bản ghi âm của {who})"
    return VOICE_LABELS_VI.get(engine, voice or "")
