"""Accessibility: axe-core (bundled by axe-playwright-python, injected by the test, no CDN) finds
no serious or critical violation on any page, at a phone's and a desk's size, in a real Chromium
over the same seeded town as tests/test_browser_layout.py (labels, names, contrast AA...)."""

from __future__ import annotations

import pytest

from .conftest import ADMIN_PASSWORD, FIXED_NOW
from .helpers import approved_rendered
from .test_browser_layout import CHROMIUM, CHROMIUM_FLAGS, SIZES, live_server, sync_api, town

axe_api = pytest.importorskip(
    "axe_playwright_python.sync_playwright",
    reason="axe-playwright-python not installed (the test extras install it)",
)
pytestmark = pytest.mark.slow
__all__ = ["live_server", "town"]  # fixtures shared with the layout test

# The layout test's pages (kept in step by hand: that list lives inside its test), plus the
# week grid's printable view.
PAGES = {
    "scripts": "/",
    "search": "/?q=dang+ky&status=draft",
    "script": "/scripts/{town}",
    "script-long-url": "/scripts/61",
    "air-now": "/scripts/{town}/air-now",
    "programme": "/programme/?week=2024-W11",
    "programme-print": "/programme/?week=2024-W11&print=1",
    "log": "/log/?from=2024-01-01&to=2024-03-31",
    "status": "/status/",
    "users": "/users/",
    "password": "/password",
    "not-found": "/scripts/999999",
    "bad-page": "/?page=0",
}
SERIOUS = {"serious", "critical"}


def _serious(axe, page, name: str, size: str) -> list[str]:  # type: ignore[no-untyped-def]
    found = axe.run(page).response["violations"]
    return [
        f"{name}@{size}: {v['id']} ({v['impact']}): "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in found
        if v["impact"] in SERIOUS
    ]


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
                context.close()
        finally:
            browser.close()
    assert problems == []
