"""The page "Khung giờ phát" (real Flask app, real database, SQLite and PostgreSQL): leaders and
admins add, change, pause, resume and delete slots with plain forms; each refusal is one
Vietnamese sentence on the page, the form kept, nothing changed; a stale form is refused; the
officer and the office only look (a POST is a 403)."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable, Iterator

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient
from sqlalchemy import select

from broadcaster.services import slots as service
from broadcaster.services.clusters import add_zone
from broadcaster.services.slots import SlotInput
from broadcaster.services.station import Station
from broadcaster.store.db import AuditEvent
from broadcaster.store.users import create_user
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW, LEADER, LEADER_PASSWORD, db_snapshot
from tests.helpers import services
from tests.icecast import Icecast

PASSWORD = "mat-khau-thu-nghiem"
PASSWORDS = {LEADER: LEADER_PASSWORD, "admin": ADMIN_PASSWORD}
NOON = {
    "name": "Trưa",
    "start": "11:00",
    "minutes": "15",
    "days": ["mon", "wed"],
    "kind": "bulletins",
}
Login = Callable[[str], FlaskClient]


@pytest.fixture
def apps(station: Station) -> Iterator[Login]:
    """Log a person in on a fresh app; an officer, an office clerk and a zone exist."""
    with station.sessions() as session:
        create_user(session, "vhxh", PASSWORD, "officer")
        create_user(session, "vanphong", PASSWORD, "office")
        session.commit()
    with services(station, FIXED_NOW) as ctx:
        add_zone(ctx, "Thôn 1")
    made = []

    def login(name: str) -> FlaskClient:
        app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
        made.append(app)
        client = app.test_client()
        form = {"name": name, "password": PASSWORDS.get(name, PASSWORD)}
        form["csrf_token"] = token(client.get("/login").text)
        assert client.post("/login", data=form).status_code == 302
        return client

    yield login
    for app in made:
        app.extensions["broadcaster"].engine.dispose()


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def send(client: FlaskClient, path: str, form: dict[str, object]) -> tuple[int, str]:
    """POST a form with the page's CSRF token; the answer's status and text."""
    data = {"csrf_token": token(client.get("/programme/slots/").text), **form}
    answer = client.post(path, data=data)
    return answer.status_code, answer.text


def errors(page: str) -> list[str]:
    """The refusals the page shows, as a person reads them."""
    found = re.findall(r'<p class="flash error" role="alert">(.*?)</p>', page, re.DOTALL)
    return [htmllib.unescape(text) for text in found]


def one_sentence(page: str) -> str:
    """The page's only refusal: Vietnamese, one line, ending in a full stop."""
    (said,) = errors(page)
    assert "\n" not in said and said.endswith("."), said
    assert not re.search(r"\b(slot|the|is|not|overlap|stale|None)\b", said), said
    return said


def version_in(page: str, action: str) -> str:
    """The version a form of the page (by its action) carries in its hidden field."""
    form = page[page.index(f'action="{action}"') :].split("</form>")[0]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found, form
    return found.group(1)


def slot_id(station: Station, name: str) -> int:
    with services(station, FIXED_NOW) as ctx:
        return service.find_slot(ctx, name).id


def trail(station: Station) -> list[tuple[str, str, str]]:
    with station.sessions() as session:
        rows = session.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.target))
        return [tuple(row) for row in rows if row.action.startswith("slot.")]


def test_a_leader_adds_a_slot_and_it_is_in_the_table_and_the_trail(
    station: Station, apps: Login
) -> None:
    leader = apps(LEADER)
    status, _ = send(leader, "/programme/slots/", {**NOON, "zones": ["Thôn 1"]})
    assert status == 303
    page = htmllib.unescape(leader.get("/programme/slots/").text)
    assert "Đã thêm khung giờ “Trưa” (Thứ Hai, Thứ Tư, 11:00)." in page
    row = page[page.index('<th scope="row">Trưa</th>') :].split("</tr>")[0]
    for shown in ("Thứ Hai, Thứ Tư", "11:00", "15 phút", "Thôn 1", "Phát bản tin", "Đang dùng"):
        assert shown in row, shown
    assert "Hằng ngày" in page  # the station's Sáng and Chiều
    assert trail(station) == [(LEADER, "slot.add", "slot:Trưa")]


