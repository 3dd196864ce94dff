"""Every page in a real Chromium at a phone's 390×844 and a desk's 1366×768, with data in it:
nothing wider than the screen, every button and box big enough for a finger, no refused script
or style; a screenshot of each under var/screenshots/ (not committed). `make screenshots` sets
BROADCASTER_SCREENSHOTS=docs/screenshots: the first screen of every page the docs show is then
saved there too, under the name the docs use."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta

import pytest
from broadcaster.web import create_app

from broadcaster.daemon.process import Daemon
from broadcaster.enums import Outcome
from broadcaster.intake.parse import parse_script
from broadcaster.notes import NoteCode, note
from broadcaster.onair.outputs import NullOutput
from broadcaster.services import scripts as service
from broadcaster.services.planning import plan_week, station_slots
from broadcaster.store.db import Airing
from broadcaster.store.users import create_user
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW, LEADER, LEADER_PASSWORD, REPO
from tests.helpers import approved_rendered, policy_refusals, services, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SIZES = {"phone": (390, 844), "desk": (1280, 800)}
SCREENSHOTS = REPO / "var" / "screenshots"
FOR_DOCS = os.environ.get("BROADCASTER_SCREENSHOTS")  # e.g. docs/screenshots (make screenshots)
SAVED_FOR_DOCS: set[str] = set()

if not CHROMIUM and not os.environ.get("BROADCASTER_REQUIRE_BROWSER"):
    pytest.skip("Chromium not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed (make test installs it)"
)
pytestmark = pytest.mark.slow

# Controls a finger must hit: at least 44×44 CSS pixels (WCAG 2.5.5). The 1-pixel date box
# beside a dd/mm/yyyy box (.calendar) is no control: it only lends the "Lịch" button its calendar.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, select, textarea, summary, a.button, header nav a, .filters a, .pager a, ' +
    'input:not([type=hidden]):not([type=file]):not(.calendar)')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.height < 44 || r.width < 44)
  .map(([e, r]) => `${e.tagName} "${(e.textContent || e.name || '').trim().slice(0, 30)}" ` +
                   `${Math.round(r.width)}×${Math.round(r.height)}`)"""


@pytest.fixture
def town(station):  # type: ignore[no-untyped-def]
    """A station with what a town has after a few weeks: users, 60 scripts from real bulletins,
    approved and rendered ones planned into the week, a log of aired and missed slots."""
    with station.sessions() as session:
        for name, role in (("vhxh", "officer"), ("vanphong", "office"), ("kythuat", "admin")):
            create_user(session, name, "mat-khau-thu-nghiem", role)
        session.commit()
    real = sorted((REPO / "tests" / "data" / "real").glob("*.txt"))[:60]
    items = []
    for path in real:
        body = "\n".join(
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")
        )
        items.append(parse_script(body.encode(), path.name, topic="c", week="2024-W11"))
    url = "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html?ma-thu-tuc=1.001612.000.00.00.H12"
    items.append(parse_script(f"Nộp hồ sơ tại {url}".encode(), "url.txt", title=url, topic="c"))
    with services(station, FIXED_NOW) as ctx:
        service.add_scripts(ctx, items, "vhxh")
    approved = approved_rendered(
        station, FIXED_NOW, "Thông báo lịch tiếp công dân tháng 3 của UBND thị trấn.",
        title="Thông báo lịch tiếp công dân",
    )  # fmt: skip
    with services(station, FIXED_NOW) as ctx:
        plan_week(ctx, "2024-W11")
        slots = station_slots(ctx)
    evening = FIXED_NOW.replace(hour=10, minute=0, second=1)  # 17:00:01 in Hà Nội
    Daemon(
        station.settings, station.sessions, slots, NullOutput(),
        clock=lambda: evening,
    ).air_slot("Chiều")  # fmt: skip
    with station.sessions() as session:
        for n in range(300):
            session.add(
                Airing(
                    script_id=approved, slot_name="Sáng", outcome=Outcome.MISSED,
                    planned_start=FIXED_NOW - timedelta(hours=n),
                    error="Chương trình phát tự động không chạy vào giờ phát.",
                )
            )  # fmt: skip
        for n, why in enumerate(NOTES):  # the notes the log shows, of every shape
            session.add(
                Airing(
                    script_id=approved, slot_name="Chiều", outcome=Outcome.FAILED,
                    planned_start=FIXED_NOW - timedelta(minutes=30 + n), error=why,
                    voice="recording:vhxh", kind="notice",
                )
            )  # fmt: skip
        session.commit()
    return approved


SHA = "5ebbc3a934e14953ca6495e8d0149a8fb586d264535a363864dc57bb74ab60aa"
NOTES = [
    note(NoteCode.AUDIO_MISSING, file=f"/srv/broadcaster/var/audio/{SHA}.mp3").stored(),
    note(NoteCode.AUDIO_CHANGED, file=f"{SHA}.mp3").stored(),
    note(
        NoteCode.SOUND_CARD_FAILED,
        file=f"{SHA}.mp3",
        detail=f"[Errno 2] No such file or directory: '/srv/broadcaster/var/audio/{SHA}.mp3'",
    ).stored(),  # fmt: skip
    note(
        NoteCode.PLAYER_EXIT, exit_code=1, detail=f"aplay: cannot open /srv/audio/{SHA}.mp3"
    ).stored(),
    "Not aired in the slot Sáng at 06:00 11/03/2024: no daemon was airing at the slot's time "
    "(this one started at 07:00 11/03/2024).",  # a row an older release wrote
    "The daemon stopped during this airing.",
]
# Words a Vietnamese page must not show: rule names, voice ids, English notes, raw values.
ENGLISH = re.compile(
    r"\b(page furniture|list marker|document symbol|table column|phone number|espeak|gtts|"
    r"recording:|None|null|Traceback|daemon|the slot|sha256|[0-9a-f]{40,})\b|\{\"note\""
)


