"""A real Chromium records a reading from a (fake) microphone, saves it as a new bulletin; a
leader approves it, the daemon airs it and the log page says it was read by a person."""

from __future__ import annotations

from pathlib import Path

import pytest
from broadcaster.web import create_app
from sqlalchemy import select

from broadcaster.daemon.process import Daemon
from broadcaster.enums import Outcome
from broadcaster.onair.outputs import NullOutput
from broadcaster.store.db import Airing, Rendering
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW, LEADER, LEADER_PASSWORD
from tests.helpers import log_in, policy_refusals, serving, use_slots
from tests.sound.test_recording import CHIEU, EVENING
from tests.web.test_browser import CHROMIUM, CHROMIUM_FLAGS, sync_api
from tests.web.test_browser_layout import check_page

pytestmark = pytest.mark.slow
MICROPHONE_FLAGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture
def live_server(station):  # type: ignore[no-untyped-def]
    """The real app (its clock on the test's Monday) behind waitress on a free loopback port."""
    with serving(create_app(station.settings, clock=lambda: FIXED_NOW)) as address:
        yield address


def test_a_reading_recorded_in_chromium_is_approved_aired_and_logged(
    live_server: str, station, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS + MICROPHONE_FLAGS
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            refused = policy_refusals(page)
            log_in(page, live_server, "admin", ADMIN_PASSWORD)
            page.goto(live_server + "/record")
            check_page(page, "record", "phone")  # no sideways scrolling, 44 px targets
            page.click("#record-start")
            # The page counts the seconds it has recorded: wait for its third, then stop.
            page.wait_for_selector("#record-status:has-text('Đang ghi âm… 3 giây')")
            page.click("#record-stop")
            page.wait_for_selector("#record-status:has-text('Đã ghi xong')")
            kept = page.eval_on_selector(
                "#audio-file", "input => [input.files.length, input.files[0].name]"
            )
            assert kept[0] == 1 and kept[1].startswith("ghi-am.")
            # The player loads the recording from memory (a blob: address the content policy
            # must allow); playwright's own time limit ends the wait if it never does.
            page.wait_for_function("() => document.getElementById('record-player').readyState >= 1")
            heard = page.eval_on_selector("#record-player", "a => [a.src.slice(0, 5), a.hidden]")
            assert heard == ["blob:", False]
            page.fill("input[name=title]", "Thông báo đọc trực tiếp")
            page.select_option("select[name=topic]", "c")
            page.fill("textarea[name=body]", "Tóm tắt: lịch tiêm chủng tháng ba.")
            page.click("#record-save")
            page.wait_for_selector("text=Đã lưu bản ghi âm cho bản tin số 1")
            assert "Giọng người đọc (bản ghi âm)" in page.content()
            page.goto(live_server + "/record?script=1")
            check_page(page, "record-existing", "phone")
            page.click("button:has-text('Đăng xuất')")
            log_in(page, live_server, LEADER, LEADER_PASSWORD)
            page.goto(live_server + "/scripts/1")
            page.click("button:has-text('Duyệt phát sóng')")
            page.wait_for_selector("text=Đã duyệt. Bản tin sẽ được tự động xếp")
            use_slots(station, [CHIEU])
            Daemon(
                station.settings, station.sessions, [CHIEU], NullOutput(),
                clock=lambda: EVENING,
            ).air_slot("Chiều")  # fmt: skip
            page.goto(live_server + "/log/?from=2024-03-01&to=2024-03-31")
            row = page.inner_text("table.cards tbody tr")
            assert "Thông báo đọc trực tiếp (giọng người đọc)" in row and "đã phát" in row
            assert refused == []
        finally:
            browser.close()
    with station.sessions() as session:
        (airing,) = session.scalars(select(Airing)).all()
        rendering = session.get_one(Rendering, airing.rendering_id)
        assert airing.outcome == Outcome.AIRED and rendering.engine == "recording"
        assert airing.audio_sha256 == rendering.sha256 and airing.voice == "recording:admin"
        assert 3 < rendering.duration_s < 20  # three seconds and more of the fake microphone
