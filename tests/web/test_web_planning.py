"""The week grid that plans (real Flask app, real database, SQLite and PostgreSQL): each slot
occurrence shows its bulletins with their lengths and its total against the slot; an officer
reorders, removes and adds with plain forms (no JavaScript), the occurrence is then pinned and
planning leaves it alone, the audit trail records it; a begun or over-full slot is refused in
Vietnamese, and the office only looks."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient
from sqlalchemy import select

from broadcaster.programme.planning import entries_for
from broadcaster.services import planning
from broadcaster.store.db import AuditEvent, ProgrammeEntry, Rendering
from broadcaster.store.users import create_user
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered, services

WEEK = "2024-W11"
PASSWORD = "mat-khau-thu-nghiem"
TITLES = ["Tiêm chủng", "Đăng ký tạm trú", "Lịch tiếp dân"]


@pytest.fixture
def town(station):  # type: ignore[no-untyped-def]
    """Three approved, rendered bulletins planned into the week; an officer and an office clerk."""
    ids = [
        approved_rendered(station, FIXED_NOW, f"Thông báo {title}. Bà con chú ý.", title=title)
        for title in TITLES
    ]
    with station.sessions() as session:
        create_user(session, "vhxh", PASSWORD, "officer")
        create_user(session, "vanphong", PASSWORD, "office")
        session.commit()
    with services(station, FIXED_NOW) as ctx:
        planning.plan_week(ctx, WEEK)
    return ids


@pytest.fixture
def apps(station):  # type: ignore[no-untyped-def]
    made = []

    def login(name: str) -> FlaskClient:
        app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
        made.append(app)
        client = app.test_client()
        form = {"name": name, "password": PASSWORD, "csrf_token": _token(client.get("/login").text)}
        assert client.post("/login", data=form).status_code == 302
        return client

    yield login
    for app in made:
        app.extensions["broadcaster"].engine.dispose()


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _evening(station):  # type: ignore[no-untyped-def]
    return FIXED_NOW.astimezone(station.settings.tz).replace(hour=17, minute=0)


def _occurrence(page: str, start) -> str:  # type: ignore[no-untyped-def]
    """The HTML of one occurrence's cell."""
    key = f'id="o-{start:%Y%m%d%H%M}"'
    assert key in page, key
    return page[page.index(key) : page.index("</div>", page.index(key))]


def _button(cell: str, label: str, nth: int = 0) -> str:
    """The new order a button of the cell sends (its name="ids" value)."""
    values = re.findall(rf'name="ids" value="([^"]*)"[^>]*>{label}<', cell)
    return values[nth]


