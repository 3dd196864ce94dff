"""Scripts: upload or paste, read the spoken form, listen, edit, approve."""

from __future__ import annotations

from datetime import datetime

from broadcaster.web.auth import login_required
from broadcaster.web.db import session, station, station_clock
from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for

from broadcaster.db import PRIORITIES, TOPICS, AirRequest, Script
from broadcaster.ingest import ScriptRejected, parse_script
from broadcaster.lease import lease_is_alive
from broadcaster.programme import withdraw_script
from broadcaster.render import (
    RenderFailed,
    current_rendering,
    expected_seconds,
    make_engines,
    normaliser_for,
    render_script,
)
from broadcaster.scripts import add_script, approve_script, edit_script, list_scripts
from broadcaster.slots import SlotError, load_slots
from broadcaster.spoken import LexiconError

bp = Blueprint("scripts", __name__)

VOICE_LABELS_VI = {
    "gtts": "giọng Google",
    "edge": "giọng Microsoft (giọng nơ-ron)",
    "espeak": "giọng dự phòng (espeak-ng, ngoại tuyến)",
}
RULE_LABELS_VI = {
    "url": "địa chỉ trang web",
    "email": "địa chỉ thư điện tử",
    "page furniture": "số trang, dòng kẻ",
    "list marker": "đánh số mục",
    "document symbol": "số, ký hiệu văn bản",
    "phone number": "số điện thoại",
    "quarter": "quý",
    "date": "ngày tháng",
    "date or share": "ngày tháng hoặc tỷ lệ",
    "time": "giờ",
    "range": "khoảng (từ … đến …)",
    "per": "đơn vị tính",
    "ordinal": "thứ, tháng",
    "Roman numeral": "số La Mã",
    "abbreviation echo": "chữ viết tắt lặp lại",
    "abbreviation": "chữ viết tắt",
    "number": "số",
    "letter names": "đánh vần chữ cái",
    "symbol": "ký hiệu",
    "punctuation": "dấu câu",
}
REJECTION_VI = "Không nhận được bản tin: {reason} Vui lòng kiểm tra tệp hoặc nội dung rồi thử lại."


def _now() -> datetime:
    return station_clock()()


def _script_or_404(script_id: int) -> Script:
    script = session().get(Script, script_id)
    if script is None:
        abort(404, f"Không có bản tin số {script_id}.")
    return script


def _render(script: Script) -> None:
    """Render a preview now so the officer and leader can listen; failures are flashed."""
    settings = station().settings
    try:
        result = render_script(
            session(), script, make_engines(settings.engine, settings), settings, _now()
        )
    except RenderFailed:
        flash("Chưa tạo được âm thanh: không giọng đọc nào hoạt động. Hãy thử lại sau.", "error")
        return
    voice = VOICE_LABELS_VI.get(result.engine, result.engine)
    flash(f"Đã tạo âm thanh bằng {voice}, dài {result.duration_s:.0f} giây.", "ok")


@bp.route("/")
@login_required()
def index():  # type: ignore[no-untyped-def]
    """List all scripts and the form to add one."""
    return render_template("scripts.html", scripts=list_scripts(session()), topics=TOPICS)


@bp.route("/scripts", methods=["POST"])
@login_required("officer")
def create():  # type: ignore[no-untyped-def]
    """Take an uploaded file or pasted text as a new draft, and render its preview."""
    upload = request.files.get("file")
    pasted = request.form.get("body", "").strip()
    try:
        if upload and upload.filename:
            data, name = upload.read(), upload.filename
        elif pasted:
            data, name = pasted.encode("utf-8"), "dán-vào.txt"
        else:
            raise ScriptRejected("Chưa chọn tệp hoặc dán nội dung.")
        item = parse_script(
            data,
            name,
            title=request.form.get("title") or None,
            topic=request.form.get("topic") or None,
            week=request.form.get("week") or None,
        )
    except ScriptRejected as exc:
        flash(REJECTION_VI.format(reason=_vi_reason(str(exc))), "error")
        return redirect(url_for("scripts.index")), 303
    script = add_script(session(), item, _now(), g.user.name)
    priority = request.form.get("priority", "normal")
    script.priority = priority if priority in PRIORITIES else "normal"
    session().commit()
    flash(f"Đã thêm bản tin số {script.id} (bản nháp, chờ lãnh đạo duyệt).", "ok")
    _render(script)
    session().commit()
    return redirect(url_for("scripts.detail", script_id=script.id)), 303


