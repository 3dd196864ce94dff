"""The page "Khung giờ phát": every slot of the station in a table; leaders and admins add,
change, pause, resume and delete them (services.slots holds every rule, as for the command)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from broadcaster.enums import Role, SlotKind
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import slots as service
from broadcaster.services.clusters import zones
from broadcaster.services.slots import SlotInput, SlotRecord, shown_url

from .auth import login_required
from .db import services
from .messages import DAYS_VI, vietnamese

bp = Blueprint("slots", __name__, url_prefix="/programme/slots")

EDITORS = (Role.LEADER, Role.ADMIN)  # the service checks the same rule (slot_editor)
# A stale form and a slot gone meanwhile: the page says to reload; nothing changed.
STATUS = {Code.SLOT_STALE: 409, Code.SLOT_NOT_FOUND: 404, Code.SLOT_EDITOR: 403}


def when_vi(record: SlotRecord) -> str:
    """The days a slot airs ("Thứ Hai, Thứ Tư", "Hằng ngày") or its one date (dd/mm/yyyy)."""
    slot = record.slot
    if slot.on_date is not None:
        return f"Ngày {slot.on_date:%d/%m/%Y}"
    if len(slot.days) == len(DAYS_VI):
        return "Hằng ngày"
    return ", ".join(DAYS_VI[day] for day in slot.days)


def form_of(record: SlotRecord) -> MultiDict[str, str]:
    """A slot as its edit form shows it, filled in."""
    slot = record.slot
    return MultiDict(
        [("name", slot.name), ("start", f"{slot.start:%H:%M}"), ("minutes", str(slot.minutes)),
         ("date", f"{slot.on_date:%d/%m/%Y}" if slot.on_date else ""), ("kind", slot.kind),
         ("version", str(record.version)), ("fallback", slot.fallback or ""),
         ("url_shown", shown_url(slot.url) if slot.url else "")]
        + [("days", day) for day in slot.days] + [("zones", zone) for zone in slot.zones]
    )  # fmt: skip


def index_page(kept: Mapping[str, str] | None = None, editing: SlotRecord | None = None) -> str:
    """The table of slots, with the add form (or the edit form of `editing`) for editors,
    filled with `kept` when a refused form comes back."""
    from .rules import rules_section  # the section's routes are added to this blueprint there

    ctx = services()
    if editing is not None and kept is None:
        kept = form_of(editing)
    return render_template(
        "slots.html", records=service.list_slots(ctx), when=when_vi, days=DAYS_VI,
        zones=[zone.name for zone in zones(ctx.session)], kinds=list(SlotKind),
        editor=g.user.role in EDITORS, editing=editing, kept=kept or MultiDict(),
        **rules_section(),
        shown=shown_url,
    )  # fmt: skip


def _url(record: SlotRecord | None) -> str:
    """The relay's address the form asks for: the page never shows a stored address whole (it
    may hold a password), so an empty field, or the address as shown, keeps the stored one."""
    typed = request.form.get("url", "").strip()
    stored = record.slot.url if record is not None else None
    if stored and typed in ("", shown_url(stored)):
        return stored
    return typed


def _given(record: SlotRecord | None = None) -> SlotInput:
    """The slot the form asks for; a change keeps the slot's output (not on the page)."""
    form = request.form
    return SlotInput(
        name=form.get("name", ""), start=form.get("start", ""), minutes=form.get("minutes", ""),
        days=form.getlist("days"), on_date=form.get("date", ""), zones=form.getlist("zones"),
        kind=form.get("kind", SlotKind.BULLETINS),
        output=record.slot.output if record is not None else None,
        url=_url(record), fallback=form.get("fallback", ""),
    )  # fmt: skip


def _version() -> int:
    """The version the form was read at; anything else is not a form this page sends."""
    raw = request.form.get("version", "")
    if not (raw.isascii() and raw.isdigit()):
        abort(400, "Biểu mẫu khung giờ không hợp lệ. Hãy tải lại trang rồi làm lại.")
    return int(raw)


def _record(slot_id: int) -> SlotRecord:
    """The slot of this address, or a 404 page in Vietnamese."""
    try:
        return service.find_slot(services(), slot_id)
    except BroadcasterError as exc:
        abort(404, vietnamese(exc))


