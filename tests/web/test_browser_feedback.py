"""Feedback while adding a bulletin, in a real Chromium: a refused upload leaves the form open
with the chosen topic (and all else typed); a recording shows its length before and after it is
saved, its player knowing it too; a large recording's upload moves a progress bar, and a refused
one leaves the form as it was, the chosen file included."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest
from broadcaster.web import create_app, duration_vi
from sqlalchemy import select

from broadcaster.store.db import Rendering
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW
from tests.helpers import add_draft, log_in, policy_refusals, serving
from tests.web.test_browser import CHROMIUM, CHROMIUM_FLAGS, sync_api
from tests.web.test_browser_recording import MICROPHONE_FLAGS

pytestmark = pytest.mark.slow
# The bar's value each time it changes, told on the console (the page leaves when it is done).
WATCH_BAR = """() => {
  const bar = document.querySelector('#upload-progress progress');
  new MutationObserver(() => console.log(`bar ${bar.value} ${bar.max}`))
    .observe(bar, {attributes: true});
}"""
UPLOAD_BYTES_PER_SECOND = 2_000_000  # a slow line (Chromium's own throttle): seconds, not ms


@pytest.fixture
def live_server(station):  # type: ignore[no-untyped-def]
    """The real app with one bulletin already listed, so the add form starts folded."""
    add_draft(station, FIXED_NOW, "Thông báo lịch tiếp dân.", title="Lịch tiếp dân")
    with serving(create_app(station.settings, clock=lambda: FIXED_NOW)) as address:
        yield address


def tone_wav(path: Path, seconds: int) -> Path:
    """A real WAV file: a 440 Hz tone, 44.1 kHz mono 16-bit (about 88 kB a second)."""
    one = b"".join(
        struct.pack("<h", round(6000 * math.sin(2 * math.pi * 440 * i / 44_100)))
        for i in range(44_100)
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44_100)
        out.writeframes(one * seconds)
    return path


def test_a_refused_upload_keeps_the_form_open_with_the_chosen_topic(
    live_server: str, tmp_path: Path
) -> None:
    wrong = tmp_path / "ban-tin.pdf"
    wrong.write_bytes(b"%PDF-1.4 not a bulletin")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            refused = policy_refusals(page)
            log_in(page, live_server, "admin", ADMIN_PASSWORD)
            form = page.locator("details.add")
            assert form.get_attribute("open") is None  # folded: a bulletin is listed
            form.locator("summary").click()
            page.fill("input[name=title]", "Lịch tiếp dân tháng 4")
            page.select_option("select[name=kind]", "notice")
            page.select_option("select[name=topic]", "đ")
            page.fill("input[name=week]", "2024-W12")
            page.select_option("select[name=priority]", "priority")
            page.set_input_files("input[name=file]", str(wrong))
            page.click("button:has-text('Thêm bản tin')")
            page.wait_for_selector(
                "text=Không nhận được bản tin: Chỉ nhận tệp .txt, .md hoặc .docx"
            )
            assert "hãy chọn lại tệp" in page.inner_text(".flash.error >> nth=1")
            assert form.get_attribute("open") is not None
            assert page.input_value("input[name=title]") == "Lịch tiếp dân tháng 4"
            assert page.input_value("select[name=kind]") == "notice"
            assert page.input_value("select[name=topic]") == "đ"
            assert page.input_value("input[name=week]") == "2024-W12"
            assert page.input_value("select[name=priority]") == "priority"
            # Pasted words instead: the text is kept as well.
            page.set_input_files("input[name=file]", [])
            page.fill("textarea[name=body]", "... !!! ???")
            page.click("button:has-text('Thêm bản tin')")
            page.wait_for_selector("text=không có chữ")
            assert page.input_value("textarea[name=body]") == "... !!! ???"
            assert page.input_value("select[name=topic]") == "đ"
            assert refused == []
        finally:
            browser.close()


def test_a_recording_shows_its_length_and_a_large_upload_its_progress(
    live_server: str, station, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    large = tone_wav(tmp_path / "doc-dai.wav", 65)  # 5.7 MB
    assert large.stat().st_size > 5_000_000
    broken = tmp_path / "hong.mp3"
    broken.write_bytes(b"khong phai am thanh" * 1000)
    told: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS + MICROPHONE_FLAGS
        )
        try:
            page = browser.new_page()
            refused = policy_refusals(page)
            page.on("console", lambda message: told.append(message.text))
            log_in(page, live_server, "admin", ADMIN_PASSWORD)
            page.goto(live_server + "/record")
            # A browser's own recording carries no length: the page makes the player learn it.
            page.click("#record-start")
            page.wait_for_selector("#record-status:has-text('Đang ghi âm… 2 giây')")
            page.click("#record-stop")
            page.wait_for_selector("#record-length:not([hidden])")
            length = page.eval_on_selector("#record-player", "a => [a.duration, a.currentTime]")
            assert 1 < length[0] < 10 and length[1] == 0, length  # not Infinity, not 0:00
            assert page.inner_text("#record-length") == f"Thời lượng {duration_vi(length[0])}."
            # A file chosen by hand is played back with its length too.
            page.set_input_files("#audio-file", str(broken))
            page.fill("input[name=title]", "Thông báo dài")
            page.select_option("select[name=topic]", "c")
            page.fill("textarea[name=body]", "Tóm tắt: lịch tiêm chủng.")
            page.click("#record-save")
            page.wait_for_selector("#upload-error:not([hidden])")
            assert "Chưa lưu được bản ghi âm: Tệp hong.mp3 không phải âm thanh" in page.inner_text(
                "#upload-error"
            )
            assert page.url.endswith("/record")  # the form stayed, with all it held
            assert page.input_value("input[name=title]") == "Thông báo dài"
            assert page.input_value("select[name=topic]") == "c"
            assert page.eval_on_selector("#audio-file", "i => i.files[0].name") == "hong.mp3"
            page.set_input_files("#audio-file", str(large))
            page.wait_for_selector("#record-length:has-text('Thời lượng 1 phút 05 giây.')")
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {"offline": False, "latency": 0, "downloadThroughput": -1,
                 "uploadThroughput": UPLOAD_BYTES_PER_SECOND},
            )  # fmt: skip
            page.evaluate(WATCH_BAR)
            page.click("#record-save")
            page.wait_for_selector("#upload-progress:has-text('Đang gửi tệp âm thanh: ')")
            page.wait_for_selector("text=Đã lưu bản ghi âm cho bản tin số 2", timeout=120_000)
            # The page of the saved recording: its length from the stored file, in words and
            # in the player, whose metadata loads.
            with station.sessions() as session:
                stored = session.scalars(select(Rendering.duration_s)).one()
            assert f"thời lượng {duration_vi(stored)}" in page.inner_text("section.card")
            heard = page.eval_on_selector(
                "audio",
                """a => new Promise((ok, fail) => {
                    if (a.readyState >= 1) ok(a.duration);
                    a.addEventListener('loadedmetadata', () => ok(a.duration));
                    a.addEventListener('error', () => fail('audio error'));
                })""",
            )
            assert abs(heard - stored) < 0.5, (heard, stored)
            assert refused == []
        finally:
            browser.close()
    bar = [tuple(int(n) for n in line.split()[1:]) for line in told if line.startswith("bar ")]
    total = large.stat().st_size
    moving = [value for value, most in bar if most > total and 0 < value < most]
    assert len(set(moving)) >= 3 and moving == sorted(moving), bar  # it advanced, never back
    assert bar[-1][0] == bar[-1][1]  # and filled up once all was sent