def _vi_reason(english: str) -> str:
    """The core's one-sentence reason, in Vietnamese where we know it."""
    known = {
        "is empty": "tệp trống.",
        "has no text": "tệp không có chữ.",
        "binary file": "tệp không phải văn bản (có thể là tệp nhị phân).",
        "text encoding": "không đọc được bảng mã của tệp (hỗ trợ UTF-8, UTF-16, Windows-1258).",
        "only .txt, .md and .docx": "chỉ nhận tệp .txt, .md hoặc .docx.",
        "has no topic": "chưa chọn chủ đề theo kế hoạch (a, b, c, d, đ).",
        "is not one of the plan's topics": "chủ đề không thuộc kế hoạch (a, b, c, d, đ).",
        "is not an ISO week": "tuần phải có dạng 2024-W10.",
        "Word (.docx)": "tệp Word (.docx) bị hỏng hoặc không đọc được.",
        "larger than": "tệp quá lớn.",
    }
    for needle, vietnamese in known.items():
        if needle in english:
            return vietnamese
    return english if not english.isascii() else "nội dung không hợp lệ."


@bp.route("/scripts/<int:script_id>")
@login_required()
def detail(script_id: int):  # type: ignore[no-untyped-def]
    """One script: its text, spoken form, audio and approval."""
    script = _script_or_404(script_id)
    rendering = current_rendering(session(), script)
    try:
        spoken = normaliser_for(station().settings)(script.body, explain=True)
    except LexiconError as exc:
        return render_template(
            "error.html", message=f"Tệp từ viết tắt có lỗi: {exc} Báo kỹ thuật viên sửa tệp."
        ), 500
    return render_template(
        "script.html",
        script=script,
        rendering=rendering,
        spoken=spoken,
        topics=TOPICS,
        rule_labels=RULE_LABELS_VI,
        voice_labels=VOICE_LABELS_VI,
    )


@bp.route("/scripts/<int:script_id>/edit", methods=["POST"])
@login_required("officer")
def edit(script_id: int):  # type: ignore[no-untyped-def]
    """Save new words; an approved script goes back to draft."""
    script = _script_or_404(script_id)
    was_approved = script.status == "approved"
    try:
        edit_script(session(), script_id, request.form.get("body", ""), request.form.get("title"))
    except ScriptRejected:
        session().rollback()
        flash(
            "Không lưu được: nội dung bản tin đang trống. Hãy nhập nội dung rồi lưu lại.", "error"
        )
        return redirect(url_for("scripts.detail", script_id=script_id)), 303
    if script.status == "draft":
        withdraw_script(session(), script_id, _now())  # pulled from every future slot
    session().commit()
    if was_approved and script.status == "draft":
        flash(
            "Đã lưu. Bản tin đã sửa nên trở lại bản nháp và cần lãnh đạo duyệt lại trước khi phát.",
            "ok",
        )
    else:
        flash("Đã lưu thay đổi.", "ok")
    if current_rendering(session(), script) is None:
        _render(script)
        session().commit()
    return redirect(url_for("scripts.detail", script_id=script_id)), 303


@bp.route("/scripts/<int:script_id>/render", methods=["POST"])
@login_required("officer")
def render(script_id: int):  # type: ignore[no-untyped-def]
    """Make (or reuse) the audio of the script's current words."""
    _render(_script_or_404(script_id))
    session().commit()
    return redirect(url_for("scripts.detail", script_id=script_id)), 303


