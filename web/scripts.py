"""Scripts: upload or paste, read the spoken form, listen, edit, approve, return, retire, air now."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.wrappers import Response

from broadcaster.enums import Kind, Topic, labels_vi
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import audio as audio_service
from broadcaster.services import clusters as clusters_service
from broadcaster.services import onair, reading
from broadcaster.services import scripts as service
from broadcaster.services.background import JobState, RenderQueue
from broadcaster.services.onair import Queued
from broadcaster.services.placement import placement
from broadcaster.services.reading import LexiconError
from broadcaster.services.scripts import Script, ScriptRejected, parse_script

from . import duration_vi
from .auth import login_required
from .db import services, station
from .labels import RULE_LABELS_VI, VOICE_LABELS_VI
from .messages import vietnamese
from .placement import approval_message
from .script_list import index_page

bp = Blueprint("scripts", __name__)


def _back(script_id: int) -> tuple[Response, int]:
    return redirect(url_for("scripts.detail", script_id=script_id)), 303


def _refused(error: BroadcasterError, script_id: int | None = None) -> tuple[Response, int]:
    """Say why in Vietnamese (by the error's code) and go back; nothing was changed."""
    services().session.rollback()
    flash(vietnamese(error), "error")
    if script_id is None or error.code == Code.SCRIPT_NOT_FOUND:
        return redirect(url_for("scripts.index")), 303
    return _back(script_id)


def _script_or_404(script_id: int) -> Script:
    try:
        return service.get_script(services(), script_id)
    except ScriptRejected as exc:
        abort(404, vietnamese(exc))


def _queue_render(script_id: int) -> None:
    """Queue the preview's render; the script page shows its progress and the result."""
    renders().submit(script_id)
    flash(  # "render": render.js takes it away once the audio is ready
        "Đang tạo âm thanh; trang này tự cập nhật khi xong (có thể tiếp tục làm việc khác).",
        "ok render",
    )


def renders() -> RenderQueue:
    """The web process's render worker."""
    queue: RenderQueue = current_app.extensions["broadcaster.renders"]
    return queue


def _job_view(script_id: int) -> dict[str, object]:
    """What the progress box shows: the state, sentences spoken of how many, and the words."""
    job = renders().job(script_id)
    if job is None:
        return {"state": "none"}
    view: dict[str, object] = {"state": job.state.value, "done": job.done, "total": job.total}
    if job.state == JobState.QUEUED:
        view["message"] = "Đang chờ tạo âm thanh…"
    elif job.state == JobState.RUNNING:
        view["message"] = f"Đang tạo giọng đọc: {job.done}/{job.total} câu…"
        if job.total and job.done >= job.total:
            view["message"] = "Đang xử lý âm lượng và lưu tệp…"
    elif job.state == JobState.DONE and job.result is not None:
        voice = VOICE_LABELS_VI.get(job.result.engine, job.result.engine)
        view["message"] = (
            f"Đã tạo âm thanh bằng {voice}, thời lượng {duration_vi(job.result.duration_s)}."
        )
        view["audio"] = url_for("scripts.audio", script_id=script_id, v=job.result.sha256[:12])
    else:
        view["message"] = (
            vietnamese(job.error)
            if job.error is not None
            else "Không tạo được âm thanh do lỗi phần mềm; hãy báo kỹ thuật viên."
        )
    return view


@bp.route("/")
@login_required()
def index() -> str:
    """List the scripts (search, filters, pages) under the form to add one."""
    return index_page()


@bp.route("/scripts", methods=["POST"])
@login_required("officer")
def create() -> tuple[Response | str, int]:
    """Take an uploaded file or pasted text as a new draft, and render its preview."""
    upload = request.files.get("file")
    pasted = request.form.get("body", "").strip()
    try:
        if upload and upload.filename:
            data, name = upload.read(), upload.filename
        elif pasted:
            data, name = pasted.encode("utf-8"), "dán-vào.txt"
        else:
            raise ScriptRejected(Code.NOTHING_GIVEN)
        item = parse_script(
            data,
            name,
            title=request.form.get("title") or None,
            topic=request.form.get("topic") or None,
            week=request.form.get("week") or None,
        )
        priority = service.clean_priority(request.form.get("priority"))
        kind = service.clean_kind(request.form.get("kind"), priority)
        (script,) = service.add_scripts(services(), [item], g.user.name, priority, kind)
    except BroadcasterError as exc:
        return _refused_upload(exc, chosen_file=bool(upload and upload.filename))
    flash(f"Đã thêm bản tin số {script.id} (bản nháp, chờ lãnh đạo duyệt).", "ok")
    _queue_render(script.id)
    return _back(script.id)


def _refused_upload(error: BroadcasterError, chosen_file: bool) -> tuple[str, int]:
    """The list page again with the form open and filled as it was sent (title, text, kind,
    topic, week, priority); a browser never refills a file box, so it asks for the file again."""
    services().session.rollback()
    flash("Không nhận được bản tin: " + vietnamese(error), "error")
    if chosen_file:
        flash("Các ô đã điền vẫn giữ nguyên; hãy chọn lại tệp trước khi gửi lại.", "error")
    return index_page(kept=request.form), 422


def detail_page(script_id: int, kept: Mapping[str, str] | None = None) -> str | None:
    """One script's page, its edit form filled with `kept` (a refused form); None if no such."""
    try:
        script = service.get_script(services(), script_id)
    except ScriptRejected:
        return None
    rendering = audio_service.current_audio(services(), script)
    spoken = reading.spoken_script(station().settings, script, explain=True)
    job = _job_view(script.id)
    return render_template(
        "script.html",
        script=script,
        seen=service.version_hash(script),
        rendering=rendering,
        job=job,
        spoken=spoken,
        topics=labels_vi(Topic),
        kinds=labels_vi(Kind),
        rule_labels=RULE_LABELS_VI,
        voice_labels=VOICE_LABELS_VI,
        kept=kept or {},
    )


@bp.route("/scripts/<int:script_id>")
@login_required()
def detail(script_id: int) -> str | tuple[str, int]:
    """One script: its text, spoken form, audio and approval."""
    script = _script_or_404(script_id)
    try:
        page = detail_page(script.id)
    except LexiconError as exc:
        return render_template("error.html", message=vietnamese(exc)), 500
    assert page is not None  # the script was just found
    return page


@bp.route("/scripts/<int:script_id>/edit", methods=["POST"])
@login_required("officer")
def edit(script_id: int) -> tuple[Response | str, int]:
    """Save new words; an approved script goes back to draft. Words someone else changed
    since the page was opened are not overwritten: the page comes back with the new text
    beside what was typed."""
    try:
        change = service.edit_script(
            services(), script_id, request.form.get("body", ""), request.form.get("title"),
            seen_hash=request.form.get("seen") or None, kind=request.form.get("kind"),
            topic=request.form.get("topic") or None,
        )  # fmt: skip
    except BroadcasterError as exc:
        if exc.code != Code.SCRIPT_EDIT_CONFLICT:
            return _refused(exc, script_id)
        services().session.rollback()
        flash(vietnamese(exc), "error")
        page = detail_page(script_id, kept=request.form)
        return (page, 409) if page is not None else _back(script_id)
    if change.back_to_draft:
        flash(
            "Đã lưu. Bản tin đã sửa nên trở lại bản nháp và cần lãnh đạo duyệt lại trước khi phát.",
            "ok",
        )
    else:
        flash("Đã lưu thay đổi.", "ok")
    if audio_service.current_audio(services(), change.script) is None:
        _queue_render(script_id)
    return _back(script_id)


@bp.route("/scripts/<int:script_id>/render", methods=["POST"])
@login_required("officer")
def render(script_id: int) -> tuple[Response, int]:
    """Make (or reuse) the audio of the script's current words."""
    _script_or_404(script_id)
    _queue_render(script_id)
    return _back(script_id)


@bp.route("/scripts/<int:script_id>/render-status")
@login_required()
def render_status(script_id: int) -> Response:
    """The progress of the script's render, for the page's progress box (JSON)."""
    _script_or_404(script_id)
    return jsonify(_job_view(script_id))


@bp.route("/scripts/<int:script_id>/approve", methods=["POST"])
@login_required("leader")
def approve(script_id: int) -> tuple[Response, int]:
    """Approve the script for air."""
    try:
        script = service.approve_script(
            services(), script_id, g.user.name, seen_hash=request.form.get("seen", "")
        )
    except BroadcasterError as exc:
        return _refused(exc, script_id)
    flash(approval_message(placement(services(), script), station().settings.tz), "ok")
    return _back(script_id)


@bp.route("/scripts/<int:script_id>/return", methods=["POST"])
@login_required("leader")
def return_to_draft(script_id: int) -> tuple[Response, int]:
    """Send an approved script back to the officer as a draft."""
    try:
        change = service.return_script(services(), script_id, request.form.get("note", ""))
    except BroadcasterError as exc:
        return _refused(exc, script_id)
    flash(f"Đã trả bản tin về bản nháp; đã rút khỏi {change.withdrawn} buổi phát sắp tới.", "ok")
    return _back(script_id)


@bp.route("/scripts/<int:script_id>/retire", methods=["POST"])
@login_required("leader")
def retire(script_id: int) -> tuple[Response, int]:
    """Take the script off the air for good."""
    try:
        change = service.retire_script(services(), script_id)
    except BroadcasterError as exc:
        return _refused(exc, script_id)
    flash(f"Đã ngừng phát bản tin; đã rút khỏi {change.withdrawn} buổi phát sắp tới.", "ok")
    return _back(script_id)


_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')  # not in a Windows file name


@bp.route("/scripts/<int:script_id>/audio.mp3")
@login_required()
def audio(script_id: int) -> Response:
    """The script's current MP3, with HTTP Range so the player can seek."""
    script = _script_or_404(script_id)
    rendering = audio_service.current_audio(services(), script)
    if rendering is None:
        abort(404, "Bản tin này chưa có âm thanh.")
    path = audio_service.playable_file(services(), rendering)
    if path is None:
        abort(404, "Tệp âm thanh bị thiếu hoặc đã thay đổi; hãy bấm “Tạo âm thanh” để tạo lại.")
    made = rendering.created_at.astimezone(station().settings.tz).strftime("%d-%m-%Y %Hh%M")
    name = _UNSAFE_IN_NAMES.sub(" ", f"Bản tin {script_id} - {script.title}")
    return send_file(  # saved from the player as "Bản tin 12 - Lịch tiếp dân (05-03-2024 08h30).mp3"
        path, mimetype="audio/mpeg", conditional=True, etag=rendering.sha256, max_age=0,
        download_name=f"{name[:80].strip()} ({made}).mp3",
    )  # fmt: skip


@bp.route("/scripts/<int:script_id>/air-now", methods=["GET"])
@login_required("leader")
def air_now_confirm(script_id: int) -> str:
    """Say what will stop and what will air, before anything is sent to the daemon."""
    script = _script_or_404(script_id)
    rendering = audio_service.current_audio(services(), script)
    return render_template(
        "air_now.html", script=script, rendering=rendering, on_air=onair.on_air(services()),
        zones=clusters_service.zones(services().session),
    )  # fmt: skip


@bp.route("/scripts/<int:script_id>/air-now", methods=["POST"])
@login_required("leader")
def air_now(script_id: int) -> tuple[Response, int] | Response:
    """Ask the running daemon to air an approved bulletin at once (an emergency interrupts),
    once the leader has confirmed on the page that says what will stop and what will air."""
    if request.form.get("confirmed") != "yes":
        return redirect(url_for("scripts.air_now_confirm", script_id=script_id))
    try:
        queued = onair.air_now(
            services(), script_id, local_output=None, requested_by=g.user.name,
            zones=tuple(request.form.getlist("zone")),
        )  # fmt: skip
    except BroadcasterError as exc:
        return _refused(exc, script_id)
    assert isinstance(queued, Queued)  # without a local output only the daemon airs
    if queued.emergency:
        flash(
            "Đã gửi yêu cầu phát KHẨN: bản tin đang phát sẽ dừng để phát bản tin này. Xem kết quả ở Nhật ký phát.",
            "ok",
        )
    else:
        flash("Đã gửi yêu cầu phát ngay sau bản tin đang phát. Xem kết quả ở Nhật ký phát.", "ok")
    return _back(script_id)
