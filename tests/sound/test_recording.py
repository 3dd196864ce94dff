"""A reading recorded or uploaded as a bulletin's audio: mastered like synthesised speech, sealed
by its sha256, approved as heard, never replaced by a synthesised voice."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from broadcaster.daemon.process import Daemon
from broadcaster.enums import Outcome, Priority, Status
from broadcaster.errors import Code
from broadcaster.intake.parse import ScriptRejected, parse_script
from broadcaster.onair.outputs import NullOutput
from broadcaster.programme.slots import parse_slots
from broadcaster.services import audio as audio_service
from broadcaster.services import scripts
from broadcaster.sound import audio
from broadcaster.sound.recording import MAX_UPLOAD_BYTES
from broadcaster.sound.render import RenderFailed
from broadcaster.sound.voices.espeak import EspeakEngine
from broadcaster.store.db import Airing, DaemonLease, Problem, ProgrammeEntry, Rendering, Script
from broadcaster.store.renderings import file_sha256
from broadcaster.store.users import create_user
from tests.conftest import FIXED_NOW, db_snapshot
from tests.helpers import services, use_slots

PASSWORD = "mat-khau-thu-nghiem"
READING = "Ủy ban nhân dân thị trấn thông báo lịch tiêm chủng cho trẻ em. Xin cảm ơn bà con."
CODECS = {
    "wav": ["-c:a", "pcm_s16le"],
    "ogg": ["-c:a", "libvorbis"],
    "webm": ["-c:a", "libopus"],
    "mp3": ["-c:a", "libmp3lame"],
    "m4a": ["-c:a", "aac"],
}
EVENING = FIXED_NOW.replace(hour=10, minute=0, second=1)  # 17:00:01 in Hà Nội
CHIEU = parse_slots('[[slot]]\nname = "Chiều"\nstart = "17:00"\nminutes = 30\n', "t.toml")[0]


def reading(folder: Path, fmt: str, text: str = READING, quiet: bool = False) -> Path:
    """Real speech (espeak) encoded by the bundled ffmpeg as a phone or a browser would send it;
    `quiet` makes it 30 dB softer than the voice, so mastering has to lift it."""
    speech = EspeakEngine().synthesise(text)
    raw = folder / f"{fmt}.raw"
    raw.write_bytes(speech.pcm)
    out = folder / f"doc-{len(text)}.{fmt}"
    volume = ["-af", "volume=-30dB"] if quiet else []
    subprocess.run(
        [audio.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "s16le",
         "-ar", str(speech.sample_rate), "-ac", "1", "-i", str(raw), *volume, *CODECS[fmt],
         str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture
def app(station):  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        for name, role in (("vhxh", "officer"), ("chutich", "leader"), ("phochutich", "leader")):
            create_user(session, name, PASSWORD, role)
        session.commit()
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    yield app
    app.extensions["broadcaster"].engine.dispose()


def client_for(app, name: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf_token": token(client, "/login")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def token(client: FlaskClient, path: str = "/record") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def send(client: FlaskClient, path: Path | None, **form: object) -> str:
    """Post the record form as the page does; return the page it lands on."""
    data: dict[str, object] = {"csrf_token": token(client)} | form
    if path is not None:
        data["audio"] = (io.BytesIO(path.read_bytes()), path.name)
    response = client.post(
        "/record", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    return response.get_data(as_text=True)


def seen_hash(client: FlaskClient, script_id: int) -> str:
    html = client.get(f"/scripts/{script_id}").get_data(as_text=True)
    match = re.search(r'name="seen" value="([0-9a-f]{64})"', html)
    assert match, html
    return match.group(1)


def approve(client: FlaskClient, script_id: int, seen: str) -> str:
    data = {"csrf_token": token(client, f"/scripts/{script_id}"), "seen": seen}
    response = client.post(f"/scripts/{script_id}/approve", data=data, follow_redirects=True)
    return response.get_data(as_text=True)


def recordings(station) -> list[Rendering]:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        query = select(Rendering).where(Rendering.engine == "recording").order_by(Rendering.id)
        found = list(session.scalars(query))
        session.expunge_all()
        return found


@pytest.mark.parametrize("fmt", sorted(CODECS))
def test_each_format_is_mastered_to_the_target_and_kept_as_a_recording(
    app, station, tmp_path: Path, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    """A soft reading in any phone or browser format comes out as an MP3 at the loudness target
    under the true-peak ceiling, as a rendering of engine "recording" named for its reader."""
    officer = client_for(app, "vhxh")
    html = send(officer, reading(tmp_path, fmt, quiet=True), title="Tiêm chủng", topic="c")
    assert "Đã lưu bản ghi âm cho bản tin số 1" in html, html
    assert "Giọng người đọc (bản ghi âm)" in html and "bản nháp, chờ lãnh đạo" in html
    (rendering,) = recordings(station)
    path = station.settings.var_path / rendering.audio_path
    assert rendering.voice == "vhxh" and rendering.sha256 == file_sha256(path)
    measured = audio.measure_loudness(path)  # ffmpeg's meter, independent of ours
    assert measured.integrated == pytest.approx(station.settings.target_lufs, abs=1.0)
    assert measured.true_peak <= station.settings.true_peak_dbtp + 0.5
    speech = EspeakEngine().synthesise(READING)
    spoken = len(speech.pcm) / 2 / speech.sample_rate
    assert spoken + 1 < rendering.duration_s < spoken + 8  # the reading with its chime
    assert audio.mp3_duration(path) == pytest.approx(rendering.duration_s)
    with station.sessions() as session:
        script = session.get_one(Script, 1)
        assert script.status == Status.DRAFT and script.author == "vhxh"
        assert script.body == "Tiêm chủng" and script.source_name == f"doc-{len(READING)}.{fmt}"


def test_the_leader_approves_the_recording_heard_and_the_airing_seals_it(
    app, station, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A recording replaced after the leader opened the page is refused like an edited text;
    the approved one airs, its sha256 sealed in the evidence, and the log says whose voice."""
    officer, leader = client_for(app, "vhxh"), client_for(app, "chutich")
    first, second = reading(tmp_path, "ogg"), reading(tmp_path, "wav", READING + " Xin cảm ơn.")
    send(officer, first, title="Tiêm chủng", topic="c", body="Lịch tiêm chủng tháng ba.")
    opened = seen_hash(leader, 1)
    assert "Đã lưu bản ghi âm" in send(officer, second, script_id="1")
    refused = approve(leader, 1, opened)
    assert "Bản tin đã được sửa sau khi anh/chị mở trang" in refused
    with station.sessions() as session:
        assert session.get_one(Script, 1).status == Status.DRAFT
    assert "Đã duyệt" in approve(leader, 1, seen_hash(leader, 1))
    heard = recordings(station)[-1]
    # The officer records it again: the approved bulletin goes back to draft, as after an edit.
    again = send(officer, first, script_id="1")
    assert "trở lại bản nháp và cần lãnh đạo duyệt lại" in again
    assert "Đã duyệt" in approve(leader, 1, seen_hash(leader, 1))
    newest = recordings(station)[-1]
    assert newest.sha256 != heard.sha256
    use_slots(station, [CHIEU])
    Daemon(
        station.settings, station.sessions, [CHIEU], NullOutput(),
        clock=lambda: EVENING,
    ).air_slot("Chiều")  # fmt: skip
    with station.sessions() as session:
        (airing,) = session.scalars(select(Airing)).all()
        assert airing.outcome == Outcome.AIRED and airing.audio_sha256 == newest.sha256
        assert airing.voice == "recording:vhxh" and airing.approved_by == "chutich"
    log = leader.get("/log/?from=2024-03-01&to=2024-03-31").get_data(as_text=True)
    assert 'Tiêm chủng <span class="meta">(giọng người đọc)</span>' in log


