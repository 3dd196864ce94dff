"""What the pages say: weeks as "Tuần 48 (23/11 – 29/11/2026)", today in the week grid, and a
daemon that stopped cleanly (real Flask app, real database, the real lease)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from broadcaster.web import create_app, week_vi
from flask.testing import FlaskClient

from broadcaster.onair.lease import Lease
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW
from tests.helpers import add_draft, run_cli


@pytest.mark.parametrize(
    ("iso_week", "said"),
    [
        ("2026-W48", "Tuần 48 (23/11 – 29/11/2026)"),
        ("2024-W11", "Tuần 11 (11/03 – 17/03/2024)"),
        ("2026-W01", "Tuần 1 (29/12/2025 – 04/01/2026)"),  # across two years: both written
        ("2020-W53", "Tuần 53 (28/12/2020 – 03/01/2021)"),
        (None, "mọi tuần"),
    ],
)
def test_weeks_are_said_with_their_days(iso_week: str | None, said: str) -> None:
    assert week_vi(iso_week) == said


def admin(station, now=FIXED_NOW) -> tuple[object, FlaskClient]:  # type: ignore[no-untyped-def]
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: now)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    form = {"name": "admin", "password": ADMIN_PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form).status_code == 302
    return app, client


def test_the_week_grid_is_labelled_in_vietnamese_and_marks_today(station) -> None:  # type: ignore[no-untyped-def]
    app, client = admin(station)
    html = client.get("/programme/").text
    assert "<h1>Chương trình phát sóng Tuần 11 (11/03 – 17/03/2024)</h1>" in html
    assert '<th class="today" aria-current="date">Thứ Hai<br>11/03<br>' in html
    assert html.count('class="today"') == 1 + 2  # the heading and each slot's cell that day
    assert "2024-W11" not in re.sub(r'(href|value)="[^"]*"', "", html)  # only in links and forms
    tuesday = client.get("/programme/", query_string={"week": "2024-W12"}).text
    assert 'class="today"' not in tuesday
    app.extensions["broadcaster"].engine.dispose()  # type: ignore[attr-defined]


def test_a_script_page_says_its_week(station) -> None:  # type: ignore[no-untyped-def]
    script_id = add_draft(station, FIXED_NOW, "Thông báo.", week="2024-W12")
    app, client = admin(station)
    assert "Tuần phát: Tuần 12 (18/03 – 24/03/2024)." in client.get(f"/scripts/{script_id}").text
    app.extensions["broadcaster"].engine.dispose()  # type: ignore[attr-defined]


def test_the_status_page_says_a_clean_stop_not_a_signal_in_2000(station) -> None:  # type: ignore[no-untyped-def]
    lease = Lease(station.sessions, lambda: FIXED_NOW, station.settings.tz)
    lease.acquire()
    later = FIXED_NOW + timedelta(hours=1)
    app, client = admin(station, later)
    html = client.get("/status/").text
    assert "tín hiệu cuối lúc 09:00 11/03/2024" in html  # stopped without letting go
    lease.release()
    html = client.get("/status/").text
    assert "KHÔNG chạy (đã dừng đúng cách)" in html
    assert "2000" not in html and "tín hiệu cuối" not in html
    app.extensions["broadcaster"].engine.dispose()  # type: ignore[attr-defined]
    said = run_cli(station.settings.base_dir, station.settings.database_url, "status").stdout
    assert "Daemon: NOT running; stopped cleanly." in said and "01/01" not in said


def test_the_status_page_of_a_daemon_never_started(station) -> None:  # type: ignore[no-untyped-def]
    app, client = admin(station)
    assert "KHÔNG chạy (chưa chạy lần nào)" in client.get("/status/").text
    app.extensions["broadcaster"].engine.dispose()  # type: ignore[attr-defined]


def test_the_status_page_and_status_say_what_is_on_air_and_what_waits(station) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.onair.airing_row import new_row as _open_row
    from broadcaster.onair.outputs import NullOutput
    from broadcaster.store.db import AirRequest, Script
    from broadcaster.store.renderings import current_rendering
    from tests.helpers import approved_rendered

    on_air = approved_rendered(station, FIXED_NOW, "Thông báo lịch tiếp công dân.")
    storm = approved_rendered(station, FIXED_NOW, "Khẩn cấp: bão số ba.")
    Lease(station.sessions, lambda: FIXED_NOW, station.settings.tz).acquire()
    with station.sessions() as session:
        script = session.get_one(Script, on_air)
        row = _open_row(
            script, current_rendering(session, script), FIXED_NOW, FIXED_NOW, NullOutput(), 1,
            requested_by="Cán bộ VH-XH",
        )  # fmt: skip
        session.add(row)
        session.add(AirRequest(script_id=on_air, emergency=False, requested_at=FIXED_NOW,
                               requested_by="Cán bộ VH-XH"))  # fmt: skip
        session.add(AirRequest(script_id=storm, emergency=True, requested_at=FIXED_NOW,
                               requested_by="Chủ tịch"))  # fmt: skip
        session.commit()
        until = (FIXED_NOW + timedelta(seconds=row.duration_s or 0)).astimezone(station.settings.tz)
    app, client = admin(station, FIXED_NOW + timedelta(seconds=2))
    html = client.get("/status/").text
    assert (
        "Đang phát:</strong> Thông báo lịch tiếp công dân. (phát ngay, do Cán bộ VH-XH yêu cầu)"
        in html
    )
    assert f"từ 09:00:00 đến khoảng {until:%H:%M:%S}" in html
    assert "<li>Khẩn cấp: bão số ba. (bản tin khẩn, Chủ tịch yêu cầu lúc 09:00:00)</li>" in html
    assert "<li>Thông báo lịch" not in html  # the request on air does not wait
    app.extensions["broadcaster"].engine.dispose()  # type: ignore[attr-defined]


def test_a_failing_output_turns_the_status_red_until_an_airing_gets_through(station) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.daemon.process import Daemon
    from broadcaster.onair.command_output import CommandOutput
    from broadcaster.onair.outputs import NullOutput
    from broadcaster.programme.slots import parse_slots
    from tests.helpers import approved_rendered

    morning = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")
    approved_rendered(station, FIXED_NOW, "Thông báo lịch tiếp công dân.")
    clock = [FIXED_NOW + timedelta(seconds=5)]

    def air(output: object) -> None:
        Daemon(
            station.settings, station.sessions, morning, output,  # type: ignore[arg-type]
            clock=lambda: clock[0], sleep=lambda _: None,
        ).air_slot("Sáng")  # fmt: skip

    air(CommandOutput("sh -c 'echo no sound card >&2; exit 5'"))
    app, client = admin(station, FIXED_NOW + timedelta(minutes=1))
    html = client.get("/status/").text
    assert "Lượt phát gần nhất không ra loa</strong> (command:sh -c" in html
    assert "no sound card" in html and "thông báo này tắt khi một lượt phát ra loa được" in html
    said = run_cli(station.settings.base_dir, station.settings.database_url, "status").stdout
    assert "Output: FAILING (command:sh -c" in said and "exited with code 5. no sound" in said
    approved_rendered(station, FIXED_NOW, "Bản tin thứ hai.")
    clock[0] = FIXED_NOW + timedelta(days=1, seconds=5)  # tomorrow's slot, through the null output
    air(NullOutput())
    html = client.get("/status/").text
    assert "không ra loa" not in html
    app.extensions["broadcaster"].engine.dispose()  # type: ignore[attr-defined]
