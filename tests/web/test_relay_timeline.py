"""One timeline of relays and bulletins (issue 27, item 5): the status page, `broadcaster status`
and the week grid show a relay slot's occurrences among the bulletins in time order, with the
stream's address never showing its credentials; no bulletin can be arranged into a relay slot."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from broadcaster.web import create_app
from click.testing import CliRunner

from broadcaster.enums import SlotKind
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import planning
from broadcaster.services.health import check_health
from broadcaster.services.station import Station
from broadcaster.store.db import Slot
from tests.cli.test_cli import ok
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, services
from tests.web.test_log_pages import login

SECRET_URL = "https://tram:mat-khau@vov.example/vov1.mp3?token=bi-mat"
SHOWN = "https://vov.example/vov1.mp3?token=%E2%80%A6"  # the secret's value left out
EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun"


def add_relays(station: Station) -> None:
    """VOV at 11:00 for an hour every day (no fallback), the province at 19:00 (with one)."""
    with station.sessions() as session:
        session.add_all([
            Slot(name="VOV trưa", days=EVERY_DAY, start="11:00", minutes=60, zones="",
                 kind=SlotKind.RELAY, stream_url=SECRET_URL),
            Slot(name="Đài tỉnh", days=EVERY_DAY, start="19:00", minutes=30, zones="",
                 kind=SlotKind.RELAY, stream_url="http://dai-tinh.example/live",
                 fallback="nhac-du-phong.mp3"),
        ])  # fmt: skip
        session.commit()


def no_secret(text: str) -> None:
    assert "mat-khau" not in text and "bi-mat" not in text and "tram:" not in text


def test_the_coming_airings_are_one_timeline_of_bulletins_and_relays(station: Station) -> None:
    add_relays(station)
    with station.sessions() as session:
        health = check_health(station.settings, session, FIXED_NOW, count=6)
    # Monday 09:00 in Hà Nội: VOV 11:00, Chiều 17:00, the province 19:00, then Tuesday.
    tz = station.settings.tz
    seen = [(i.start.astimezone(tz).strftime("%a %H:%M"), i.slot) for i in health.next_airings]
    assert seen[:4] == [
        ("Mon 11:00", "VOV trưa"), ("Mon 17:00", "Chiều"), ("Mon 19:00", "Đài tỉnh"),
        ("Tue 06:00", "Sáng"),
    ]  # fmt: skip
    vov, _, province = health.next_airings[:3]
    assert (vov.relay, vov.ready, vov.until) == (SHOWN, False, vov.start + timedelta(hours=1))
    assert (province.relay, province.ready) == ("http://dai-tinh.example/live", True)
    assert health.next_airings[1].relay is None  # a bulletin slot, not planned yet

    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    try:
        page = login(app).get("/status/").text
    finally:
        app.extensions["broadcaster"].engine.dispose()
    coming = page[page.index('id="sap-toi"') : page.index("Kết quả gần nhất")]
    no_secret(coming)
    rows = re.findall(r'<td data-label="Khung giờ">([^<]+)</td>', coming)
    assert rows[:4] == ["VOV trưa", "Chiều", "Đài tỉnh", "Sáng"]
    assert f'Tiếp sóng <span class="meta">{SHOWN}</span>' in coming
    assert "11:00 11/03/2024 – 12:00" in coming
    assert "không có tệp dự phòng" in coming and "có tệp dự phòng khi mất sóng" in coming


def test_the_week_grid_shows_relays_without_credentials_and_offers_no_arranging(
    station: Station,
) -> None:
    add_relays(station)
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    try:
        client = login(app)
        page = client.get("/programme/", query_string={"week": "2024-W11"}).text
        printed = client.get("/programme/", query_string={"week": "2024-W11", "print": 1}).text
    finally:
        app.extensions["broadcaster"].engine.dispose()
    no_secret(page + printed)
    assert page.count('<div class="occurrence relay">') == 14  # both relays, every day
    assert page.count(SHOWN) == 7 and page.count("http://dai-tinh.example/live") == 7
    assert "11:00–12:00" in page and "19:00–19:30" in page
    relay_cells = re.findall(r'<div class="occurrence relay">(.*?)</div>', page, re.S)
    assert not any("<form" in cell or "<select" in cell for cell in relay_cells)
    assert printed.count("Tiếp sóng đài cấp trên, 11:00–12:00") == 7


def test_a_bulletin_cannot_be_arranged_into_a_relay_slot(station: Station) -> None:
    add_relays(station)
    script_id = add_draft(station, FIXED_NOW, "Cải cách hành chính.", topic="a")
    tz = station.settings.tz
    start = datetime(2024, 3, 12, 11, 0, tzinfo=tz)  # Tuesday's VOV relay
    with services(station, FIXED_NOW) as ctx:
        with pytest.raises(BroadcasterError) as refused:
            planning.arrange(ctx, "VOV trưa", start, [script_id])
        assert refused.value.code == Code.SLOT_IS_RELAY
        assert str(refused.value) == (
            "Slot VOV trưa relays an upper-level station's stream; put bulletins in a slot of "
            "kind bulletins."
        )
        assert planning.slot_entries(ctx, "VOV trưa", start) == []


def test_broadcaster_status_lists_a_relay_in_the_timeline(runner: CliRunner, project: Path) -> None:
    from tests.conftest import ADMIN_PASSWORD

    ok(runner, "init", "--admin-password", ADMIN_PASSWORD)
    ok(runner, "users", "add", "Chủ tịch", "--role", "leader")
    folder = project / "with-relay"
    folder.mkdir()
    (folder / "slots.toml").write_text(
        (project / "schedules" / "town.toml").read_text(encoding="utf-8")
        + f'\n[[slot]]\nname = "VOV"\ndays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
        f'start = "23:59"\nminutes = 1\nkind = "relay"\nurl = "{SECRET_URL}"\n',
        encoding="utf-8",
    )
    ok(runner, "slots", "import", str(folder), "--by", "Chủ tịch")
    out = ok(runner, "status")
    no_secret(out)
    assert f"VOV      relay of {SHOWN} until 00:00  [no fallback file]" in out
