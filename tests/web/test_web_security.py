"""The page's defences: local redirects only, refused forms come back with their text, strict
headers, a Secure cookie behind HTTPS, approval of exactly what was read, private files."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from broadcaster.web import SECURITY_HEADERS, create_app
from flask.testing import FlaskClient

from broadcaster.config import ConfigError, load_settings
from broadcaster.enums import Status
from broadcaster.errors import Code
from broadcaster.intake.parse import ScriptRejected
from broadcaster.services import scripts as service
from broadcaster.services.planning import plan_week
from broadcaster.services.station import initialise, open_station
from broadcaster.store.db import Script
from broadcaster.store.users import create_user
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW, REPO, db_snapshot
from tests.helpers import add_draft, approved_rendered, services

PASSWORD = "mat-khau-thu-nghiem"
TEMPLATES = REPO / "web" / "templates"


@pytest.fixture
def app(station):  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        create_user(session, "vhxh", PASSWORD, "officer")
        create_user(session, "chutich", PASSWORD, "leader")
        session.commit()
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    yield app
    app.extensions["broadcaster"].engine.dispose()


def token(client: FlaskClient, path: str = "/") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def login(
    client: FlaskClient, name: str = "admin", password: str = ADMIN_PASSWORD, query: str = ""
):  # type: ignore[no-untyped-def]
    form = {"name": name, "password": password, "csrf_token": token(client, "/login")}
    return client.post("/login" + query, data=form)


@pytest.mark.parametrize(
    "query",
    [
        "?next=/%09/evil.example",
        "?next=/%0a/evil.example",
        "?next=/%0d%0aLocation:%20https://evil.example",
        "?next=//evil.example",
        "?next=/%5Cevil.example",
        "?next=/%5C/evil.example",
        "?next=https://evil.example/",
        "?next=javascript:alert(1)",
        "?next=%20//evil.example",
        "?next=/%7F/evil.example",
        "?next=",
    ],
)
def test_login_never_redirects_off_the_site(app, query: str) -> None:  # type: ignore[no-untyped-def]
    response = login(app.test_client(), query=query)
    assert response.status_code == 302
    assert response.headers["Location"] == "/", response.headers["Location"]


def test_login_returns_to_the_page_asked_for_with_its_query(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    sent_away = client.get("/log/?from=2024-03-01&to=2024-03-31")
    target = sent_away.headers["Location"]
    assert urlsplit(target).path == "/login"
    back = login(client, query="?" + urlsplit(target).query)
    assert back.headers["Location"] == "/log/?from=2024-03-01&to=2024-03-31"


def test_a_new_bulletin_sent_without_a_token_comes_back_with_its_text(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "vhxh", PASSWORD)
    url = app.extensions["broadcaster"].settings.db_url
    before = db_snapshot(url)
    typed = {
        "body": "Thông báo <b>lịch</b> tiếp công dân\nngày 15/4.",
        "title": "Lịch tiếp dân",
        "topic": "đ",
        "week": "2024-W16",
        "priority": "priority",
        "csrf_token": "het-han",
    }
    response = client.post("/scripts", data=typed, headers={"Referer": "https://evil.example/"})
    assert response.status_code == 400 and "Location" not in response.headers
    html = response.text
    assert "biểu mẫu không hợp lệ" in html and "vẫn còn" in html
    assert "Thông báo &lt;b&gt;lịch&lt;/b&gt; tiếp công dân\nngày 15/4.</textarea>" in html
    assert 'name="title" maxlength="300" value="Lịch tiếp dân"' in html
    assert '<option value="đ" selected>' in html and 'value="2024-W16"' in html
    assert '<option value="priority" selected>' in html
    assert db_snapshot(url) == before


def test_an_edit_sent_without_a_token_comes_back_with_the_edited_text(app, station) -> None:  # type: ignore[no-untyped-def]
    script_id = add_draft(station, FIXED_NOW, "Bản tin gốc.")
    client = app.test_client()
    login(client, "vhxh", PASSWORD)
    response = client.post(
        f"/scripts/{script_id}/edit",
        data={"body": "Bản tin đã sửa dài hơn.", "title": "Tiêu đề mới"},
        headers={"Referer": "https://evil.example/"},
    )
    assert response.status_code == 400
    assert "Bản tin đã sửa dài hơn.</textarea>" in response.text
    assert 'value="Tiêu đề mới"' in response.text
    with station.sessions() as session:
        assert session.get_one(Script, script_id).body == "Bản tin gốc."


def test_other_forms_without_a_token_go_back_to_their_own_page_not_the_referer(
    app, station
) -> None:  # type: ignore[no-untyped-def]
    script_id = add_draft(station, FIXED_NOW, "Bản tin chờ duyệt.")
    client = app.test_client()
    login(client)
    evil = {"Referer": "https://evil.example/"}
    approve = client.post(f"/scripts/{script_id}/approve", headers=evil)
    assert approve.status_code == 303 and approve.headers["Location"] == f"/scripts/{script_id}"
    plan = client.post("/programme/plan", data={"week": "2024-W11"}, headers=evil)
    assert plan.headers["Location"] == "/programme/?week=2024-W11"
    name = client.post("/login", data={"name": "chutich", "password": "x"}, headers=evil)
    assert name.status_code == 400 and 'value="chutich"' in name.text
    with station.sessions() as session:
        assert session.get_one(Script, script_id).status == Status.DRAFT


def test_every_response_carries_the_security_headers(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client)
    for path in ("/login", "/", "/static/style.css", "/khong-co", "/scripts/99"):
        response = client.get(path)
        response.close()
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_no_template_holds_inline_script_style_or_handlers() -> None:
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text(encoding="utf-8")
        # a script is only ever a file of the site's own (<script src=…></script>, empty)
        html = re.sub(r"<script src=\"\{\{ url_for\('static', [^>]*></script>", "", html)
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", html, re.I), (
            template.name
        )


def test_a_fault_is_a_vietnamese_500_page_with_the_headers(station) -> None:  # type: ignore[no-untyped-def]
    app = create_app(station.settings, {"TESTING": False}, clock=lambda: FIXED_NOW)

    def broken() -> str:
        raise RuntimeError("a fault in the program")

    app.add_url_rule("/hong", "broken", broken)
    response = app.test_client().get("/hong")
    assert response.status_code == 500
    assert "Phần mềm gặp lỗi" in response.text and "Internal Server Error" not in response.text
    assert response.headers["X-Frame-Options"] == "DENY"
    app.extensions["broadcaster"].engine.dispose()


@pytest.mark.parametrize(("value", "secure"), [("on", True), ("off", False)])
def test_the_session_cookie_is_secure_when_set_for_https(station, value: str, secure: bool) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    settings = dataclasses.replace(station.settings, web_secure_cookie=value)
    app = create_app(settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.extensions["broadcaster"].engine.dispose()


def test_the_secure_cookie_setting_takes_on_or_off(project: Path) -> None:
    (project / "broadcaster.toml").write_text('web_secure_cookie = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'web_secure_cookie' must be one of on, off"):
        load_settings(project, environ={})
    env = {"BROADCASTER_WEB_SECURE_COOKIE": "on"}
    assert load_settings(project, environ=env).web_secure_cookie == "on"


def approval_form(client: FlaskClient, script_id: int) -> dict[str, str]:
    html = client.get(f"/scripts/{script_id}").text
    seen = re.search(r'name="seen" value="([0-9a-f]{64})"', html)
    assert seen
    return {"csrf_token": token(client, f"/scripts/{script_id}"), "seen": seen.group(1)}


@pytest.mark.parametrize("changed", ["title", "body"])
def test_approval_is_refused_when_the_script_changed_after_the_page_opened(
    app, station, changed: str
) -> None:  # type: ignore[no-untyped-def]
    script_id = add_draft(station, FIXED_NOW, "Bản tin chờ duyệt.", title="Tiêu đề")
    leader, officer = app.test_client(), app.test_client()
    login(leader, "chutich", PASSWORD)
    login(officer, "vhxh", PASSWORD)
    form = approval_form(leader, script_id)  # the leader reads the page
    edit = {"title": "Tiêu đề", "body": "Bản tin chờ duyệt."}
    edit[changed] += " (đã sửa)"
    officer.post(f"/scripts/{script_id}/edit", data=edit | {"csrf_token": token(officer)})
    refused = leader.post(f"/scripts/{script_id}/approve", data=form, follow_redirects=True)
    assert "Bản tin đã được sửa sau khi anh/chị mở trang; hãy xem lại" in refused.text
    with station.sessions() as session:
        assert session.get_one(Script, script_id).status == Status.DRAFT
    fresh = leader.post(
        f"/scripts/{script_id}/approve",
        data=approval_form(leader, script_id),
        follow_redirects=True,
    )
    assert "Đã duyệt" in fresh.text


def test_approval_without_the_hash_of_the_page_is_refused(app, station) -> None:  # type: ignore[no-untyped-def]
    script_id = add_draft(station, FIXED_NOW, "Bản tin chờ duyệt.")
    leader = app.test_client()
    login(leader, "chutich", PASSWORD)
    refused = leader.post(
        f"/scripts/{script_id}/approve",
        data={"csrf_token": token(leader, f"/scripts/{script_id}")},
        follow_redirects=True,
    )
    assert "hãy xem lại" in refused.text


def test_the_service_checks_the_seen_hash_only_when_given(station) -> None:  # type: ignore[no-untyped-def]
    first = add_draft(station, FIXED_NOW, "Bản tin một.")
    second = add_draft(station, FIXED_NOW, "Bản tin hai.")
    with services(station, FIXED_NOW) as ctx:
        with pytest.raises(ScriptRejected) as caught:
            service.approve_script(ctx, first, "Chủ tịch", seen_hash="0" * 64)
        assert caught.value.code == Code.SCRIPT_CHANGED
        seen = service.version_hash(service.get_script(ctx, first))
        assert service.approve_script(ctx, first, "Chủ tịch", seen_hash=seen).status == "approved"
        assert service.approve_script(ctx, second, "Chủ tịch").status == "approved"  # the CLI


def test_a_title_only_edit_returns_an_approved_script_to_draft_and_off_the_air(station) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.programme.slots import parse_slots
    from tests.helpers import use_slots

    use_slots(
        station, parse_slots('[[slot]]\nname = "Chiều"\nstart = "17:00"\nminutes = 30\n', "t")
    )
    script_id = approved_rendered(station, FIXED_NOW, "Bản tin đã duyệt.", title="Tên cũ")
    with services(station, FIXED_NOW) as ctx:
        planned = plan_week(ctx, "2024-W11")
        assert sum(len(entries) for _, entries in planned.occurrences) == 7
        same = service.edit_script(ctx, script_id, "Bản tin đã duyệt.", "Tên cũ")
        assert not same.back_to_draft and same.script.status == Status.APPROVED
        change = service.edit_script(ctx, script_id, "Bản tin đã duyệt.", "Tên mới")
        assert change.back_to_draft and change.withdrawn == 7
        assert change.script.status == Status.DRAFT and change.script.approved_by is None
        assert change.script.title == "Tên mới"


def test_var_is_private_and_the_database_is_the_owners_only(project: Path) -> None:
    old_umask = os.umask(0)  # the loosest umask: modes must not depend on it
    try:
        (project / "var").mkdir(mode=0o777)
        settings = load_settings(project, environ={}, overrides={"engine": "espeak"})
        initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((project / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE((project / "var" / "broadcaster.db").stat().st_mode) == 0o600
    # an installation made by an older release is tightened by the next init
    (project / "var").chmod(0o755)
    (project / "var" / "broadcaster.db").chmod(0o644)
    initialise(settings, ADMIN_PASSWORD, FIXED_NOW)
    assert stat.S_IMODE((project / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE((project / "var" / "broadcaster.db").stat().st_mode) == 0o600
    # SQLite gives its write-ahead log and shared-memory files the database file's mode
    station = open_station(settings)
    with station.engine.connect() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM script")
        sides = list((project / "var").glob("broadcaster.db-*"))
        assert len(sides) == 2
        assert {stat.S_IMODE(side.stat().st_mode) for side in sides} == {0o600}
    station.engine.dispose()


@pytest.mark.parametrize(
    ("path", "back"),
    [
        ("/scripts/1/edit", "/scripts/1"),
        ("/scripts/1/approve", "/scripts/1"),
        ("/programme/plan", "/programme/"),
        ("/login", "/login"),
        ("/logout", "/"),
    ],
)
def test_a_form_over_its_limit_goes_back_to_its_page_with_a_message(
    app, station, path: str, back: str
) -> None:  # type: ignore[no-untyped-def]
    add_draft(station, FIXED_NOW, "Bản tin.")
    client = app.test_client()
    login(client)
    url = app.extensions["broadcaster"].settings.db_url
    before = db_snapshot(url)
    response = client.post(path, data={"body": "x" * 1_500_000, "week": "2024-W11"})
    assert response.status_code == 303 and response.headers["Location"] == back
    assert "Nội dung gửi lên quá lớn" in client.get(back).text
    assert db_snapshot(url) == before
