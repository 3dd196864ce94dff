"""The words of an approval: what the planner will really do with the bulletin just approved."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from broadcaster.services.placement import Placement

from . import week_vi
from .programme import WEEKDAYS_VI


def approval_message(placement: Placement, tz: ZoneInfo) -> str:
    """The approval's flash: "Đã duyệt." and where and when the bulletin will air, or how."""
    if not placement.routine:
        return "Đã duyệt. " + _emergency(placement)
    if not placement.slots:
        return (
            "Đã duyệt. Chưa có khung giờ phát nào nên bản tin chưa được xếp lịch; hãy nhờ kỹ thuật "
            "viên cài các khung giờ phát."
        )
    if placement.week_over:
        return (
            f"Đã duyệt. Tuần phát của bản tin ({week_vi(placement.week)}) đã qua nên bản tin sẽ "
            "không được xếp vào khung giờ nào."
        )
    names = ", ".join(f"{slot.name} ({slot.start:%H:%M})" for slot in placement.slots)
    when = f"trong {week_vi(placement.week)}" if placement.week else "hằng tuần"
    said = [
        f"Đã duyệt. Bản tin sẽ được tự động xếp vào các khung giờ {names} {when}, luân phiên "
        "với các bản tin đã duyệt khác khi khung giờ còn đủ chỗ."
    ]
    if placement.leads:
        said.append("Bản tin ưu tiên được xếp đầu tiên trong mỗi buổi phát.")
    if not placement.has_audio:
        said.append("Bản tin chưa có âm thanh: chỉ được xếp lịch khi đã tạo xong âm thanh.")
    if placement.first is None:
        said.append(
            "Hiện không còn buổi phát nào chưa sắp xếp tay để xếp bản tin "
            + ("trong tuần phát của nó." if placement.week else "trong 8 ngày tới.")
        )
    else:
        start = placement.first.start.astimezone(tz)
        said.append(
            f"Buổi phát sớm nhất có thể có bản tin: {placement.first.slot.name} {start:%H:%M} "
            f"{WEEKDAYS_VI[start.weekday()]} {start:%d/%m/%Y}."
        )
    return " ".join(said)


def _emergency(placement: Placement) -> str:
    """What becomes of an approved emergency: air-now, not the routine slots."""
    button, effect = (
        ("“Phát KHẨN ngay…”", "bản tin đang phát (nếu có) sẽ dừng để phát bản tin này")
        if placement.interrupts
        else ("“Phát ngay…”", "bản tin được phát ngay sau bản tin đang phát")
    )
    audio = "" if placement.has_audio else " khi bản tin đã có âm thanh"
    return (
        "Đây là bản tin khẩn cấp nên không được xếp vào các khung giờ phát thường xuyên. "
        f"Để phát, bấm {button}{audio}: {effect}. Nếu cần phát cả trong khung giờ thường, "
        "lãnh đạo chọn ở trang Chương trình tuần và xác nhận."
    )
