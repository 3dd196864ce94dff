"""A real Chromium logs in, uploads a bulletin, reads its spoken form and plays and seeks its audio."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from broadcaster.web import create_app

from tests.conftest import ADMIN_PASSWORD, LEADER, LEADER_PASSWORD
from tests.helpers import policy_refusals, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip

if not CHROMIUM and not os.environ.get("BROADCASTER_REQUIRE_BROWSER"):
    pytest.skip("Chromium not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed (make test installs it)"
)
pytestmark = pytest.mark.slow


@pytest.fixture
def live_server(station):  # type: ignore[no-untyped-def]
    """The real app behind the real WSGI server (waitress) on a free loopback port."""
    with serving(create_app(station.settings)) as address:
        yield address


def test_officer_uploads_and_plays_a_bulletin_in_chromium(
    live_server: str, project: Path, tmp_path: Path
) -> None:
    script = project / "ban-tin.txt"
    script.write_text(
        "UBND thị trấn thông báo về CCHC.\nBà con nộp hồ sơ trực tuyến tại nhà. Xin cảm ơn.",
        encoding="utf-8",
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(live_server + "/")
            # The first visit greets with the login form, not with a red warning (issue 24).
            assert page.locator(".flash").count() == 0 and "Đăng nhập" in page.content()
            page.fill("input[name=name]", "admin")
            page.fill("input[name=password]", ADMIN_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("text=Bản tin tuyên truyền")
            page.set_input_files("input[type=file]", str(script))
            page.select_option("select[name=topic]", "c")
            page.click("button:has-text('Thêm bản tin')")
            page.wait_for_selector("text=Lời đọc")
            assert "Ủy ban nhân dân thị trấn thông báo về cải cách hành chính." in page.inner_text(
                "pre.spoken"
            )
            # The page came back at once; the audio arrives in the player without a reload.
            assert page.locator("#render-progress progress").count() == 1
            url_before = page.url
            page.wait_for_selector("#render-progress.ok", timeout=60_000)
            assert "Đã tạo âm thanh bằng giọng máy dự phòng" in page.inner_text("#render-progress")
            assert page.url == url_before and page.locator(".no-audio").count() == 0
            assert "Đang tạo âm thanh" not in page.inner_text("body")  # no stale progress
            duration = page.eval_on_selector(
                "audio",
                """a => new Promise((ok, fail) => {
                    a.muted = true;
                    const done = () => ok(a.duration);
                    if (a.readyState >= 1) done(); else a.addEventListener('loadedmetadata', done);
                    a.addEventListener('error', () => fail('audio error ' + (a.error && a.error.code)));
                    a.load();
                })""",
            )
            assert 3 < duration < 30
            position = page.eval_on_selector(
                "audio",
                """a => new Promise(ok => {
                    a.muted = true;
                    a.addEventListener('seeked', () => ok(a.currentTime), {once: true});
                    a.currentTime = 2.5;
                    a.play();
                })""",
            )
            assert position >= 2.4  # the player seeks, so the server honoured the Range request
            page.screenshot(path=str(tmp_path / "script.png"), full_page=True)
            here = page.url
            # The one who wrote it may not approve it: a leader logs in and does.
            page.click("button:has-text('Đăng xuất')")
            page.wait_for_selector("text=Bạn đã đăng xuất")
            page.goto(here)
            page.fill("input[name=name]", LEADER)
            page.fill("input[name=password]", LEADER_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("text=Lời đọc")
            page.click("button:has-text('Duyệt phát sóng')")
            page.wait_for_selector("text=Đã duyệt. Bản tin sẽ được tự động xếp")
        finally:
            browser.close()


def test_a_hostile_next_stays_on_the_site_and_no_page_breaks_the_content_policy(
    live_server: str,
) -> None:
    """After logging in from /login?next=/%09/evil.example Chromium is still on this site (a
    browser drops the tab, so the old check sent it to //evil.example); every page then loads
    its stylesheet and nothing on it is refused by the Content-Security-Policy."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            refused = policy_refusals(page)
            page.goto(live_server + "/login?next=/%09/evil.example")
            page.fill("input[name=name]", "admin")
            page.fill("input[name=password]", ADMIN_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("text=Bản tin tuyên truyền")
            assert page.url == live_server + "/"
            for path in ("/programme/", "/log/", "/status/", "/scripts/1"):
                page.goto(live_server + path)
                header = page.eval_on_selector("header", "h => getComputedStyle(h).backgroundColor")
                assert header == "rgb(139, 26, 26)", path  # style.css loaded under the policy
            assert refused == []
        finally:
            browser.close()