# Every page of the site, as the admin of the seeded town sees it ({town}: its bulletin).
PAGES = {
    "scripts": "/",
    "search": "/?q=dang+ky&status=draft",
    "script": "/scripts/{town}",
    "script-long-url": "/scripts/61",
    "air-now": "/scripts/{town}/air-now",
    "record": "/record",
    "programme": "/programme/?week=2024-W11",
    "slots": "/programme/slots/",
    "slot-edit": "/programme/slots/1/edit",
    "slot-delete": "/programme/slots/1/delete",
    "log": "/log/?from=2024-01-01&to=2024-03-31",
    "report": "/log/report?period=2024-Q1",
    "status": "/status/",
    "users": "/users/",
    "password": "/password",
    "not-found": "/scripts/999999",
    "bad-page": "/?page=0",
}


@pytest.fixture
def live_server(station, town):  # type: ignore[no-untyped-def]
    """The real app behind waitress on a free loopback port, its clock on the seeded Monday."""
    with serving(
        create_app(station.settings, clock=lambda: FIXED_NOW + timedelta(hours=1))
    ) as address:
        yield address


def test_every_page_fits_a_phone_and_a_desk(live_server: str, town: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for size, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                refused = policy_refusals(page)
                page.goto(live_server + "/login")
                check_page(page, "login", size)
                page.fill("input[name=name]", "admin")
                page.fill("input[name=password]", ADMIN_PASSWORD)
                page.click("button:has-text('Đăng nhập')")
                page.wait_for_selector("text=Bản tin tuyên truyền")
                for name, path in PAGES.items():
                    page.goto(live_server + path.format(town=town))
                    check_page(page, name, size)
                assert refused == [], size
                context.close()
        finally:
            browser.close()
    if FOR_DOCS:  # a picture the docs show that no page here makes would go stale unseen
        assert pictures_in_docs() - SAVED_FOR_DOCS == set()


def pictures_in_docs() -> set[str]:
    """The screenshots the README and docs/ show, e.g. {"log-phone.png"}."""
    texts = [path.read_text(encoding="utf-8") for path in (REPO / "docs").glob("*.md")]
    texts.append((REPO / "README.md").read_text(encoding="utf-8"))
    return {name for text in texts for name in re.findall(r"screenshots/([\w-]+\.png)", text)}


def check_page(page, name: str, size: str) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling, no small targets, Vietnamese; and a screenshot."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"))  # the first screen
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}-full.png"), full_page=True)
    picture = f"{name}-{size}.png"
    if FOR_DOCS and picture in pictures_in_docs():
        shutil.copyfile(SCREENSHOTS / picture, REPO / FOR_DOCS / picture)
        SAVED_FOR_DOCS.add(picture)
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], (name, size, wide)
    assert page.evaluate(SMALL_TARGETS) == [], (name, size)
    assert page.evaluate("() => document.documentElement.lang") == "vi"
    text = page.inner_text("body")
    english = sorted({m.group(0) for m in ENGLISH.finditer(text)})
    assert english == [], (
        name,
        size,
        [text[max(0, m.start() - 80) : m.end() + 20] for m in ENGLISH.finditer(text)][:3],
    )


def test_the_week_grid_marks_today_and_the_log_shows_days_as_dd_mm_yyyy(
    live_server: str,
) -> None:
    """Chromium's own date box follows its language (en-US here); the page says 01/03/2024."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(locale="en-US")
            page.goto(live_server + "/login")
            page.fill("input[name=name]", LEADER)
            page.fill("input[name=password]", LEADER_PASSWORD)
            page.click("button:has-text('Đăng nhập')")
            page.goto(live_server + "/programme/")
            assert page.inner_text("h1") == "Chương trình phát sóng Tuần 11 (11/03 – 17/03/2024)"
            today = page.inner_text("th[aria-current=date]")
            assert "Thứ Hai" in today and "11/03" in today and "hôm nay" in today
            assert page.locator("td.today").count() == 2  # one a slot: Sáng and Chiều
            page.goto(live_server + "/log/?from=2024-03-01&to=2024-03-11")
            # The box itself shows dd/mm/yyyy in an English browser (issue 24: it showed
            # 12/01/2026 beside the hint 01/12/2026).
            assert page.input_value("input[name=from]") == "01/03/2024"
            assert page.locator("input[type=date]:not(.calendar)").count() == 0
            # The calendar button writes the chosen day back as dd/mm/yyyy.
            assert page.locator("label:has(input[name=from]) button.pick").is_visible()
            page.eval_on_selector(
                "label:has(input[name=from]) input.calendar",
                "e => { e.value = '2024-02-29'; e.dispatchEvent(new Event('change')); }",
            )
            assert page.input_value("input[name=from]") == "29/02/2024"
            page.click("button:has-text('Xem')")
            assert page.input_value("input[name=from]") == "29/02/2024"
            assert page.input_value("input[name=to]") == "11/03/2024"
        finally:
            browser.close()
