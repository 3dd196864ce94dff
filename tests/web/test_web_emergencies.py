"""Emergencies and the routine slots on the page (real Flask app, SQLite and PostgreSQL): the
approval says what will really happen to each kind and priority; the week grid's "Thêm" list
leaves emergencies out and refuses one an officer sends anyway; a leader puts one into a slot
only through a second page with a ticked box, and the audit trail names the leader."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from broadcaster.web import create_app
from sqlalchemy import select, update

from broadcaster.enums import Kind, Priority
from broadcaster.services import planning
from broadcaster.store.db import AuditEvent, ProgrammeEntry, Script
from broadcaster.store.users import create_user
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered, services
from tests.web.test_web import PASSWORD, approval_form, login, page, token, upload

pytestmark = pytest.mark.both_databases
WEEK = "2024-W11"


@pytest.fixture
def app(station):  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        for name, role in (("vhxh", "officer"), ("chutich", "leader")):
            create_user(session, name, PASSWORD, role)
        session.commit()
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    yield app
    app.extensions["broadcaster"].engine.dispose()


def _approved_says(app, **fields: str) -> str:  # type: ignore[no-untyped-def]
    """Upload as the officer with these fields, approve as the leader: the flashed sentence."""
    officer, leader = app.test_client(), app.test_client()
    login(officer, "vhxh")
    upload(officer, "Thông báo của Ủy ban. Bà con chú ý lắng nghe.".encode(), **fields)
    login(leader, "chutich")
    said = page(
        leader.post("/scripts/1/approve", data=approval_form(leader), follow_redirects=True)
    )
    found = re.search(r'class="flash ok"[^>]*>(Đã duyệt\.[^<]*)<', said)
    assert found, said
    return htmllib.unescape(found.group(1))


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        (
            {"priority": "emergency"},
            "Đã duyệt. Đây là bản tin khẩn cấp nên không được xếp vào các khung giờ phát thường "
            "xuyên. Để phát, bấm “Phát KHẨN ngay…”: bản tin đang phát (nếu có) sẽ dừng để phát "
            "bản tin này. Nếu cần phát cả trong khung giờ thường, lãnh đạo chọn ở trang Chương "
            "trình tuần và xác nhận.",
        ),
        (
            {"kind": "emergency"},
            "Đã duyệt. Đây là bản tin khẩn cấp nên không được xếp vào các khung giờ phát thường "
            "xuyên. Để phát, bấm “Phát ngay…”: bản tin được phát ngay sau bản tin đang phát.",
        ),
        (
            {"kind": "cchc"},
            "Đã duyệt. Bản tin sẽ được tự động xếp vào các khung giờ Sáng (06:00), Chiều (17:00) "
            "hằng tuần, luân phiên với các bản tin đã duyệt khác khi khung giờ còn đủ chỗ. Buổi "
            "phát sớm nhất có thể có bản tin: Chiều 17:00 Thứ Hai 11/03/2024.",
        ),
        (
            {"kind": "notice", "priority": "priority", "week": "2024-W12"},
            "Đã duyệt. Bản tin sẽ được tự động xếp vào các khung giờ Sáng (06:00), Chiều (17:00) "
            "trong Tuần 12 (18/03 – 24/03/2024), luân phiên với các bản tin đã duyệt khác khi "
            "khung giờ còn đủ chỗ. Bản tin ưu tiên được xếp đầu tiên trong mỗi buổi phát. Buổi "
            "phát sớm nhất có thể có bản tin: Sáng 06:00 Thứ Hai 18/03/2024.",
        ),
        (
            {"week": "2024-W10"},
            "Đã duyệt. Tuần phát của bản tin (Tuần 10 (04/03 – 10/03/2024)) đã qua nên bản tin sẽ "
            "không được xếp vào khung giờ nào.",
        ),
    ],
    ids=["emergency-priority", "emergency-kind", "cchc", "notice-priority-week", "week-over"],
)
def test_the_approval_says_what_will_really_happen(app, fields, says) -> None:  # type: ignore[no-untyped-def]
    said = _approved_says(app, **fields)
    assert said.startswith(says), said
    assert "khung giờ phù hợp" not in said


@pytest.fixture
def town(station, app):  # type: ignore[no-untyped-def]
    """Two routine bulletins planned into the week and an approved, rendered storm warning."""
    ids = [
        approved_rendered(station, FIXED_NOW, f"Thông báo {n}. Bà con chú ý.", title=f"Tin {n}")
        for n in (1, 2)
    ]
    storm = approved_rendered(
        station, FIXED_NOW, "Bão số ba sắp đổ bộ. Bà con chằng chống nhà cửa.", title="Bão số ba"
    )
    with station.sessions() as session:
        session.execute(update(Script).where(Script.id == storm).values(kind=Kind.EMERGENCY))
        session.commit()
    with services(station, FIXED_NOW) as ctx:
        planning.plan_week(ctx, WEEK)
    return ids, storm


def _evening(station):  # type: ignore[no-untyped-def]
    return FIXED_NOW.astimezone(station.settings.tz).replace(hour=17, minute=0)


def _cell(html: str, start) -> str:  # type: ignore[no-untyped-def]
    key = f'id="o-{start:%Y%m%d%H%M}"'
    return html[html.index(key) : html.index("</div>", html.index(key))]


def _held(station, start) -> list[tuple[int, bool]]:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        rows = session.execute(
            select(ProgrammeEntry.script_id, ProgrammeEntry.pinned)
            .filter_by(starts_at=start)
            .order_by(ProgrammeEntry.position)
        )
        return [(row.script_id, row.pinned) for row in rows]


def test_the_add_list_leaves_emergencies_out_and_an_officer_cannot_add_one(
    station, app, town
) -> None:  # type: ignore[no-untyped-def]
    (first, second), storm = town
    evening = _evening(station)
    officer = app.test_client()
    login(officer, "vhxh")
    grid = page(officer.get("/programme/", query_string={"week": WEEK}))
    assert "Bão số ba" not in grid and "/programme/emergency" not in grid
    before = _held(station, evening)
    assert before == [(first, False), (second, False)]
    form = {
        "csrf_token": token(officer, "/programme/"), "week": WEEK, "slot": "Chiều",
        "start": evening.isoformat(), "current": f"{first},{second}", "action": "add",
        "script": str(storm),
    }  # fmt: skip
    refused = htmllib.unescape(
        page(officer.post("/programme/arrange", data=form, follow_redirects=True))
    )
    assert f"Bản tin số {storm} là bản tin khẩn cấp" in refused
    assert "Chỉ lãnh đạo mới đưa được bản tin khẩn cấp vào khung giờ thường" in refused
    form |= {"confirmed": "yes"}
    assert officer.post("/programme/emergency", data=form).status_code == 403
    assert officer.get("/programme/emergency", query_string=form).status_code == 403
    assert _held(station, evening) == before


def test_a_leader_puts_an_emergency_in_a_slot_only_after_ticking_the_box(
    station, app, town
) -> None:  # type: ignore[no-untyped-def]
    (first, second), storm = town
    evening = _evening(station)
    leader = app.test_client()
    login(leader, "chutich")
    grid = page(leader.get("/programme/", query_string={"week": WEEK}))
    cell = _cell(grid, evening)
    assert "Thêm</button>" not in cell  # a leader does not arrange the routine bulletins
    assert 'action="/programme/emergency"' in cell and f'<option value="{storm}">Bão số ba' in cell
    asked = {"week": WEEK, "slot": "Chiều", "start": evening.isoformat(), "script": str(storm)}
    confirm = htmllib.unescape(page(leader.get("/programme/emergency", query_string=asked)))
    assert "Bản tin khẩn cấp không bao giờ được tự động xếp vào khung giờ thường." in confirm
    assert "Chiều 17:00 Thứ Hai 11/03/2024" in confirm and "trước 2 bản tin đang xếp" in confirm
    assert 'name="confirmed" value="yes" required' in confirm
    sent = asked | {"csrf_token": token(leader, "/programme/")}
    unticked = leader.post("/programme/emergency", data=sent, follow_redirects=True)
    assert "Hãy đánh dấu ô xác nhận" in page(unticked)
    assert _held(station, evening) == [(first, False), (second, False)]
    done = leader.post(
        "/programme/emergency", data=sent | {"confirmed": "yes"}, follow_redirects=True
    )
    assert "Đã đưa bản tin khẩn cấp “Bão số ba” vào đầu khung giờ Chiều lúc 17:00 11/03/2024." in (
        htmllib.unescape(page(done))
    )
    assert _held(station, evening) == [(storm, True), (first, True), (second, True)]
    with station.sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None and (event.actor, event.action) == ("chutich", "programme.emergency")
    assert event.detail == "slot:Chiều@2024-03-11 17:00, confirmed by chutich"
    # The other slots are planned as before: no emergency there.
    with services(station, FIXED_NOW) as ctx:
        planning.plan_week(ctx, WEEK)
    with station.sessions() as session:
        elsewhere = session.scalars(
            select(ProgrammeEntry.script_id).where(ProgrammeEntry.starts_at != evening)
        ).all()
    assert storm not in elsewhere and set(elsewhere) == {first, second}


def test_priority_emergency_upload_is_never_planned(app, station) -> None:  # type: ignore[no-untyped-def]
    _approved_says(app, priority="emergency")
    with services(station, FIXED_NOW) as ctx:
        plan = planning.plan_week(ctx, WEEK)
    assert all(entries == [] for _, entries in plan.occurrences)
    with station.sessions() as session:
        assert session.get_one(Script, 1).priority == Priority.EMERGENCY


def test_the_confirmation_page_refuses_what_it_cannot_do(station, app, town) -> None:  # type: ignore[no-untyped-def]
    (first, _), storm = town
    evening = _evening(station)
    leader = app.test_client()
    login(leader, "chutich")
    asked = {"week": WEEK, "slot": "Chiều", "start": evening.isoformat(), "script": str(first)}
    routine = leader.get("/programme/emergency", query_string=asked)
    assert routine.status_code == 404 and "Không có bản tin khẩn cấp đã duyệt" in page(routine)
    begun = asked | {"slot": "Sáng", "start": evening.replace(hour=6).isoformat(), "script": storm}
    answer = leader.get("/programme/emergency", query_string=begun, follow_redirects=True)
    assert "Khung giờ Sáng lúc 06:00 11/03/2024 đã bắt đầu" in page(answer)
    sent = begun | {"csrf_token": token(leader, "/programme/"), "confirmed": "yes"}
    refused = leader.post("/programme/emergency", data=sent, follow_redirects=True)
    assert "đã bắt đầu, không thể thay đổi nữa" in page(refused)
    assert _held(station, evening.replace(hour=6)) == []
