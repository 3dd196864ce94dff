"""The section "Ngày lễ và ngoại lệ" of the page "Khung giờ phát": the date rules (a slot skipped
or moved on a date, the working-day swaps, no routine bulletins on holidays) and the coming
holidays; leaders and admins add and delete rules (services.exceptions holds every rule, as
for `broadcaster rules`). The routes live on the slots page's blueprint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from broadcaster.enums import LABELS_VI, HolidayScope, RuleKind
from broadcaster.errors import BroadcasterError, Code
from broadcaster.notes import Note
from broadcaster.services import exceptions as service
from broadcaster.services.exceptions import DateRuleDef, Planned, RuleInput

from .auth import login_required
from .db import services
from .messages import DAYS_VI, vietnamese
from .slots import EDITORS, STATUS, bp, index_page

COMING_DAYS = 120  # the coming holidays the section names
AS_DAY_VI = {**DAYS_VI, "off": "Ngày nghỉ (phát như Chủ Nhật)"}
REFUSED_STATUS = {**STATUS, Code.RULE_STALE: 409, Code.RULE_NOT_FOUND: 404}


@dataclass(frozen=True)
class RuleRow:
    """A rule as the section's table shows it."""

    id: int
    version: int
    kind: str
    slot: str
    day: str
    what: str


def day_vi(day: date) -> str:
    """A date with its weekday: "Thứ Bảy 06/02/2027"."""
    return f"{list(DAYS_VI.values())[day.weekday()]} {day:%d/%m/%Y}"


def what_vi(rule: DateRuleDef) -> str:
    """What a rule does, in Vietnamese words."""
    if rule.kind == RuleKind.SKIP:
        return "Không phát trong ngày này"
    if rule.kind == RuleKind.REPLACE and rule.start is not None:
        return f"Phát lúc {rule.start:%H:%M}, trong {rule.minutes} phút (thay cho giờ thường)"
    if rule.kind == RuleKind.SWAP:
        if rule.as_day == "sun":
            return "Ngày nghỉ: phát các khung giờ của Chủ Nhật"
        return f"Làm việc như {DAYS_VI.get(rule.as_day or '', '')}: phát các khung giờ của ngày đó"
    scope = LABELS_VI[HolidayScope(rule.holidays or HolidayScope.TET)]
    return f"Không phát bản tin thường vào {scope}; tin khẩn vẫn phát"


def _row(record: service.RuleRecord) -> RuleRow:
    rule = record.rule
    return RuleRow(
        record.id, record.version, LABELS_VI[rule.kind],
        rule.slot or ("Mọi khung giờ" if rule.kind == RuleKind.SWAP else "Mọi khung giờ bản tin"),
        day_vi(rule.day) if rule.day else "Theo lịch ngày lễ", what_vi(rule),
    )  # fmt: skip


def skipped_marks(skipped: Sequence[Planned], tz: ZoneInfo) -> dict[tuple[str, date], str]:
    """What the week grid says in a slot's cell on a day a date rule keeps it off the air."""
    return {
        (p.occurrence.slot.name, p.occurrence.start.astimezone(tz).date()): (
            f"Không phát: {p.holiday.name}"
            if p.rule is not None and p.rule.kind == RuleKind.HOLIDAY and p.holiday is not None
            else "Không phát (ngoại lệ)"
        )
        for p in skipped
    }


def rules_section() -> dict[str, object]:
    """What the section needs: the rules, the coming holidays, and the add form's choices
    (filled again with what was typed when a rule was refused)."""
    ctx = services()
    today = ctx.now().astimezone(ctx.settings.tz).date()
    return {
        "rule_rows": [_row(record) for record in service.list_rules(ctx)],
        "coming_holidays": service.holidays_between(today, today + timedelta(days=COMING_DAYS)),
        "rule_kinds": [(kind.value, LABELS_VI[kind]) for kind in RuleKind],
        "holiday_scopes": [(scope.value, LABELS_VI[scope]) for scope in HolidayScope],
        "as_days": AS_DAY_VI,
        "day_vi": day_vi,
        "rule_kept": g.get("rule_kept") or MultiDict(),
    }


def _given() -> RuleInput:
    """The rule the form asks for; a kind or holidays not from the lists is not this page's."""
    form = request.form
    kind, holidays = form.get("kind", ""), form.get("holidays", HolidayScope.TET)
    if kind not in tuple(RuleKind) or holidays not in tuple(HolidayScope):
        abort(400, "Biểu mẫu ngoại lệ không hợp lệ. Hãy tải lại trang rồi làm lại.")
    return RuleInput(
        RuleKind(kind), slot=form.get("slot", ""), on_date=form.get("date", ""),
        start=form.get("start", ""), minutes=form.get("minutes", ""),
        as_day=form.get("as_day", ""), holidays=HolidayScope(holidays),
    )  # fmt: skip


def _refused(error: BroadcasterError, keep: bool) -> tuple[str, int]:
    """The page again with the one sentence and, when `keep`, the rule form as it was sent."""
    services().session.rollback()
    flash(vietnamese(error), "error")
    if keep:
        g.rule_kept = request.form
    return index_page(), REFUSED_STATUS.get(error.code, 422)


def _warned(warning: Note | None) -> None:
    if warning is not None:
        flash(warning.vietnamese(), "error")


@bp.route("/rules", methods=["POST"])
@login_required(*EDITORS)
def add_rule() -> tuple[str | Response, int]:
    """Add a date rule (refused in one sentence, the form kept, nothing changed)."""
    try:
        added = service.add_rule(services(), g.user.name, _given())
    except BroadcasterError as exc:
        return _refused(exc, keep=True)
    row = _row(added.record)
    flash(f"Đã thêm ngoại lệ: {row.slot}, {row.day.lower()}: {row.what.lower()}.", "ok")
    _warned(added.warning)
    return redirect(url_for("slots.index", _anchor="ngoai-le")), 303


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@login_required(*EDITORS)
def delete_rule(rule_id: int) -> tuple[str | Response, int]:
    """Delete a date rule as read at the form's version; its slot airs by its days again."""
    raw = request.form.get("version", "")
    if not (raw.isascii() and raw.isdigit()):
        abort(400, "Biểu mẫu ngoại lệ không hợp lệ. Hãy tải lại trang rồi làm lại.")
    try:
        service.delete_rule(services(), g.user.name, rule_id, int(raw))
    except BroadcasterError as exc:
        return _refused(exc, keep=False)
    flash("Đã xóa ngoại lệ; khung giờ phát lại theo lịch thường.", "ok")
    return redirect(url_for("slots.index", _anchor="ngoai-le")), 303
