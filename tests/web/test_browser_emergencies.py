"""A leader puts an emergency bulletin into a routine slot in a real Chromium: the week grid
offers it only in the leader's own box under each slot, the next page says what will happen
and will not go on without its box ticked; both pages fit a phone and a desk, with no serious
accessibility finding."""

from __future__ import annotations

import pytest
from broadcaster.web import create_app
from sqlalchemy import select, update

from broadcaster.enums import Kind
from broadcaster.services import planning
from broadcaster.store.db import ProgrammeEntry, Script
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW
from tests.helpers import approved_rendered, log_in, policy_refusals, services, serving
from tests.web.test_browser import CHROMIUM, CHROMIUM_FLAGS, sync_api
from tests.web.test_browser_a11y import _serious, axe_api
from tests.web.test_browser_layout import SIZES, check_page

pytestmark = pytest.mark.slow
WEEK = "2024-W11"


@pytest.fixture
def live_server(station):  # type: ignore[no-untyped-def]
    """A routine bulletin planned into the week, an approved storm warning, the real app."""
    approved_rendered(station, FIXED_NOW, "Thông báo lịch tiếp dân.", title="Lịch tiếp dân")
    storm = approved_rendered(
        station, FIXED_NOW, "Bão số ba sắp đổ bộ. Bà con chằng chống nhà cửa.", title="Bão số ba"
    )
    with station.sessions() as session:
        session.execute(update(Script).where(Script.id == storm).values(kind=Kind.EMERGENCY))
        session.commit()
    with services(station, FIXED_NOW) as ctx:
        planning.plan_week(ctx, WEEK)
    with serving(create_app(station.settings, clock=lambda: FIXED_NOW)) as address:
        yield address


def test_a_leader_confirms_an_emergency_into_a_slot(live_server: str, station) -> None:  # type: ignore[no-untyped-def]
    axe = axe_api.Axe()
    evening = FIXED_NOW.astimezone(station.settings.tz).replace(hour=17, minute=0)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for size, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                refused = policy_refusals(page)
                log_in(page, live_server, "admin", ADMIN_PASSWORD)
                page.goto(f"{live_server}/programme/?week={WEEK}")
                check_page(page, "programme-emergency-grid", size)
                assert _serious(axe, page, "programme-emergency-grid", size) == []
                cell = page.locator(f"#o-{evening:%Y%m%d%H%M}")
                # The routine "Thêm" list has no emergency; the leader's own box has it.
                assert "Bão số ba" not in cell.locator("form.arrange:not(.emergency)").inner_text()
                cell.locator("form.emergency button").click()
                page.wait_for_selector("h1:has-text('Đưa bản tin khẩn cấp vào khung giờ')")
                check_page(page, "programme-emergency", size)
                assert _serious(axe, page, "programme-emergency", size) == []
                page.click("button:has-text('Đưa vào khung giờ')")  # the box is not ticked
                assert page.url.split("?")[0].endswith("/programme/emergency")  # not sent
                assert page.evaluate(
                    "() => document.querySelector('input[name=confirmed]').validity.valueMissing"
                )
                assert refused == []
                page.close()
            page = browser.new_page()
            log_in(page, live_server, "admin", ADMIN_PASSWORD)
            page.goto(f"{live_server}/programme/?week={WEEK}")
            page.locator(f"#o-{evening:%Y%m%d%H%M} form.emergency button").click()
            page.check("input[name=confirmed]")
            page.click("button:has-text('Đưa vào khung giờ')")
            page.wait_for_selector("text=Đã đưa bản tin khẩn cấp “Bão số ba” vào đầu khung giờ")
            assert "Bão số ba" in page.inner_text(f"#o-{evening:%Y%m%d%H%M} ol.bulletins")
        finally:
            browser.close()
    with station.sessions() as session:
        held = session.scalars(
            select(ProgrammeEntry.script_id)
            .filter_by(starts_at=evening)
            .order_by(ProgrammeEntry.position)
        ).all()
    assert held == [2, 1]
