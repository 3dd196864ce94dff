"""The section "Ngày lễ và ngoại lệ" of the page "Khung giờ phát" and the week grid's marks (real
Flask app, real database, SQLite and PostgreSQL). "Now" is Wednesday 20 January 2027, before
Tết (mùng một: Saturday 6 February 2027); the station's slots are Sáng (06:00) and Chiều
(17:00), every day."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient
from sqlalchemy import select

from broadcaster.services import exceptions as rules
from broadcaster.services import slots
from broadcaster.services.slots import SlotInput
from broadcaster.services.station import Station
from broadcaster.store.db import AuditEvent
from broadcaster.store.users import create_user
from tests.conftest import LEADER, db_snapshot
from tests.helpers import services
from tests.web.test_web_slots import PASSWORD, PASSWORDS, errors, send, token

NOW = datetime(2027, 1, 20, 2, 0, tzinfo=timezone.utc)
Login = Callable[[str], FlaskClient]
TET = {"kind": "holiday", "slot": "", "holidays": "tet"}


@pytest.fixture
def apps(station: Station) -> Iterator[Login]:
    """Log a person in on a fresh app whose clock stands at NOW; an officer exists."""
    with station.sessions() as session:
        create_user(session, "vhxh", PASSWORD, "officer")
        session.commit()
    made = []

    def login(name: str) -> FlaskClient:
        app = create_app(station.settings, {"TESTING": True}, clock=lambda: NOW)
        made.append(app)
        client = app.test_client()
        form = {"name": name, "password": PASSWORDS.get(name, PASSWORD)}
        form["csrf_token"] = token(client.get("/login").text)
        assert client.post("/login", data=form).status_code == 302
        return client

    yield login
    for app in made:
        app.extensions["broadcaster"].engine.dispose()


def listed(station: Station) -> list[str]:
    with services(station, NOW) as ctx:
        return [str(record.rule.kind) for record in rules.list_rules(ctx)]


def test_a_leader_adds_a_tet_rule_and_a_moved_slot_and_the_week_shows_them(
    station: Station, apps: Login
) -> None:
    leader = apps(LEADER)
    status, page = send(leader, "/programme/slots/rules", TET)
    assert status == 303, errors(page)
    moved = {"kind": "replace", "slot": "Chiều", "date": "06/02/2027", "start": "19:00",
             "minutes": "45"}  # fmt: skip
    assert send(leader, "/programme/slots/rules", moved)[0] == 303
    page = leader.get("/programme/slots/").text
    assert "Ngày lễ và ngoại lệ" in page
    assert "Không phát bản tin thường vào ba ngày đầu Tết Nguyên Đán; tin khẩn vẫn phát" in page
    assert "Thứ Bảy 06/02/2027" in page and "Phát lúc 19:00, trong 45 phút" in page
    assert "Tết Nguyên Đán" in page  # the coming holidays
    grid = leader.get("/programme/?week=2027-W05").text
    assert grid.count("Không phát: Tết Nguyên Đán") == 1  # Sáng on mùng một
    assert grid.count("Không phát: Mùng hai Tết Nguyên Đán") == 2
    assert "Đổi giờ ngày này: 19:00, 45 phút" in grid
    with station.sessions() as session:
        assert session.scalars(select(AuditEvent.action)).all()[-2:] == ["rule.add", "rule.add"]


@pytest.mark.parametrize(
    ("form", "said", "status"),
    [
        ({"kind": "skip", "slot": "Sáng", "date": "19/01/2027"},
         "Ngày 19/01/2027 đã qua; ngoại lệ chỉ áp dụng từ hôm nay trở đi.", 422),
        ({"kind": "skip", "slot": "Tối", "date": "09/02/2027"}, "Không có khung giờ “Tối”.", 404),
        ({"kind": "skip", "slot": "", "date": "09/02/2027"},
         "Hãy chọn khung giờ mà ngoại lệ này áp dụng.", 422),
        ({"kind": "replace", "slot": "Sáng", "date": "09/02/2027", "start": "16:45",
          "minutes": "30"},
         "Khung giờ “Sáng” (16:45, 30 phút) trùng với khung giờ “Chiều” (17:00, 30 phút) vào "
         "ngày 09/02/2027 ở cùng vùng loa; hãy dời giờ hoặc rút ngắn một khung.", 422),
    ],
)  # fmt: skip
def test_a_refused_rule_is_one_sentence_the_form_kept_nothing_changed(
    station: Station, apps: Login, form: dict[str, str], said: str, status: int
) -> None:
    leader = apps(LEADER)
    before = db_snapshot(station.settings.db_url)
    answer, page = send(leader, "/programme/slots/rules", form)
    assert (answer, errors(page)) == (status, [said])
    assert f'value="{form["date"]}"' in page  # the form as it was typed
    assert db_snapshot(station.settings.db_url) == before


def test_a_rule_that_empties_a_week_is_kept_with_a_warning(station: Station, apps: Login) -> None:
    leader = apps(LEADER)
    with services(station, NOW) as ctx:  # a station with one weekly slot, on Saturday
        for name in ("Sáng", "Chiều"):
            slots.pause_slot(ctx, LEADER, name, slots.find_slot(ctx, name).version, True)
        slots.add_slot(ctx, LEADER, SlotInput("Thứ Bảy", "08:00", 30, days=["sat"]))
    status, page = send(
        leader, "/programme/slots/rules", {"kind": "skip", "slot": "Thứ Bảy", "date": "13/02/2027"}
    )
    assert status == 303
    page = leader.get("/programme/slots/").text
    assert errors(page) == [
        "Đã lưu, nhưng tuần 08/02/2027–14/02/2027 sẽ không có khung giờ phát bản tin nào; hãy "
        "thêm khung giờ một lần nếu xã cần thông tin trong tuần đó."
    ]
    assert listed(station) == ["skip"]


def test_delete_compares_the_version_and_officers_only_look(station: Station, apps: Login) -> None:
    leader = apps(LEADER)
    assert send(leader, "/programme/slots/rules", TET)[0] == 303
    page = leader.get("/programme/slots/").text
    rule_id = re.search(r"/programme/slots/rules/(\d+)/delete", page)
    assert rule_id
    path = f"/programme/slots/rules/{rule_id.group(1)}/delete"
    status, page = send(leader, path, {"version": "7"})
    assert status == 409 and "vừa được người khác thay đổi" in errors(page)[0]
    officer = apps("vhxh")
    seen = officer.get("/programme/slots/").text
    assert "ba ngày đầu Tết Nguyên Đán" in seen and "Thêm ngoại lệ" not in seen
    assert "/delete" not in seen.split("ngoai-le")[1]
    assert send(officer, path, {"version": "1"})[0] == 403
    assert send(officer, "/programme/slots/rules", TET)[0] == 403
    assert send(leader, path, {"version": "1"})[0] == 303
    assert listed(station) == []