def test_a_one_off_slot_on_a_date_typed_as_dd_mm_yyyy(station: Station, apps: Login) -> None:
    admin = apps("admin")
    form = {**NOON, "days": [], "date": "29/03/2024", "name": "Họp dân"}
    assert send(admin, "/programme/slots/", form)[0] == 303
    assert "Ngày 29/03/2024" in admin.get("/programme/slots/").text
    with services(station, FIXED_NOW) as ctx:
        assert str(service.find_slot(ctx, "Họp dân").slot.on_date) == "2024-03-29"


def test_an_overlap_is_refused_naming_both_slots_and_nothing_changes(
    station: Station, apps: Login
) -> None:
    leader = apps(LEADER)
    before = db_snapshot(station.settings.db_url)
    form = {**NOON, "name": "Sáng sớm", "start": "06:10", "minutes": "10", "days": ["sat"]}
    status, page = send(leader, "/programme/slots/", form)
    assert status == 422
    assert one_sentence(page) == (
        "Khung giờ “Sáng sớm” (06:10, 10 phút) trùng với khung giờ “Sáng” (06:00, 30 phút) vào "
        "Thứ Bảy ở cùng vùng loa; hãy dời giờ hoặc rút ngắn một khung."
    )
    assert 'value="Sáng sớm"' in page and 'value="06:10"' in page  # the form is kept
    assert 'value="sat" checked' in page and 'value="mon" >' in page
    assert db_snapshot(station.settings.db_url) == before


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("start", "25:00", "Giờ bắt đầu “25:00” không hợp lệ (dạng đúng: giờ:phút, ví dụ 06:00)."),
        ("minutes", "0", "Thời lượng khung giờ là số phút nguyên từ 1 đến 600."),
        ("minutes", "nửa giờ", "Thời lượng khung giờ là số phút nguyên từ 1 đến 600."),
        ("date", "31/02/2024", "Ngày “31/02/2024” không hợp lệ (dạng đúng: ngày/tháng/năm, ví dụ 29/01/2025)."),
        ("date", "01/03/2024", "Ngày 01/03/2024 đã qua; khung giờ một lần phải từ hôm nay trở đi."),
        ("name", "Trưa, tối", "Tên khung giờ dài 1 đến 100 ký tự, không có dấu phẩy."),
        ("url", "vov1.vov.vn/phat", "“vov1.vov.vn/phat” không phải địa chỉ luồng phát: địa chỉ phải bắt đầu bằng http:// hoặc https://."),
        ("url", "", "Khung giờ tiếp sóng cần địa chỉ luồng phát của đài cấp trên."),
        ("minutes", "361", "Khung giờ tiếp sóng dài tối đa 360 phút (6 giờ)."),
        ("url", "http://127.0.0.1:9/vov1", "Luồng phát http://127.0.0.1:9/vov1 không trả lời trong 10 giây; hãy kiểm tra địa chỉ và đường Internet."),
    ],
)  # fmt: skip
def test_a_bad_field_is_refused_in_one_sentence_with_the_form_kept(
    station: Station, apps: Login, field: str, value: str, said: str
) -> None:
    leader = apps(LEADER)
    before = db_snapshot(station.settings.db_url)
    form: dict[str, object] = {**NOON, field: value}
    if field == "date":
        form["days"] = []
    if field == "url" or value == "361":  # a relay's fields
        form = {"url": "http://127.0.0.1:9/vov1", **form, "kind": "relay"}
    status, page = send(leader, "/programme/slots/", form)
    assert (status, one_sentence(page)) == (422, said)
    assert f'value="{htmllib.escape(value)}"' in page  # what was typed is still there
    assert db_snapshot(station.settings.db_url) == before


def test_the_officer_and_the_office_only_look(station: Station, apps: Login) -> None:
    sang = slot_id(station, "Sáng")
    clients = {name: apps(name) for name in ("vhxh", "vanphong")}
    before = db_snapshot(station.settings.db_url)
    for name, client in clients.items():
        page = client.get("/programme/slots/").text
        assert "Sáng" in page and "Chiều" in page
        assert "Chỉ lãnh đạo và quản trị viên mới thay đổi được khung giờ." in page
        assert "/programme/slots/" not in re.sub(r'href="[^"]*"', "", page.split("<main>")[1])
        assert "<form" not in page.split("<main>")[1]  # only the header's log-out form
        for path, form in [
            ("/programme/slots/", NOON),
            (f"/programme/slots/{sang}/edit", {**NOON, "version": "1"}),
            (f"/programme/slots/{sang}/pause", {"version": "1", "paused": "yes"}),
            (f"/programme/slots/{sang}/delete", {"version": "1", "confirmed": "yes"}),
        ]:
            status, page = send(client, path, form)
            assert status == 403, (name, path)
            assert "Tài khoản của bạn không có quyền làm việc này." in page  # the page's guard
        assert client.get(f"/programme/slots/{sang}/edit").status_code == 403
        assert client.get(f"/programme/slots/{sang}/delete").status_code == 403
    assert db_snapshot(station.settings.db_url) == before