def _send(client: FlaskClient, station, when, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get("/programme/", query_string={"week": WEEK}).text
    form = {
        "csrf_token": _token(page), "week": WEEK, "slot": "Chiều", "start": when.isoformat(),
        "current": ",".join(str(i) for i in _planned(station, when)),
    }  # fmt: skip
    form.update(fields)
    return client.post("/programme/arrange", data=form, follow_redirects=True)


def _planned(station, start, slot: str = "Chiều") -> list[int]:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        return [e.script_id for e in entries_for(session, slot, start)]


def _pinned(station, start) -> set[bool]:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        return set(session.scalars(select(ProgrammeEntry.pinned).filter_by(starts_at=start)))


def test_each_occurrence_shows_its_bulletins_lengths_and_total(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        seconds = {r.script_id: r.duration_s for r in session.scalars(select(Rendering))}
    page = htmllib.unescape(apps("vanphong").get("/programme/", query_string={"week": WEEK}).text)
    cell = _occurrence(page, _evening(station))
    for script_id, title in zip(town, TITLES, strict=True):
        whole = round(seconds[script_id])
        assert f'{title}</span> <span class="duration">{whole // 60}:{whole % 60:02d}<' in cell
    total = round(sum(seconds.values()) + 2 * 2)  # two breaths of 2 s between three bulletins
    assert f"Tổng {total // 60}:{total % 60:02d} / 30:00" in cell
    assert "overfull" not in cell and "quá giờ" not in cell


def test_an_over_full_occurrence_says_so_in_words_and_red(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    with station.sessions() as session:  # renderings longer than when the week was planned
        for rendering in session.scalars(select(Rendering)):
            rendering.duration_s = 700.0
        session.commit()
    page = apps("vanphong").get("/programme/", query_string={"week": WEEK}).text
    cell = _occurrence(page, _evening(station))
    assert '<p class="total overfull">Tổng 35:04 / 30:00 — <strong>quá giờ 5:04</strong>' in cell


def test_office_sees_no_buttons_and_is_refused(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    office = apps("vanphong")
    page = office.get("/programme/", query_string={"week": WEEK}).text
    assert ">Lên<" not in page and ">Bỏ<" not in page and "/programme/arrange" not in page
    evening = _evening(station)
    answer = office.post(
        "/programme/arrange",
        data={"csrf_token": _token(page), "slot": "Chiều", "start": evening.isoformat(), "ids": ""},
    )
    assert answer.status_code == 403
    assert _planned(station, evening) == town


def test_officer_moves_a_bulletin_down_and_up_and_the_slot_is_pinned(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    officer, evening = apps("vhxh"), _evening(station)
    assert _pinned(station, evening) == {False}
    cell = _occurrence(officer.get("/programme/", query_string={"week": WEEK}).text, evening)
    down_first = _button(cell, "Xuống", 0)
    assert down_first == f"{town[1]},{town[0]},{town[2]}"
    page = _send(officer, station, evening, ids=down_first)
    assert "Đã sắp xếp khung giờ Chiều lúc 17:00 11/03/2024: 3 bản tin." in page.text
    assert _planned(station, evening) == [town[1], town[0], town[2]]
    assert _pinned(station, evening) == {True}
    cell = _occurrence(page.text, evening)
    assert "Đã sắp xếp tay" in cell
    up_last = _button(cell, "Lên", 1)  # the first item has no "Lên"; the second such is the last
    _send(officer, station, evening, ids=up_last)
    assert _planned(station, evening) == [town[1], town[2], town[0]]


def test_officer_removes_and_adds(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    officer, evening = apps("vhxh"), _evening(station)
    cell = _occurrence(officer.get("/programme/", query_string={"week": WEEK}).text, evening)
    _send(officer, station, evening, ids=_button(cell, "Bỏ", 1))
    assert _planned(station, evening) == [town[0], town[2]]
    cell = _occurrence(officer.get("/programme/", query_string={"week": WEEK}).text, evening)
    offered = re.findall(r'<option value="(\d+)">', cell)
    assert offered == [str(town[1])]  # only what is not already in the slot
    _send(officer, station, evening, action="add", script=str(town[1]))
    assert _planned(station, evening) == [town[0], town[2], town[1]]
    assert _pinned(station, evening) == {True}
    page = _send(officer, station, evening, ids="")  # empty: nothing left to pin
    assert "Đã bỏ hết bản tin khỏi khung giờ Chiều lúc 17:00 11/03/2024." in page.text
    assert _planned(station, evening) == []


def test_an_arranged_occurrence_survives_planning_again(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    officer, evening = apps("vhxh"), _evening(station)
    _send(officer, station, evening, ids=f"{town[2]}")
    page = officer.get("/programme/", query_string={"week": WEEK}).text
    officer.post("/programme/plan", data={"csrf_token": _token(page), "week": WEEK})
    assert _planned(station, evening) == [town[2]]
    assert _planned(station, evening + timedelta(days=1)) == town  # the others are planned


def test_a_begun_occurrence_is_refused_in_vietnamese(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    officer = apps("vhxh")
    morning = _evening(station).replace(hour=6)  # it is 09:00: this morning's slot has begun
    page = officer.get("/programme/", query_string={"week": WEEK}).text
    assert f'value="{morning.isoformat()}"' not in page  # no form for it on the page
    answer = _send(officer, station, morning, slot="Sáng", ids=f"{town[0]}")
    assert "Khung giờ Sáng lúc 06:00 11/03/2024 đã bắt đầu, không thể thay đổi nữa." in answer.text
    assert _planned(station, morning, "Sáng") == []


def test_an_over_full_arrangement_is_refused_in_vietnamese(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    officer, evening = apps("vhxh"), _evening(station)
    _send(officer, station, evening, ids=f"{town[0]},{town[1]}")
    with station.sessions() as session:
        for rendering in session.scalars(select(Rendering)):
            rendering.duration_s = 700.0
        session.commit()
    answer = _send(officer, station, evening, action="add", script=str(town[2]))
    assert answer.status_code == 200
    assert "Các bản tin đã chọn dài 2104 giây, vượt quá 30 phút của khung giờ Chiều." in answer.text
    assert _planned(station, evening) == [town[0], town[1]]


def test_arranging_is_written_in_the_audit_trail(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    officer, evening = apps("vhxh"), _evening(station)
    _send(officer, station, evening, ids=f"{town[2]},{town[0]}")
    with station.sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
        assert (event.actor, event.action) == ("vhxh", "programme.arrange")
        assert event.target == "slot:Chiều@2024-03-11 17:00"
        assert event.detail == f"scripts: {town[2]}, {town[0]}"
        assert event.before_hash != event.after_hash


def test_the_printed_week_has_titles_and_lengths_and_no_buttons(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        seconds = {r.script_id: r.duration_s for r in session.scalars(select(Rendering))}
    page = apps("vhxh").get("/programme/", query_string={"week": WEEK, "print": "1"}).text
    assert "<h1>Chương trình phát sóng Tuần 11 (11/03 – 17/03/2024)</h1>" in page
    assert "Thứ Ba 12/03/2024" in page and "Chiều (17:00, 30 phút)" in page
    whole = round(seconds[town[0]])
    assert f"<li>{TITLES[0]} ({whole // 60}:{whole % 60:02d})</li>" in page
    main = page[page.index("<main>") :]
    assert "<button" not in main and "<form" not in main and "<select" not in main
    assert "programme.js" not in page


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"start": "hôm qua"}, 400, "Thời điểm của buổi phát không hợp lệ."),
        ({"start": "2024-03-11T17:00:00"}, 400, "Thời điểm của buổi phát không hợp lệ."),  # no zone
        ({"ids": "1,hai"}, 400, "Danh sách bản tin không hợp lệ."),
        ({"slot": "Trưa"}, 200, "Khung giờ Trưa không phát vào lúc 17:00 11/03/2024."),
        ({"ids": "999"}, 200, "Không có bản tin số 999."),
    ],
)
def test_a_form_this_page_never_sends_changes_nothing(
    station, town, apps, fields, status, says
) -> None:  # type: ignore[no-untyped-def]
    officer, evening = apps("vhxh"), _evening(station)
    answer = _send(officer, station, evening, **{"ids": "", **fields})
    assert answer.status_code == status
    assert says in answer.text
    assert _planned(station, evening) == town and _pinned(station, evening) == {False}


def test_the_week_grid_names_the_holidays(station, town, apps) -> None:  # type: ignore[no-untyped-def]
    """Tết 2026 (mùng một on Tuesday 17 February) in both the desk's grid and the printed one."""
    office = apps("vanphong")
    for printing in ("", "1"):
        page = htmllib.unescape(
            office.get("/programme/", query_string={"week": "2026-W08", "print": printing}).text
        )
        assert "Giao thừa Tết Nguyên Đán" in page and "Mùng hai Tết Nguyên Đán" in page
        assert page.count('class="holiday"') == 5  # 16 to 20 February
    ordinary = office.get("/programme/", query_string={"week": WEEK}).text
    assert 'class="holiday"' not in ordinary  # 11–17 March 2024: no holiday
