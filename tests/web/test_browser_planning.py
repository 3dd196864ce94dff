"""The week grid that plans, in a real Chromium: an officer drags a bulletin to another place in
its slot occurrence and the new order is saved (the small programme.js, no inline script, no CSP
refusal); the same is done from the keyboard with the "Xuống", "Bỏ" and "Thêm" buttons; with the
arranging controls on the page nothing is wider than a phone or a desk, and printed the grid
has no menu and no buttons. Screenshots go to var/screenshots/ (not committed)."""

from __future__ import annotations

from datetime import datetime

import pytest

from broadcaster.programme.planning import entries_for
from broadcaster.services.planning import plan_week
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered, log_in, policy_refusals, services
from tests.web.test_browser_layout import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    SCREENSHOTS,
    SIZES,
    live_server,
    sync_api,
    town,
)

pytestmark = pytest.mark.slow
__all__ = ["live_server", "town"]  # fixtures shared with the layout test

TUESDAY = "o-202403121700"  # Tuesday's evening slot, in the future for the page's clock
WEDNESDAY = "o-202403131700"


@pytest.fixture
def week(station, town):  # type: ignore[no-untyped-def]
    """Two more bulletins ready to air and the week planned again: each evening holds three."""
    more = [
        approved_rendered(station, FIXED_NOW, f"Thông báo số {n}. Bà con chú ý.", title=title)
        for n, title in enumerate(["Lịch tiêm chủng", "Đăng ký tạm trú"])
    ]
    with services(station, FIXED_NOW) as ctx:
        plan_week(ctx, "2024-W11")
    return [town, *more]


def _planned(station, key: str) -> list[int]:  # type: ignore[no-untyped-def]
    start = datetime.strptime(key, "o-%Y%m%d%H%M").replace(tzinfo=station.settings.tz)
    with station.sessions() as session:
        return [e.script_id for e in entries_for(session, "Chiều", start)]


def _shown(page, key: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [
        int(i)
        for i in page.eval_on_selector_all(f"#{key} li[data-id]", "l => l.map(e => e.dataset.id)")
    ]


def _login(page, url: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, url, "vhxh", "mat-khau-thu-nghiem")
    page.goto(url + "/programme/?week=2024-W11")


def test_an_officer_drags_a_bulletin_and_the_order_is_saved(
    station, live_server: str, week
) -> None:  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            refused = policy_refusals(page)
            _login(page, live_server)
            first, second, third = _shown(page, TUESDAY)
            assert [first, second, third] == _planned(station, TUESDAY)
            page.locator(f"#{TUESDAY}").scroll_into_view_if_needed()  # source and target on screen
            with page.expect_navigation():
                page.drag_and_drop(  # held by its title, as a person would
                    f"#{TUESDAY} li[data-id='{first}'] .title",
                    f"#{TUESDAY} li[data-id='{third}'] .title",
                )
            assert _planned(station, TUESDAY) == [second, third, first]
            assert _shown(page, TUESDAY) == [second, third, first]
            assert "Đã sắp xếp khung giờ Chiều lúc 17:00 12/03/2024: 3 bản tin." in page.inner_text(
                "main"
            )
            assert "Đã sắp xếp tay" in page.inner_text(f"#{TUESDAY}")
            assert refused == []
        finally:
            browser.close()


def test_the_keyboard_does_the_same_with_buttons(station, live_server: str, week) -> None:  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            _login(page, live_server)
            first, second, third = _shown(page, WEDNESDAY)
            page.focus(f"#{WEDNESDAY} li[data-id='{first}'] button:has-text('Xuống')")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert _planned(station, WEDNESDAY) == [second, first, third]
            page.focus(f"#{WEDNESDAY} li[data-id='{third}'] button:has-text('Bỏ')")
            with page.expect_navigation():
                page.keyboard.press("Space")
            assert _planned(station, WEDNESDAY) == [second, first]
            page.focus(f"#{WEDNESDAY} select[name=script]")  # the only bulletin left to add
            page.keyboard.press("Tab")  # on to "Thêm"
            assert page.evaluate("() => document.activeElement.textContent") == "Thêm"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert _planned(station, WEDNESDAY) == [second, first, third]
        finally:
            browser.close()


def test_the_arranging_grid_fits_a_phone_and_a_desk(live_server: str, week) -> None:  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for size, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                _login(page, live_server)
                page.screenshot(path=str(SCREENSHOTS / f"planning-{size}.png"), full_page=True)
                page.screenshot(path=str(SCREENSHOTS / f"planning-{size}-first.png"))
                assert page.locator("button:has-text('Lên')").count() > 0
                wide = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
                assert wide[0] <= wide[1], (width, wide)
                page.emulate_media(
                    media="print"
                )  # printed from the grid itself: no menu, no buttons
                shown = "s => s.filter(e => e.offsetParent !== null).length"
                assert page.eval_on_selector_all("header, button, select", shown) == 0
                assert page.locator("li[data-id]").first.is_visible()
                page.goto(live_server + "/programme/?week=2024-W11&print=1")
                page.screenshot(
                    path=str(SCREENSHOTS / f"planning-print-{size}.png"), full_page=True
                )
                page.close()
        finally:
            browser.close()
