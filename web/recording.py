"""Recording: read a bulletin into the browser's microphone, or upload its audio file."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from broadcaster.enums import Topic, labels_vi
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import recording as service
from broadcaster.services import scripts
from broadcaster.services.recording import MAX_UPLOAD_BYTES, RecordingRefused
from broadcaster.services.scripts import Script, ScriptRejected, parse_script

from . import duration_vi
from .auth import login_required
from .db import services, station
from .messages import vietnamese

bp = Blueprint("recording", __name__)

LIMIT_MB = MAX_UPLOAD_BYTES // 1_000_000
TOO_LARGE_VI = (
    f"Tệp âm thanh quá lớn: tối đa {LIMIT_MB} MB. Hãy ghi ngắn lại hoặc lưu tệp ở chất lượng "
    "thấp hơn (ví dụ MP3 hay M4A) rồi gửi lại."
)


def _chosen_script(raw: str | None) -> Script | None:
    """The script named by ?script= or the form's script_id, or None; a bad id is a 404."""
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit():
        abort(404, "Không tìm thấy bản tin.")
    try:
        return scripts.get_script(services(), int(raw))
    except ScriptRejected as exc:
        abort(404, vietnamese(exc))


def wants_json() -> bool:
    """Whether the page's script sent the form (it asks for JSON to follow the upload's
    progress) rather than the browser alone."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def record_page(script: Script | None, kept: Mapping[str, str] | None = None) -> str:
    """The recording page, its form filled with `kept` (a refused form)."""
    return render_template(
        "record.html",
        script=script,
        topics=labels_vi(Topic),
        limit_mb=LIMIT_MB,
        longest_minutes=service.longest_seconds(services()) // 60,
        kept=kept or {},
    )


@bp.route("/record")
@login_required("officer", "leader")
def page() -> str:
    """The page to record a reading (or upload its file) as a new bulletin or a draft's audio."""
    return record_page(_chosen_script(request.args.get("script")))


@bp.route("/record", methods=["POST"])
@login_required("officer", "leader")
def save() -> tuple[Response | str, int]:
    """Decode, master and keep the recording as the audio of a new or an existing bulletin."""
    script = _chosen_script(request.form.get("script_id") or request.args.get("script"))
    upload = request.files.get("audio")
    try:
        if upload is None or not upload.filename:
            raise RecordingRefused(Code.RECORDING_MISSING)
        new = None
        if script is None:
            title = request.form.get("title", "").strip()
            summary = request.form.get("body", "").strip()
            new = parse_script(
                (summary or title).encode("utf-8"),
                "ghi-âm.txt",
                title=title or None,
                topic=request.form.get("topic") or None,
                week=request.form.get("week") or None,
            )
            new = dataclasses.replace(new, source_name=upload.filename[:200], encoding="audio")
        priority = scripts.clean_priority(request.form.get("priority"))
        folder = station().settings.var_path / "audio"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".upload") as held:
            upload.save(held)
            held.flush()
            saved = service.save_recording(
                services(), Path(held.name),
                upload.filename, g.user.name,
                script_id=script.id if script is not None else None, new=new, priority=priority,
            )  # fmt: skip
    except BroadcasterError as exc:
        services().session.rollback()
        said = "Chưa lưu được bản ghi âm: " + vietnamese(exc)
        if wants_json():  # the page keeps its form, the chosen file too, and shows `said`
            return jsonify(error=said), 422
        flash(said, "error")
        flash("Các ô đã điền vẫn giữ nguyên; hãy chọn lại tệp hoặc ghi âm lại.", "error")
        return record_page(script, kept=request.form), 422
    _say_saved(saved)
    done = url_for("scripts.detail", script_id=saved.script.id)
    return (jsonify(location=done), 200) if wants_json() else (redirect(done), 303)


def _say_saved(saved: service.Saved) -> None:
    """Flash what was kept: its length and loudness, and what became of the bulletin."""
    rendering = saved.rendering
    flash(
        f"Đã lưu bản ghi âm cho bản tin số {saved.script.id}: thời lượng "
        f"{duration_vi(rendering.duration_s)}, độ to {rendering.loudness_lufs:.1f} LUFS.",
        "ok",
    )
    if saved.created:
        flash("Bản tin mới là bản nháp, chờ lãnh đạo nghe và duyệt.", "ok")
    elif saved.back_to_draft:
        flash(
            "Âm thanh đã thay nên bản tin trở lại bản nháp và cần lãnh đạo duyệt lại trước khi "
            f"phát (đã rút khỏi {saved.withdrawn} buổi phát sắp tới).",
            "ok",
        )