def test_the_edit_form_is_filled_in_and_saves(station: Station, apps: Login) -> None:
    chieu = slot_id(station, "Chiều")
    leader = apps(LEADER)
    page = leader.get(f"/programme/slots/{chieu}/edit").text
    assert version_in(page, f"/programme/slots/{chieu}/edit") == "1" and 'value="17:00"' in page
    assert page.count('name="days" value=') == 7 and page.count("checked") == 7
    form = {"name": "Chiều", "start": "17:30", "minutes": "20", "days": ["sat", "sun"],
            "kind": "bulletins", "version": version_in(page, f"/programme/slots/{chieu}/edit")}  # fmt: skip
    assert send(leader, f"/programme/slots/{chieu}/edit", form)[0] == 303
    with services(station, FIXED_NOW) as ctx:
        found = service.find_slot(ctx, chieu)
    assert (found.version, f"{found.slot.start:%H:%M}", found.slot.days) == (
        2, "17:30", ("sat", "sun"),
    )  # fmt: skip
    assert trail(station) == [(LEADER, "slot.change", "slot:Chiều")]


def test_a_stale_edit_is_refused_and_nothing_changes(station: Station, apps: Login) -> None:
    chieu = slot_id(station, "Chiều")
    leader = apps(LEADER)
    opened = leader.get(f"/programme/slots/{chieu}/edit").text
    with services(station, FIXED_NOW) as ctx:  # someone else changes it meanwhile
        given = SlotInput(name="Chiều", start="18:00", minutes=30, days=["mon"])
        service.change_slot(ctx, "admin", chieu, 1, given)
    before = db_snapshot(station.settings.db_url)
    form = {"name": "Chiều", "start": "17:30", "minutes": "20", "days": ["sat"],
            "kind": "bulletins", "version": version_in(opened, f"/programme/slots/{chieu}/edit")}  # fmt: skip
    status, page = send(leader, f"/programme/slots/{chieu}/edit", form)
    assert status == 409
    assert one_sentence(page) == (
        "Khung giờ “Chiều” vừa được người khác thay đổi sau khi anh/chị mở trang; chưa có gì "
        "thay đổi. Hãy tải lại trang rồi làm lại."
    )
    assert 'value="17:30"' in page  # what was typed is kept to compare
    assert db_snapshot(station.settings.db_url) == before


def test_pause_resume_and_delete_through_the_confirmation(station: Station, apps: Login) -> None:
    chieu = slot_id(station, "Chiều")
    leader = apps(LEADER)
    paused = {"version": "1", "paused": "yes"}
    assert send(leader, f"/programme/slots/{chieu}/pause", paused)[0] == 303
    page = htmllib.unescape(leader.get("/programme/slots/").text)
    assert "Đã tạm dừng khung giờ “Chiều”" in page and "<strong>Tạm dừng</strong>" in page
    assert "Tiếp tục phát" in page
    # the same button pressed twice (the page not reloaded): stale, nothing changed
    status, page = send(leader, f"/programme/slots/{chieu}/pause", paused)
    assert status == 409 and "vừa được người khác thay đổi" in one_sentence(page)
    assert send(leader, f"/programme/slots/{chieu}/pause", {"version": "2"})[0] == 303
    table = leader.get("/programme/slots/").text
    assert version_in(table, f"/programme/slots/{chieu}/pause") == "3"
    confirm = htmllib.unescape(leader.get(f"/programme/slots/{chieu}/delete").text)
    assert "Xóa khung giờ “Chiều”" in confirm and "Hằng ngày, 17:00, 30 phút, mọi vùng" in confirm
    assert version_in(confirm, f"/programme/slots/{chieu}/delete") == "3"
    status, page = send(leader, f"/programme/slots/{chieu}/delete", {"version": "3"})
    assert status == 422 and one_sentence(page).startswith("Hãy đánh dấu ô xác nhận")
    assert 'name="version" value="3"' in page
    done = {"version": "3", "confirmed": "yes"}
    assert send(leader, f"/programme/slots/{chieu}/delete", done)[0] == 303
    page = htmllib.unescape(leader.get("/programme/slots/").text)
    assert "Đã xóa khung giờ “Chiều”." in page and '<th scope="row">Chiều' not in page
    assert [action for _, action, _ in trail(station)] == [
        "slot.pause", "slot.resume", "slot.delete",
    ]  # fmt: skip
    assert leader.get(f"/programme/slots/{chieu}/edit").status_code == 404