def test_a_refused_file_is_one_vietnamese_sentence_and_changes_nothing(
    app, station, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    officer = client_for(app, "vhxh")
    use_slots(
        station, [parse_slots('[[slot]]\nname = "Ngắn"\nstart = "07:00"\nminutes = 1\n', "t")[0]]
    )
    fake = tmp_path / "ban-tin.mp3"
    fake.write_text("Đây là chữ, không phải âm thanh.", encoding="utf-8")
    long = tmp_path / "dai.ogg"
    subprocess.run(
        [audio.ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "sine=frequency=300:duration=70", "-c:a", "libvorbis", str(long)],
        check=True,
    )  # fmt: skip
    silent = tmp_path / "im-lang.wav"
    subprocess.run(
        [audio.ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "anullsrc=r=16000:cl=mono", "-t", "5", str(silent)],
        check=True,
    )  # fmt: skip
    before = db_snapshot(station.settings.db_url)
    folder = station.settings.var_path / "audio"
    files = sorted(folder.iterdir()) if folder.exists() else []
    cases = [
        (fake, "Tệp ban-tin.mp3 không phải âm thanh đọc được; hãy gửi tệp khác."),
        (long, "Bản ghi âm dài hơn 1 phút, dài hơn khung giờ dài nhất"),
        (silent, "Bản ghi âm im-lang.wav không có tiếng; hãy kiểm tra micrô rồi ghi lại."),
        (None, "Chưa có bản ghi âm hay tệp âm thanh nào được gửi lên."),
    ]
    for path, sentence in cases:
        html = send(officer, path, title="Thử", topic="c")
        assert f"Chưa lưu được bản ghi âm: {sentence}" in html, html
        assert "Traceback" not in html
    # Encoded here as bytes: the test client would spool a form this large to a temporary
    # file that nothing reads, and so nothing closes, when the route refuses it unread.
    boundary, huge = encode_multipart(
        {"csrf_token": token(officer), "title": "Thử", "topic": "c",
         "audio": FileStorage(io.BytesIO(b"\0" * (MAX_UPLOAD_BYTES + 1_500_000)), "to.wav")}
    )  # fmt: skip
    kind = f"multipart/form-data; boundary={boundary}"
    response = officer.post("/record", data=huge, content_type=kind, follow_redirects=True)
    assert "Tệp âm thanh quá lớn: tối đa 100 MB." in response.get_data(as_text=True)
    existing = officer.post("/record?script=1", data=huge, content_type=kind)
    assert existing.status_code == 303 and existing.location.endswith("/record?script=1")
    assert db_snapshot(station.settings.db_url) == before
    assert (sorted(folder.iterdir()) if folder.exists() else []) == files


def test_a_recording_is_never_synthesised_even_when_its_file_is_lost(
    app, station, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """ensure_audio never calls a voice for a recording: a lost file is a problem to show; an
    edited summary keeps the recording (the same audio is re-attached, never re-spoken)."""
    officer = client_for(app, "vhxh")
    send(officer, reading(tmp_path, "webm"), title="Tiêm chủng", topic="c", body="Tóm tắt.")
    voices_asked: list[str] = []

    def no_voice(choice, settings):  # type: ignore[no-untyped-def]
        voices_asked.append(choice)
        raise AssertionError("a recording must never be synthesised")

    with services(station, FIXED_NOW) as ctx:
        scripts.edit_script(ctx, 1, "Tóm tắt đã sửa: lịch tiêm chủng tháng ba.")
        kept = audio_service.render_one(ctx, 1)  # the page's "Tạo âm thanh"
        (first, *_) = recordings(station)
        assert kept.engine == "recording" and kept.sha256 == first.sha256 and kept.cached
        entry = ProgrammeEntry(
            slot_name="Chiều", starts_at=EVENING, position=0, script_id=1,
            rendering_id=kept.rendering_id,
        )  # fmt: skip
        ctx.session.add(entry)
        ctx.session.commit()
        (station.settings.var_path / first.audio_path).unlink()
        assert audio_service.ensure_audio(replace(ctx, voices=no_voice), entry) is False
        with pytest.raises(RenderFailed) as refused:
            audio_service.render_one(ctx, 1)
        assert refused.value.code == Code.RECORDING_LOST
        (problem,) = ctx.session.scalars(select(Problem)).all()
        assert "never replaced by a synthesised voice" in problem.message
    assert voices_asked == []
    assert {r.engine for r in recordings(station)} == {"recording"}
    with station.sessions() as session:
        assert session.scalars(select(Rendering).where(Rendering.engine != "recording")).all() == []


def test_a_leader_airs_their_own_emergency_recording_at_once(app, station, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A leader's own recording may be approved by that leader only when it is an emergency;
    it then airs through the confirmed air-now, and the evidence names the leader as author,
    approver and requester."""
    leader = client_for(app, "chutich")
    send(leader, reading(tmp_path, "m4a", "Bão số ba sắp đổ bộ."), title="Bão", topic="c")
    refused = approve(leader, 1, seen_hash(leader, 1))
    assert "chutich" in refused and "Đã duyệt" not in refused  # not an emergency: another leader
    send(leader, reading(tmp_path, "webm", "Khẩn cấp: bão số ba sắp đổ bộ."), title="Bão khẩn",
         topic="c", priority="emergency")  # fmt: skip
    assert "Đã duyệt" in approve(leader, 2, seen_hash(leader, 2))
    # The exception is for the leader's own voice: their emergency typed as text still needs
    # another leader.
    typed = parse_script("Khẩn cấp: lũ lên nhanh.".encode(), "t.txt", topic="c")
    with services(station, FIXED_NOW) as ctx:
        (text_only,) = scripts.add_scripts(ctx, [typed], "chutich", Priority.EMERGENCY)
        audio_service.render_one(ctx, text_only.id, "espeak")
        with pytest.raises(ScriptRejected) as self_approved:
            scripts.approve_script(ctx, text_only.id, "chutich")
        assert self_approved.value.code == Code.SELF_APPROVAL
    confirm = leader.get("/scripts/2/air-now").get_data(as_text=True)
    assert "Xác nhận phát KHẨN" in confirm
    with station.sessions() as session:
        session.add(DaemonLease(id=1, holder="radio-pc pid 7", heartbeat_at=FIXED_NOW))
        session.commit()
    data = {"csrf_token": token(leader, "/scripts/2"), "confirmed": "yes"}
    sent = leader.post("/scripts/2/air-now", data=data, follow_redirects=True)
    assert "Đã gửi yêu cầu phát KHẨN" in sent.get_data(as_text=True)
    Daemon(
        station.settings, station.sessions, [CHIEU], NullOutput(),
        clock=lambda: FIXED_NOW + timedelta(seconds=5),
    ).serve_requests()  # fmt: skip
    with station.sessions() as session:
        (airing,) = session.scalars(select(Airing)).all()
        assert airing.outcome == Outcome.AIRED and airing.script_id == 2
        assert airing.author == airing.approved_by == airing.requested_by == "chutich"
        assert airing.audio_sha256 == recordings(station)[-1].sha256
