"""Rendering in the background: the worker renders the newest words, counts its progress in
sentences, and says why in Vietnamese when no voice could speak (real espeak-ng, real MP3s)."""

from __future__ import annotations

import threading

from broadcaster.errors import Code
from broadcaster.services import scripts
from broadcaster.services.background import JobState, RenderQueue
from broadcaster.sound.render import make_engines
from broadcaster.spoken import Normaliser
from broadcaster.store.renderings import current_rendering
from tests.conftest import FIXED_NOW
from tests.helpers import Mute, add_draft, services
from tests.web.test_web import app as app  # noqa: F401  (the fixture)
from tests.web.test_web import login, page

THREE_SENTENCES = "Câu thứ nhất về cải cách hành chính. Câu thứ hai. Câu thứ ba, xin cảm ơn bà con."


class Gate:
    """A real espeak voice that waits at its first sentence until the test lets it go."""

    def __init__(self, inner, opened: threading.Event, reached: threading.Event) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.opened, self.reached = inner, opened, reached
        self.name, self.voice = inner.name, inner.voice

    def start_bulletin(self) -> None:
        self.inner.start_bulletin()

    def synthesise(self, text: str):  # type: ignore[no-untyped-def]
        self.reached.set()
        assert self.opened.wait(60)
        return self.inner.synthesise(text)


def test_a_script_saved_again_while_it_renders_ends_with_audio_of_its_newest_words(
    station,
) -> None:  # type: ignore[no-untyped-def]
    opened, reached = threading.Event(), threading.Event()
    queue = RenderQueue(
        station.settings, station.sessions, lambda: FIXED_NOW,
        voices=lambda choice, settings: [Gate(v, opened, reached) for v in make_engines(choice, settings)],
    )  # fmt: skip
    script_id = add_draft(station, FIXED_NOW, THREE_SENTENCES)
    queue.submit(script_id)
    assert reached.wait(60)  # the worker is speaking the old words
    running = queue.job(script_id)
    assert running is not None and running.state == JobState.RUNNING and running.total == 3
    with services(station, FIXED_NOW) as ctx:
        scripts.edit_script(ctx, script_id, "Nội dung mới của bản tin. Xin cảm ơn.", None)
    again = queue.submit(script_id)
    assert again.again  # not lost, not run twice at once
    opened.set()
    assert queue.wait(120)
    done = queue.job(script_id)
    assert done is not None and done.state == JobState.DONE and done.done == done.total == 2
    with station.sessions() as session:
        script = scripts.get_script(services_context(station, session), script_id)
        rendering = current_rendering(session, script)
        assert rendering is not None and done.result is not None
        assert rendering.id == done.result.rendering_id  # the newest words have their audio
    queue.shutdown()


def test_a_render_from_the_page_reads_the_script_once(station, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The queue computes the spoken form to count progress and hands it to the render."""
    read: list[str] = []
    real = Normaliser.__call__

    def counting(self, text, explain=False):  # type: ignore[no-untyped-def]
        read.append(text)
        return real(self, text, explain=explain)

    monkeypatch.setattr(Normaliser, "__call__", counting)
    queue = RenderQueue(station.settings, station.sessions, lambda: FIXED_NOW)
    script_id = add_draft(station, FIXED_NOW, THREE_SENTENCES)
    queue.submit(script_id)
    assert queue.wait(120)
    done = queue.job(script_id)
    assert done is not None and done.state == JobState.DONE and done.total == 3
    assert read == [THREE_SENTENCES]
    queue.shutdown()


def services_context(station, session):  # type: ignore[no-untyped-def]
    from broadcaster.services.context import Context

    return Context(station.settings, session, lambda: FIXED_NOW)


def test_when_no_voice_can_speak_the_page_says_why_in_vietnamese(station, app) -> None:  # type: ignore[no-untyped-def]
    app.extensions["broadcaster.renders"] = RenderQueue(
        station.settings, station.sessions, lambda: FIXED_NOW, voices=lambda c, s: [Mute()]
    )
    script_id = add_draft(station, FIXED_NOW, THREE_SENTENCES)
    client = app.test_client()
    login(client, "vhxh")
    token_page = page(client.get(f"/scripts/{script_id}"))
    token = token_page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(f"/scripts/{script_id}/render", data={"csrf_token": token})
    assert app.extensions["broadcaster.renders"].wait()
    job = client.get(f"/scripts/{script_id}/render-status").get_json()
    assert job["state"] == "failed" and "audio" not in job
    assert job["message"].startswith(f"Chưa tạo được âm thanh cho bản tin số {script_id}")
    assert app.extensions["broadcaster.renders"].job(script_id).error.code == Code.RENDER_NO_VOICE
    shown = page(client.get(f"/scripts/{script_id}"))
    assert job["message"] in shown.replace("&#34;", '"').replace("&#39;", "'")
    assert client.get("/scripts/999/render-status").status_code == 404


def test_a_script_that_was_never_rendered_here_has_no_job_and_its_page_has_no_progress_box(
    station, app
) -> None:  # type: ignore[no-untyped-def]
    script_id = add_draft(station, FIXED_NOW, THREE_SENTENCES)
    client = app.test_client()
    login(client, "vhxh")
    assert client.get(f"/scripts/{script_id}/render-status").get_json() == {"state": "none"}
    assert 'id="render-progress"' not in page(client.get(f"/scripts/{script_id}"))