def test_resuming_into_an_overlap_is_refused_naming_both(station: Station, apps: Login) -> None:
    chieu = slot_id(station, "Chiều")
    leader = apps(LEADER)
    assert (
        send(leader, f"/programme/slots/{chieu}/pause", {"version": "1", "paused": "yes"})[0] == 303
    )
    form = {**NOON, "name": "Chiều muộn", "start": "17:10", "days": ["fri"]}
    assert send(leader, "/programme/slots/", form)[0] == 303
    status, page = send(leader, f"/programme/slots/{chieu}/pause", {"version": "2"})
    assert status == 422
    said = one_sentence(page)
    assert "“Chiều”" in said and "“Chiều muộn”" in said and "Thứ Sáu" in said


def test_a_form_without_its_token_comes_back_as_typed(station: Station, apps: Login) -> None:
    leader = apps(LEADER)
    answer = leader.post("/programme/slots/", data={**NOON, "name": "Trưa hè"})
    assert answer.status_code == 400
    assert 'value="Trưa hè"' in answer.text and "Phiên làm việc đã hết hạn" in answer.text
    assert "Trưa hè" not in [r.slot.name for r in _slots(station)]


def _slots(station: Station) -> list[service.SlotRecord]:
    with services(station, FIXED_NOW) as ctx:
        return service.list_slots(ctx)


def test_the_programme_and_the_status_notice_link_to_the_page(
    station: Station, apps: Login
) -> None:
    client = apps("vanphong")
    assert 'href="/programme/slots/">Khung giờ phát</a>' in client.get("/programme/").text
    town = station.settings.schedules_path / "town.toml"
    town.write_text(town.read_text(encoding="utf-8").replace("17:00", "17:15"), encoding="utf-8")
    assert 'href="/programme/slots/">Khung giờ phát</a>' in client.get("/status/").text


def test_a_slot_that_is_not_there_is_a_vietnamese_404(station: Station, apps: Login) -> None:
    """Also an id past the column's range (PostgreSQL refused the query: a 500)."""
    leader = apps(LEADER)
    for slot in ("999", str(10**30)):
        answer = leader.get(f"/programme/slots/{slot}/delete")
        assert answer.status_code == 404 and f"Không có khung giờ “{slot}”." in answer.text
        assert send(leader, f"/programme/slots/{slot}/pause", {"version": "1"})[0] == 404


def test_a_relay_is_added_from_the_page_and_its_password_never_shown(
    station: Station, apps: Login, icecast: Icecast
) -> None:
    icecast.feed("/tinh.mp3")
    secret = icecast.url("/tinh.mp3").replace("http://", "http://tram:mat-khau-bi-mat@")
    leader = apps(LEADER)
    form = {**NOON, "kind": "relay", "url": secret, "name": "Đài tỉnh"}
    assert send(leader, "/programme/slots/", form)[0] == 303
    page = htmllib.unescape(leader.get("/programme/slots/").text)
    row = page[page.index('<th scope="row">Đài tỉnh</th>') :].split("</tr>")[0]
    assert "Tiếp sóng" in row and icecast.url("/tinh.mp3") in row
    edit = leader.get(f"/programme/slots/{slot_id(station, 'Đài tỉnh')}/edit").text
    assert "mat-khau" not in page + edit
    # saved with the address field left empty: the stored address (and its password) stays
    form = {**form, "url": "", "name": "Đài tỉnh trưa", "version": "1"}
    status, _ = send(leader, f"/programme/slots/{slot_id(station, 'Đài tỉnh')}/edit", form)
    assert status == 303
    with services(station, FIXED_NOW) as ctx:
        assert service.find_slot(ctx, "Đài tỉnh trưa").slot.url == secret
