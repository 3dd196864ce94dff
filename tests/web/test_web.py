"""The web page: real Flask app, real database, CSRF on; Vietnamese messages for every mistake."""

from __future__ import annotations

import io
import re

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient

from broadcaster.daemon.process import Daemon
from broadcaster.onair.outputs import NullOutput
from broadcaster.programme.slots import parse_slots
from broadcaster.store.users import create_user
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW, db_snapshot

PASSWORD = "mat-khau-thu-nghiem"
BULLETIN = "UBND thị trấn thông báo về CCHC.\nNgười dân nộp hồ sơ trực tuyến tại nhà."


@pytest.fixture
def app(station):  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        for name, role in (("vhxh", "officer"), ("chutich", "leader"), ("vanphong", "office")):
            create_user(session, name, PASSWORD, role)
        session.commit()
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    yield app
    app.extensions["broadcaster"].engine.dispose()


def token(client: FlaskClient, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def approval_form(client: FlaskClient, script_id: int = 1) -> dict[str, str]:
    """What the approve button sends: the token and the hash of the page the leader read."""
    html = client.get(f"/scripts/{script_id}").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([0-9a-f]{64})"', html)
    assert seen, html
    return {"csrf_token": token(client, f"/scripts/{script_id}"), "seen": seen.group(1)}


def login(client: FlaskClient, name: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"name": name, "password": password, "csrf_token": token(client, "/login")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def upload(
    client: FlaskClient, data: bytes, name: str = "ban-tin.txt", topic: str = "c", **extra: str
):  # type: ignore[no-untyped-def]
    form = {"file": (io.BytesIO(data), name), "topic": topic, "csrf_token": token(client)} | extra
    response = client.post(
        "/scripts", data=form, content_type="multipart/form-data", follow_redirects=True
    )
    assert client.application.extensions["broadcaster.renders"].wait()  # the background render
    return response


def test_pages_need_a_login(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    for path in ("/", "/programme/", "/log/", "/scripts/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_login_page_greets_without_a_warning(app) -> None:  # type: ignore[no-untyped-def]
    """The first visit is no mistake (issue 24: it opened on a red "Vui lòng đăng nhập"); a
    link to another page says why the login comes first, as information."""
    client = app.test_client()
    first = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'class="flash' not in first and "Đăng nhập" in first
    linked = client.get("/log/", follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash info" role="status">Đăng nhập để mở trang' in linked


def test_wrong_password_is_told_in_vietnamese(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post(
        "/login", data={"name": "admin", "password": "sai", "csrf_token": token(client, "/login")}
    )
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page(response)
    login(client, "admin", ADMIN_PASSWORD)
    assert "Bản tin tuyên truyền" in page(client.get("/"))


def test_officer_uploads_sees_spoken_form_and_listens_with_seeking(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vhxh")
    response = upload(client, BULLETIN.encode("utf-16"), title="Thông báo một cửa")
    html = page(response)
    assert "Đã thêm bản tin số 1" in html
    assert "Ủy ban nhân dân thị trấn thông báo về cải cách hành chính." in html  # spoken form
    # The page came back before the audio: it renders in the background, with progress.
    assert "Đang tạo âm thanh" in html and 'id="render-progress"' in html
    assert app.extensions["broadcaster.renders"].wait()
    job = client.get("/scripts/1/render-status").get_json()
    assert job["state"] == "done" and "giọng máy dự phòng" in job["message"].lower()
    assert job["done"] == job["total"] > 0 and job["audio"].startswith("/scripts/1/audio.mp3")
    assert 'id="render-progress"' not in page(client.get("/scripts/1"))
    with client.get("/scripts/1/audio.mp3") as full:
        assert full.status_code == 200 and full.mimetype == "audio/mpeg"
        body = full.data
        assert len(body) > 5000 and full.headers["Accept-Ranges"] == "bytes"
        # Saved from the player by title and time, not by its hash (issue 24).
        disposition = full.headers["Content-Disposition"]
        assert disposition.startswith("inline;") and "B%E1%BA%A3n%20tin%201%20-%20" in disposition
        assert re.search(r"%28\d\d-\d\d-\d{4}%20\d\dh\d\d%29\.mp3", disposition), disposition
    with client.get("/scripts/1/audio.mp3", headers={"Range": "bytes=100-1099"}) as part:
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 100-1099/{len(body)}"
        assert part.data == body[100:1100]


@pytest.mark.parametrize(
    ("data", "name", "topic", "message"),
    [
        (b"", "trong.txt", "a", "Tệp trong.txt trống"),
        ("... !!! ??? — ***".encode(), "cham.txt", "a", "Tệp cham.txt không có chữ"),
        (b"\x00\x01\x02binary\x00\x00\x00", "x.txt", "a", "không phải văn bản"),
        (b"Th\x81ng b\x8d", "x.txt", "a", "bảng mã"),
        ("Nội dung.".encode(), "x.pdf", "a", "Chỉ nhận tệp .txt, .md hoặc .docx"),
        ("Nội dung.".encode(), "x.txt", "", "cần chọn chủ đề theo kế hoạch"),
        ("Nội dung.".encode(), "x.txt", "q", "không thuộc kế hoạch"),
    ],
)
def test_bad_uploads_get_one_vietnamese_sentence_and_change_nothing(
    app, data, name, topic, message
) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vhxh")
    url = app.extensions["broadcaster"].settings.db_url
    before = db_snapshot(url)
    html = page(upload(client, data, name, topic))
    assert message in html and "Không nhận được bản tin" in html
    assert db_snapshot(url) == before


def test_forms_without_a_csrf_token_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vhxh")
    url = app.extensions["broadcaster"].settings.db_url
    before = db_snapshot(url)
    response = client.post(
        "/scripts", data={"body": "Nội dung.", "topic": "a"}, follow_redirects=True
    )
    assert "biểu mẫu không hợp lệ" in page(response)
    assert db_snapshot(url) == before


def test_only_leaders_approve_and_an_edit_needs_approval_again(app) -> None:  # type: ignore[no-untyped-def]
    officer, leader = app.test_client(), app.test_client()
    login(officer, "vhxh")
    login(leader, "chutich")
    upload(officer, BULLETIN.encode())
    denied = officer.post("/scripts/1/approve", data={"csrf_token": token(officer, "/scripts/1")})
    assert denied.status_code == 403 and "không có quyền" in page(denied)
    assert "Duyệt phát sóng" in page(leader.get("/scripts/1"))
    approved = leader.post("/scripts/1/approve", data=approval_form(leader), follow_redirects=True)
    assert "Đã duyệt" in page(approved) and "duyệt bởi chutich" in page(approved)
    edited = officer.post(
        "/scripts/1/edit",
        data={
            "body": BULLETIN + " Thêm câu mới.",
            "title": "Mới",
            "csrf_token": token(officer, "/scripts/1"),
        },
        follow_redirects=True,
    )
    html = page(edited)
    assert "trở lại bản nháp" in html and "Bản nháp" in html and "Thêm câu mới." in html


def test_punctuation_alone_is_refused_by_the_page_as_by_the_command_line(app) -> None:  # type: ignore[no-untyped-def]
    """One rule for "has text" at every door: pasted text and an edit, as `scripts add`."""
    client = app.test_client()
    login(client, "vhxh")
    upload(client, BULLETIN.encode())
    url = app.extensions["broadcaster"].settings.db_url
    before = db_snapshot(url)
    pasted = client.post(
        "/scripts", data={"body": "... !!! ???", "topic": "a", "csrf_token": token(client)},
        follow_redirects=True,
    )  # fmt: skip
    assert "không có chữ" in page(pasted)
    edited = client.post(
        "/scripts/1/edit",
        data={"body": "—— ... ??? 📢", "title": "", "csrf_token": token(client, "/scripts/1")},
        follow_redirects=True,
    )
    assert "Nội dung bản tin đang trống" in page(edited)
    assert db_snapshot(url) == before


def test_office_cannot_add_scripts(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vanphong")
    response = client.post(
        "/scripts", data={"body": "Nội dung.", "topic": "a", "csrf_token": token(client)}
    )
    assert response.status_code == 403


def test_programme_grid_plan_and_log_with_report(app, station) -> None:  # type: ignore[no-untyped-def]
    officer = app.test_client()
    login(officer, "vhxh")
    upload(officer, BULLETIN.encode(), title="Bản tin một cửa")
    leader = app.test_client()
    login(leader, "chutich")  # the author may not approve: another leader does
    leader.post("/scripts/1/approve", data=approval_form(leader))
    officer = app.test_client()
    login(officer, "admin", ADMIN_PASSWORD)  # plans the week
    grid = page(officer.get("/programme/?week=2024-W11"))
    assert "Sáng" in grid and "Chiều" in grid and "Thứ Hai" in grid and "11/03" in grid
    planned = officer.post(
        "/programme/plan",
        data={"week": "2024-W11", "csrf_token": token(officer, "/programme/")},
        follow_redirects=True,
    )
    html = page(planned)
    assert (
        "Đã lập chương trình cho Tuần 11 (11/03 – 17/03/2024): 13/14" in html
    )  # Monday 06:00 had passed
    assert html.count("Bản tin một cửa") == 13
    bad_week = page(officer.get("/programme/?week=tuan-sau", follow_redirects=True))
    assert "Tuần không hợp lệ" in bad_week

    slot = parse_slots('[[slot]]\nname = "Chiều"\nstart = "17:00"\nminutes = 30\n', "t.toml")[0]
    evening = FIXED_NOW.replace(hour=10, minute=0, second=1)  # 17:00:01 local
    Daemon(
        station.settings,
        station.sessions,
        [slot],
        NullOutput(),
        clock=lambda: evening,
    ).air_slot("Chiều")
    log = page(officer.get("/log/?from=2024-03-01&to=2024-03-31"))
    assert "Bản tin một cửa" in log and "đã phát" in log and "17:00 11/03/2024" in log
    empty = page(officer.get("/log/?from=2024-01-01&to=2024-01-31"))
    assert "Không có lượt phát nào" in empty
    assert "Ngày không hợp lệ" in page(officer.get("/log/?from=hôm-qua", follow_redirects=True))
    office = app.test_client()
    login(office, "vanphong")
    report = office.get("/log/report.csv?from=2024-03-01&to=2024-03-31")
    assert report.status_code == 200 and "attachment" in report.headers["Content-Disposition"]
    text = report.data.decode("utf-8-sig")
    assert "Số lượt đã phát" in text and "Bản tin một cửa" in text and "03/2024;c;" in text


def test_missing_script_is_a_vietnamese_404(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vhxh")
    response = client.get("/scripts/42")
    assert response.status_code == 404 and "Không có bản tin số 42" in page(response)


def test_spoken_form_page_explains_each_change_and_flags_unknown_letters(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vhxh")
    html = page(upload(client, "Dự án ABC của UBND khởi công lúc 6h30 ngày 15/4.".encode()))
    assert (
        "Dự án a bê xê của Ủy ban nhân dân khởi công lúc sáu giờ ba mươi phút ngày mười lăm tháng tư."
        in html
    )
    assert "chưa có trong từ điển" in html and "<strong>ABC</strong>" in html
    assert "Xem các chỗ đã chuyển sang lời đọc (4)" in html
    assert (
        '<td data-label="Quy tắc">chữ viết tắt</td><td data-label="Bản viết">UBND</td>'
        '<td data-label="Lời đọc">Ủy ban nhân dân</td>'
    ) in html


def test_status_page_says_when_the_daemon_is_not_running(app, station) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vanphong")
    html = page(client.get("/status/"))
    assert "KHÔNG chạy" in html and "broadcaster run" in html
    assert "Chưa có lượt phát nào." in html and "Dung lượng trống" in html


def test_a_leader_sends_an_emergency_to_the_running_daemon(app, station) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from broadcaster.store.db import AirRequest, DaemonLease

    officer = app.test_client()
    login(officer, "vhxh")
    upload(
        officer,
        "Khẩn cấp: bão số ba sắp đổ bộ, bà con chằng chống nhà cửa.".encode(),
        priority="emergency",
    )
    leader = app.test_client()
    login(leader, "admin", ADMIN_PASSWORD)
    leader.post("/scripts/1/approve", data=approval_form(leader))
    unconfirmed = leader.post(
        "/scripts/1/air-now", data={"csrf_token": token(leader, "/scripts/1")}
    )
    assert unconfirmed.status_code == 302  # to the page that says what will stop and air
    confirm = page(leader.get(unconfirmed.location))
    assert "Xác nhận phát KHẨN" in confirm and "Khẩn cấp: bão số ba" in confirm
    assert "Hiện không có bản tin nào đang phát" in confirm and "admin là người yêu cầu" in confirm
    stopped = page(
        leader.post(
            "/scripts/1/air-now",
            data={"csrf_token": token(leader, "/scripts/1"), "confirmed": "yes"},
            follow_redirects=True,
        )
    )
    assert "đang không chạy" in stopped
    with station.sessions() as session:
        assert session.scalars(select(AirRequest)).all() == []
        # What a running daemon leaves in the database: a fresh heartbeat.
        session.add(DaemonLease(id=1, holder="radio-pc pid 7", heartbeat_at=FIXED_NOW))
        session.commit()
    sent = page(
        leader.post(
            "/scripts/1/air-now",
            data={"csrf_token": token(leader, "/scripts/1"), "confirmed": "yes"},
            follow_redirects=True,
        )
    )
    assert "Đã gửi yêu cầu phát KHẨN" in sent and "KHẨN CẤP" in sent
    with station.sessions() as session:
        (request,) = session.scalars(select(AirRequest)).all()
        assert request.emergency and request.script_id == 1 and request.requested_by == "admin"
    # Aired at once, and never planned into the normal rotation afterwards.
    with station.sessions() as session:
        from broadcaster.programme.planning import candidates

        assert [c.script_id for c in candidates(session)] == []


def test_a_failed_render_says_why_in_the_page(station) -> None:  # type: ignore[no-untyped-def]
    """The reason a voice failed reaches the officer, not only the log."""
    import dataclasses

    broken = dataclasses.replace(station.settings, espeak_voice="xx-nowhere")
    app = create_app(broken, {"TESTING": True}, clock=lambda: FIXED_NOW)
    client = app.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    assert "Đã thêm bản tin số 1" in page(upload(client, BULLETIN.encode()))
    html = page(client.get("/scripts/1"))  # the background render has failed by now
    assert "không giọng đọc nào hoạt động" in html and "xx-nowhere" in html
    app.extensions["broadcaster"].engine.dispose()