def _refused(
    error: BroadcasterError, editing: SlotRecord | None = None, keep: bool = True
) -> tuple[str, int]:
    """The page again with the one sentence and, when `keep`, the form as it was sent."""
    services().session.rollback()
    flash(vietnamese(error), "error")
    kept = request.form if keep else None
    if error.code == Code.SLOT_NOT_FOUND:  # deleted meanwhile: what was typed goes to "add"
        editing = None
    return index_page(kept, editing), STATUS.get(error.code, 422)


@bp.route("/")
@login_required()
def index() -> str:
    """Show every slot, paused ones too; editors also get the add form."""
    return index_page()


@bp.route("/", methods=["POST"])
@login_required(*EDITORS)
def add() -> tuple[str | Response, int]:
    """Add a slot (refused in one sentence, the form kept, nothing changed)."""
    try:
        added = service.add_slot(services(), g.user.name, _given())
    except BroadcasterError as exc:
        return _refused(exc)
    flash(
        f"Đã thêm khung giờ “{added.slot.name}” ({when_vi(added)}, {added.slot.start:%H:%M}).", "ok"
    )
    return redirect(url_for("slots.index")), 303


@bp.route("/<int:slot_id>/edit")
@login_required(*EDITORS)
def edit(slot_id: int) -> str:
    """The edit form of one slot, filled in, carrying the version it was read at."""
    return index_page(editing=_record(slot_id))


@bp.route("/<int:slot_id>/edit", methods=["POST"])
@login_required(*EDITORS)
def change(slot_id: int) -> tuple[str | Response, int]:
    """Change a slot as read at the form's version; a stale form is refused."""
    record = _record(slot_id)
    try:
        changed = service.change_slot(services(), g.user.name, slot_id, _version(), _given(record))
    except BroadcasterError as exc:
        return _refused(exc, record)
    flash(f"Đã lưu khung giờ “{changed.slot.name}”; thay đổi áp dụng từ buổi phát kế tiếp.", "ok")
    return redirect(url_for("slots.index")), 303


@bp.route("/<int:slot_id>/pause", methods=["POST"])
@login_required(*EDITORS)
def pause(slot_id: int) -> tuple[str | Response, int]:
    """Pause a slot (kept, not aired) or resume it (refused if it would now overlap)."""
    record = _record(slot_id)
    paused = request.form.get("paused") == "yes"
    try:
        service.pause_slot(services(), g.user.name, slot_id, _version(), paused)
    except BroadcasterError as exc:
        return _refused(exc, keep=False)
    if paused:
        said = f"Đã tạm dừng khung giờ “{record.slot.name}”; khung giờ không phát cho đến khi tiếp tục."
    else:
        said = f"Khung giờ “{record.slot.name}” phát lại từ buổi phát kế tiếp."
    flash(said, "ok")
    return redirect(url_for("slots.index")), 303


@bp.route("/<int:slot_id>/delete")
@login_required(*EDITORS)
def delete_confirm(slot_id: int) -> str:
    """Say which slot is about to go, before an editor confirms."""
    record = _record(slot_id)
    return render_template("slots_delete.html", record=record, when=when_vi, version=record.version)


@bp.route("/<int:slot_id>/delete", methods=["POST"])
@login_required(*EDITORS)
def delete(slot_id: int) -> tuple[str | Response, int]:
    """Delete a slot once the box is ticked; its aired occurrences keep their evidence."""
    record = _record(slot_id)
    if request.form.get("confirmed") != "yes":
        flash("Hãy đánh dấu ô xác nhận trước khi xóa khung giờ.", "error")
        page = render_template(
            "slots_delete.html", record=record, when=when_vi, version=request.form.get("version")
        )
        return page, 422
    try:
        gone = service.delete_slot(services(), g.user.name, slot_id, _version())
    except BroadcasterError as exc:
        return _refused(exc, keep=False)
    flash(f"Đã xóa khung giờ “{gone.name}”.", "ok")
    return redirect(url_for("slots.index")), 303


def form_again() -> str:
    """The add or edit form refused for its CSRF token, shown again as it was typed."""
    slot_id = (request.view_args or {}).get("slot_id")
    editing = None
    if slot_id is not None:
        try:
            editing = service.find_slot(services(), slot_id)
        except BroadcasterError:
            editing = None  # gone meanwhile: the add form takes what was typed
    return index_page(request.form, editing)
