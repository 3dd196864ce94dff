"""Accessibility: axe-core (bundled by axe-playwright-python, injected by the test, no CDN) finds
no serious or critical violation on any page, at a phone's and a desk's size, in a real Chromium
over the same seeded town as tests/web/test_browser_layout.py (labels, names, contrast AA...); and
the Tab key alone reaches every control of every page."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, FIXED_NOW
from tests.helpers import approved_rendered
from tests.web.test_browser_layout import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    SIZES,
    live_server,
    sync_api,
    town,
)
from tests.web.test_browser_layout import PAGES as LAYOUT_PAGES

axe_api = pytest.importorskip(
    "axe_playwright_python.sync_playwright",
    reason="axe-playwright-python not installed (the test extras install it)",
)
pytestmark = pytest.mark.slow
__all__ = ["live_server", "town"]  # fixtures shared with the layout test

# The layout test's pages, plus the week grid's printable view.
PAGES = LAYOUT_PAGES | {"programme-print": "/programme/?week=2024-W11&print=1"}
SERIOUS = {"serious", "critical"}
# Every control a person can use, as shown (checkVisibility: a closed <details> hides its own);
# the calendar behind a date box's "Lịch" button is aria-hidden and opened by that button.
CONTROLS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, audio[controls]')]
  .filter(e => e.checkVisibility() && !e.disabled && e.ariaHidden !== 'true').length"""
# Marks the focused control and says which it is (null when the focus left the page).
FOCUSED = """() => { const e = document.activeElement;
  if (!e || e === document.body) return null;
  e.dataset.tabbed = e.dataset.tabbed || String(document.querySelectorAll('[data-tabbed]').length);
  return e.dataset.tabbed; }"""


def _serious(axe, page, name: str, size: str) -> list[str]:  # type: ignore[no-untyped-def]
    found = axe.run(page).response["violations"]
    return [
        f"{name}@{size}: {v['id']} ({v['impact']}): "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in found
        if v["impact"] in SERIOUS
    ]


def _tab_walk(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """How many controls the Tab key reaches from the top of the page, and how many there are.

    A date box or a player takes several presses (its parts), so the walk goes on until the
    focus leaves the page."""
    controls = page.evaluate(CONTROLS)
    page.mouse.click(1, 1)  # start from the top (a box with autofocus would start midway)
    reached: set[str] = set()
    for _ in range(3 * controls + 10):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        reached.add(focused)
    return len(reached), controls


def test_no_page_has_a_serious_accessibility_violation(
    station, live_server: str, town: int
) -> None:  # type: ignore[no-untyped-def]
    # A second bulletin ready to air, so the week grid also offers "Thêm" with its list.
    approved_rendered(station, FIXED_NOW, "Thông báo lịch tiêm chủng.", title="Lịch tiêm chủng")
    axe = axe_api.Axe()
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for size, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(live_server + "/login")
                problems += _serious(axe, page, "login", size)
                page.fill("input[name=name]", "admin")
                page.fill("input[name=password]", ADMIN_PASSWORD)
                page.click("button:has-text('Đăng nhập')")
                page.wait_for_selector("text=Bản tin tuyên truyền")
                for name, path in PAGES.items():
                    page.goto(live_server + path.format(town=town))
                    problems += _serious(axe, page, name, size)
                    if size == "desk":  # the keyboard alone reaches every control
                        reached, controls = _tab_walk(page)
                        if reached != controls:
                            problems.append(f"{name}: Tab reaches {reached} of {controls} controls")
                context.close()
        finally:
            browser.close()
    assert problems == []
