"""Upload and recording feedback (real Flask app): a refused upload shows its form again, open
and filled with what was typed and chosen; a refused recording keeps its form too (the page's
script is answered in JSON, the browser alone with the page); lengths are written in words."""

from __future__ import annotations

import html as htmllib
import io
import re
from pathlib import Path

import pytest
from broadcaster.web import create_app, duration_vi
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from broadcaster.services.recording import MAX_UPLOAD_BYTES
from broadcaster.store.db import Rendering
from tests.conftest import FIXED_NOW, db_snapshot
from tests.helpers import add_draft
from tests.sound.test_recording import reading
from tests.web.test_web import PASSWORD, login, page, token

JSON = {"Accept": "application/json"}


@pytest.fixture
def app(station):  # type: ignore[no-untyped-def]
    from broadcaster.store.users import create_user

    with station.sessions() as session:
        create_user(session, "vhxh", PASSWORD, "officer")
        session.commit()
    add_draft(station, FIXED_NOW, "Một bản tin có sẵn, để biểu mẫu thêm bản tin thu gọn.")
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    yield app
    app.extensions["broadcaster"].engine.dispose()


@pytest.fixture
def officer(app) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vhxh")
    return client


def _field(html: str, name: str) -> str:
    """The value a box or list of the page holds (the selected option of a list)."""
    box = re.search(rf'<input name="{name}"[^>]*value="([^"]*)"', html)
    if box:
        return htmllib.unescape(box.group(1))
    listed = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL)
    assert listed, name
    chosen = re.search(r'<option value="([^"]*)" selected', listed.group(1))
    return htmllib.unescape(chosen.group(1)) if chosen else ""


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"file": (io.BytesIO(b"Noi dung."), "ban-tin.pdf")}, "Chỉ nhận tệp .txt, .md hoặc .docx"),
        ({"body": "... !!! ??? — ***"}, "không có chữ"),
    ],
    ids=["file", "pasted"],
)
def test_a_refused_upload_comes_back_open_with_what_was_typed_and_chosen(
    app, officer, station, given, says
) -> None:  # type: ignore[no-untyped-def]
    assert '<details class="card add">' in page(officer.get("/"))  # folded: there is a script
    before = db_snapshot(station.settings.db_url)
    chosen = {
        "title": "Lịch tiếp dân <tháng 4>", "kind": "notice", "topic": "đ",
        "week": "2024-W12", "priority": "priority",
    }  # fmt: skip
    form = {"csrf_token": token(officer), **chosen, **given}
    answer = officer.post("/scripts", data=form, content_type="multipart/form-data")
    html = page(answer)
    assert answer.status_code == 422
    assert '<details class="card add" open>' in html
    assert "Không nhận được bản tin: " in html and says in htmllib.unescape(html)
    assert {name: _field(html, name) for name in chosen} == chosen
    if "body" in given:
        assert f">{htmllib.escape(given['body'], quote=False)}</textarea>" in html
    assert ("hãy chọn lại tệp" in html) == ("file" in given)
    assert db_snapshot(station.settings.db_url) == before


def test_a_refused_recording_keeps_its_form_with_and_without_the_page_s_script(
    app, officer, station, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot(station.settings.db_url)
    typed = {"title": "Thông báo đọc trực tiếp", "topic": "b", "priority": "priority",
             "body": "Tóm tắt: lịch tiêm chủng."}  # fmt: skip

    def send(headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        fake = (io.BytesIO(b"khong phai am thanh" * 100), "ghi-am.mp3")
        form = {"csrf_token": token(officer, "/record"), "audio": fake, **typed}
        return officer.post("/record", data=form, content_type="multipart/form-data",
                            headers=headers or {})  # fmt: skip

    plain = send()
    html = page(plain)
    assert plain.status_code == 422 and "Chưa lưu được bản ghi âm: Tệp ghi-am.mp3" in html
    assert "Các ô đã điền vẫn giữ nguyên; hãy chọn lại tệp hoặc ghi âm lại." in html
    assert {name: _field(html, name) for name in ("title", "topic", "priority")} == {
        name: typed[name] for name in ("title", "topic", "priority")
    }
    assert f">{typed['body']}</textarea>" in html
    scripted = send(JSON)
    assert scripted.status_code == 422 and scripted.get_json() == {
        "error": "Chưa lưu được bản ghi âm: Tệp ghi-am.mp3 không phải âm thanh đọc được; hãy gửi "
        "tệp khác."
    }
    assert "Chưa lưu được" not in page(officer.get("/record"))  # nothing left to flash later
    boundary, huge = encode_multipart(
        {"csrf_token": token(officer, "/record"), "title": "Thử", "topic": "c",
         "audio": FileStorage(io.BytesIO(b"\0" * (MAX_UPLOAD_BYTES + 1_500_000)), "to.wav")}
    )  # fmt: skip
    kind = f"multipart/form-data; boundary={boundary}"
    too_large = officer.post("/record", data=huge, content_type=kind, headers=JSON)
    assert too_large.status_code == 413
    assert too_large.get_json()["error"].startswith("Tệp âm thanh quá lớn: tối đa 100 MB.")
    assert db_snapshot(station.settings.db_url) == before
    saved = officer.post(
        "/record", headers=JSON, content_type="multipart/form-data",
        data={"csrf_token": token(officer, "/record"), **typed,
              "audio": (io.BytesIO(reading(tmp_path, "wav").read_bytes()), "doc.wav")},
    )  # fmt: skip
    assert saved.status_code == 200 and saved.get_json() == {"location": "/scripts/2"}
    landed = htmllib.unescape(page(officer.get("/scripts/2")))
    assert "Đã lưu bản ghi âm cho bản tin số 2: thời lượng " in landed


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.4, "0 giây"), (9.2, "9 giây"), (59.6, "1 phút"), (65.2, "1 phút 05 giây"),
     (120, "2 phút"), (754.5, "12 phút 34 giây")],
)  # fmt: skip
def test_lengths_are_written_in_minutes_and_seconds(seconds: float, words: str) -> None:
    assert duration_vi(seconds) == words


def test_the_script_page_writes_the_length_of_the_stored_audio(
    app, officer, station, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    form = {"csrf_token": token(officer, "/record"), "title": "Đọc thử", "topic": "c",
            "audio": (io.BytesIO(reading(tmp_path, "wav").read_bytes()), "doc.wav")}  # fmt: skip
    officer.post("/record", data=form, content_type="multipart/form-data")
    with station.sessions() as session:
        session.execute(update(Rendering).values(duration_s=65.2))
        session.commit()
    html = htmllib.unescape(page(officer.get("/scripts/2")))
    assert '<span class="length">thời lượng 1 phút 05 giây</span>' in html
    assert '<audio controls preload="metadata"' in html