@bp.route("/scripts/<int:script_id>/approve", methods=["POST"])
@login_required("leader")
def approve(script_id: int):  # type: ignore[no-untyped-def]
    """Approve the script for air."""
    script = _script_or_404(script_id)
    if current_rendering(session(), script) is None:
        flash(
            "Chưa duyệt được: bản tin chưa có âm thanh. Hãy bấm “Tạo âm thanh” và nghe thử trước.",
            "error",
        )
        return redirect(url_for("scripts.detail", script_id=script_id)), 303
    seconds = expected_seconds(session(), script, station().settings)
    try:
        longest = max(slot.minutes for slot in load_slots(station().settings.schedules_path))
    except SlotError as exc:
        flash(
            f"Chưa duyệt được: lịch phát sóng có lỗi ({exc}). Báo kỹ thuật viên sửa tệp lịch.",
            "error",
        )
        return redirect(url_for("scripts.detail", script_id=script_id)), 303
    if seconds > longest * 60:
        flash(
            f"Chưa duyệt được: bản tin dài khoảng {int(seconds // 60)} phút {int(seconds % 60)} giây, "
            f"dài hơn khung giờ dài nhất ({longest} phút). Hãy rút gọn hoặc tách thành nhiều bản tin.",
            "error",
        )
        return redirect(url_for("scripts.detail", script_id=script_id)), 303
    try:
        approve_script(session(), script_id, g.user.name, _now())
    except ScriptRejected:
        session().rollback()
        flash(f"Bản tin này đang ở trạng thái “{script.status}”, không thể duyệt.", "error")
        return redirect(url_for("scripts.detail", script_id=script_id)), 303
    session().commit()
    flash("Đã duyệt. Bản tin sẽ được phát trong các khung giờ phù hợp.", "ok")
    return redirect(url_for("scripts.detail", script_id=script_id)), 303


@bp.route("/scripts/<int:script_id>/audio.mp3")
@login_required()
def audio(script_id: int):  # type: ignore[no-untyped-def]
    """The script's current MP3, with HTTP Range so the player can seek."""
    rendering = current_rendering(session(), _script_or_404(script_id))
    if rendering is None:
        abort(404, "Bản tin này chưa có âm thanh.")
    path = station().settings.var_path / rendering.audio_path
    if not path.is_file():
        abort(404, "Không tìm thấy tệp âm thanh; hãy tạo lại âm thanh.")
    return send_file(
        path, mimetype="audio/mpeg", conditional=True, etag=rendering.sha256, max_age=0
    )


@bp.route("/scripts/<int:script_id>/air-now", methods=["POST"])
@login_required("leader")
def air_now(script_id: int):  # type: ignore[no-untyped-def]
    """Ask the running daemon to air an approved bulletin at once (an emergency interrupts)."""
    script = _script_or_404(script_id)
    back = redirect(url_for("scripts.detail", script_id=script_id)), 303
    if script.status != "approved" or current_rendering(session(), script) is None:
        flash("Chỉ phát ngay được bản tin đã duyệt và đã có âm thanh.", "error")
        return back
    if not lease_is_alive(session(), _now()):
        flash(
            "Chương trình phát tự động đang không chạy nên chưa phát ngay được. Báo kỹ thuật viên khởi động lại.",
            "error",
        )
        return back
    emergency = script.priority == "emergency"
    session().add(AirRequest(script_id=script.id, emergency=emergency, requested_at=_now()))
    session().commit()
    if emergency:
        flash(
            "Đã gửi yêu cầu phát KHẨN: bản tin đang phát sẽ dừng để phát bản tin này. Xem kết quả ở Nhật ký phát.",
            "ok",
        )
    else:
        flash("Đã gửi yêu cầu phát ngay sau bản tin đang phát. Xem kết quả ở Nhật ký phát.", "ok")
    return back
