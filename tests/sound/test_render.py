"""Speech and render: real espeak-ng audio, real MP3 files, Google faked at the HTTP boundary."""

from __future__ import annotations

import base64
import dataclasses
import os
from pathlib import Path

import pytest
import requests
import responses
from mutagen.easyid3 import EasyID3
from mutagen.mp3 import MP3

from broadcaster.sound import audio
from broadcaster.sound.render import RenderFailed, make_engines, render_script
from broadcaster.sound.voices import EngineUnavailable, Speech
from broadcaster.sound.voices.espeak import EspeakEngine, list_voices
from broadcaster.sound.voices.google import GttsEngine
from broadcaster.store.db import Rendering
from broadcaster.store.renderings import file_sha256
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, services

GOOGLE_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
BODY = "Ủy ban nhân dân thị trấn thông báo. Người dân có thể nộp hồ sơ trực tuyến.\n\nXin cảm ơn bà con."


class CountingEngine:
    """Wraps a real engine and counts the sentences it is asked to speak."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.name, self.voice, self.calls = engine, engine.name, engine.voice, 0

    def start_bulletin(self) -> None:
        self.engine.start_bulletin()

    def synthesise(self, text: str) -> Speech:
        self.calls += 1
        return self.engine.synthesise(text)


def google_reply(mp3: bytes) -> str:
    """A batchexecute reply in the shape Google sends, carrying `mp3`."""
    payload = base64.b64encode(mp3).decode()
    return ")]}'\n\n" + f'[["wrb.fr","jQ1olc","[\\"{payload}\\"]",null,null,null,"generic"]]\n'


@pytest.fixture(scope="module")
def real_mp3(tmp_path_factory) -> bytes:  # type: ignore[no-untyped-def]
    """A real MP3 of Vietnamese speech, standing in for what Google returns."""
    speech = EspeakEngine().synthesise("Xin chào bà con.")
    path = tmp_path_factory.mktemp("mp3") / "google.mp3"
    audio.encode_mp3(speech.pcm, speech.sample_rate, path, bitrate="32k", out_rate=24000, tags={})
    return path.read_bytes()


def _add(station, body: str = BODY, title: str = "Thông báo"):  # type: ignore[no-untyped-def]
    return add_draft(station, FIXED_NOW, body, title=title)


def test_espeak_speaks_vietnamese() -> None:
    speech = EspeakEngine(voice="vi").synthesise("Cải cách hành chính vì người dân.")
    assert speech.sample_rate == 22050
    assert 1.0 < speech.seconds < 6.0
    assert (
        max(
            abs(int.from_bytes(speech.pcm[i : i + 2], "little", signed=True))
            for i in range(0, len(speech.pcm), 200)
        )
        > 1000
    )
    assert {"vi", "vi-VN-x-central", "vi-VN-x-south"} <= set(list_voices())


def test_espeak_unknown_voice_is_reported() -> None:
    with pytest.raises(EngineUnavailable, match="no voice named"):
        EspeakEngine(voice="xx-nowhere").synthesise("Xin chào.")


def test_render_writes_a_real_tagged_mp3(station) -> None:  # type: ignore[no-untyped-def]
    script_id = _add(station)
    with station.sessions() as session:
        from broadcaster.store.db import Script

        script = session.get(Script, script_id)
        result = render_script(
            session, script, make_engines("espeak", station.settings), station.settings, FIXED_NOW
        )
        session.commit()
    assert not result.cached and result.engine == "espeak"
    assert result.audio_path.is_file()
    assert file_sha256(result.audio_path) == result.sha256
    info = MP3(result.audio_path).info
    assert info.sample_rate == 44100 and info.channels == 1
    assert result.duration_s == pytest.approx(info.length)
    assert 3.0 < result.duration_s < 20.0
    assert EasyID3(result.audio_path)["title"] == ["Thông báo"]
    assert not list(result.audio_path.parent.glob("*.part"))


def test_same_text_same_engine_is_a_cache_hit_with_no_work(station) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.store.db import Script

    first_id = _add(station)
    second_id = _add(station, title="Bản sao")
    engine = CountingEngine(EspeakEngine())
    with station.sessions() as session:
        first = render_script(
            session, session.get(Script, first_id), [engine], station.settings, FIXED_NOW
        )
        calls = engine.calls
        stamp = os.stat(first.audio_path).st_mtime_ns
        again = render_script(
            session, session.get(Script, first_id), [engine], station.settings, FIXED_NOW
        )
        shared = render_script(
            session, session.get(Script, second_id), [engine], station.settings, FIXED_NOW
        )
        session.commit()
    assert calls == 3  # three sentences
    assert engine.calls == calls
    assert again.cached and again.rendering_id == first.rendering_id
    assert shared.cached and shared.audio_path == first.audio_path and shared.script_id == second_id
    assert os.stat(first.audio_path).st_mtime_ns == stamp


def test_changed_text_renders_again(station) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.services.scripts import edit_script
    from broadcaster.store.db import Script

    script_id = _add(station)
    engines = make_engines("espeak", station.settings)
    with station.sessions() as session:
        first = render_script(
            session, session.get(Script, script_id), engines, station.settings, FIXED_NOW
        )
        session.commit()
        with services(station, FIXED_NOW) as ctx:
            edit_script(ctx, script_id, BODY + " Thêm một câu.")
        session.expire_all()
        second = render_script(
            session, session.get(Script, script_id), engines, station.settings, FIXED_NOW
        )
        session.commit()
    assert not second.cached and second.audio_path != first.audio_path
    assert second.duration_s > first.duration_s


def test_a_corrupted_cached_file_is_rendered_again(station) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.store.db import Script

    script_id = _add(station)
    engines = make_engines("espeak", station.settings)
    with station.sessions() as session:
        first = render_script(
            session, session.get(Script, script_id), engines, station.settings, FIXED_NOW
        )
        first.audio_path.write_bytes(b"garbage")
        second = render_script(
            session, session.get(Script, script_id), engines, station.settings, FIXED_NOW
        )
    assert not second.cached and second.rendering_id == first.rendering_id
    assert file_sha256(second.audio_path) == second.sha256
    assert second.duration_s == pytest.approx(first.duration_s, abs=0.1)


@responses.activate
def test_gtts_speech_comes_from_the_faked_endpoint(real_mp3: bytes) -> None:
    responses.post(GOOGLE_URL, body=google_reply(real_mp3))
    speech = GttsEngine(timeout=2).synthesise("Xin chào bà con.")
    assert speech.sample_rate == 24000 and 0.5 < speech.seconds < 5
    assert "f.req=" in responses.calls[0].request.body


@responses.activate
def test_auto_uses_google_when_it_answers(station, real_mp3: bytes) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.store.db import Script

    responses.post(GOOGLE_URL, body=google_reply(real_mp3))
    script_id = _add(station)
    with station.sessions() as session:
        result = render_script(
            session,
            session.get(Script, script_id),
            make_engines("auto", station.settings),
            station.settings,
            FIXED_NOW,
        )
        session.commit()
        row = session.get(Rendering, result.rendering_id)
    assert result.engine == row.engine == "gtts"
    assert len(responses.calls) == 3


@pytest.mark.parametrize(
    "reply",
    [
        {"status": 503, "body": "busy"},
        {"status": 429, "body": "slow down"},
        {"body": requests.ConnectionError("network is unreachable")},
        {"body": "no audio here"},
        {"body": google_reply(b"this is not an mp3 at all" * 20)},
    ],
    ids=["503", "429", "offline", "no-audio", "not-mp3"],
)
@responses.activate
def test_auto_falls_back_to_the_offline_voice(station, reply, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.sound.voices import google
    from broadcaster.store.db import Script

    waits: list[float] = []
    monkeypatch.setattr(google.time, "sleep", waits.append)
    responses.post(GOOGLE_URL, **reply)
    script_id = _add(station)
    with station.sessions() as session:
        result = render_script(
            session,
            session.get(Script, script_id),
            make_engines("auto", station.settings),
            station.settings,
            FIXED_NOW,
        )
    assert result.engine == "espeak"
    retried = reply.get("status") in (429, 503)
    # 429/5xx are retried with backoff (1, 2, 4 s); then the rest of the batch skips Google.
    assert len(responses.calls) == (1 + station.settings.gtts_retries if retried else 1)
    assert waits == ([1.0, 2.0, 4.0] if retried else [])


@responses.activate
def test_gtts_only_fails_clearly_when_google_is_down(station) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.store.db import Script

    responses.post(GOOGLE_URL, status=500)
    script_id = _add(station)
    no_retries = dataclasses.replace(station.settings, gtts_retries=0)  # no real backoff waits
    with station.sessions() as session:
        with pytest.raises(RenderFailed, match="No voice could render"):
            render_script(
                session,
                session.get(Script, script_id),
                make_engines("gtts", no_retries),
                no_retries,
                FIXED_NOW,
            )
        assert session.query(Rendering).count() == 0
    assert (
        not list(Path(station.settings.audio_dir).glob("*.mp3"))
        if station.settings.audio_dir.exists()
        else True
    )


class RecordingSession(requests.Session):
    """A real requests session that remembers how each request was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict] = []

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        self.sent.append(kwargs)
        return super().send(request, **kwargs)


@responses.activate
def test_google_requests_verify_tls_and_carry_a_timeout(real_mp3: bytes) -> None:
    responses.post(GOOGLE_URL, body=google_reply(real_mp3))
    session = RecordingSession()
    GttsEngine(timeout=3, session=session).synthesise("Xin chào bà con.")
    assert session.sent and all(kw["verify"] is True for kw in session.sent)
    assert all(0 < kw["timeout"] <= 3 for kw in session.sent)


@responses.activate
def test_a_certificate_failure_is_refused_not_ignored() -> None:
    responses.post(GOOGLE_URL, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(EngineUnavailable, match="failed the TLS certificate check"):
        GttsEngine(sleep=lambda _: None).synthesise("Xin chào.")


@responses.activate
def test_google_is_retried_after_a_busy_answer(real_mp3: bytes) -> None:
    responses.post(GOOGLE_URL, status=429)
    responses.post(GOOGLE_URL, status=503)
    responses.post(GOOGLE_URL, body=google_reply(real_mp3))
    waits: list[float] = []
    speech = GttsEngine(sleep=waits.append).synthesise("Xin chào bà con.")
    assert speech.seconds > 0.5 and waits == [1.0, 2.0] and len(responses.calls) == 3


@responses.activate
def test_the_time_budget_stops_retrying() -> None:
    responses.post(GOOGLE_URL, status=503)
    now = [0.0]
    engine = GttsEngine(
        budget_seconds=2.5,
        retries=10,
        sleep=lambda s: now.__setitem__(0, now[0] + s),
        clock=lambda: now[0],
    )
    with pytest.raises(EngineUnavailable, match="used up its 2 s budget|answered HTTP 503"):
        engine.synthesise("Xin chào.")
    assert len(responses.calls) <= 3


@responses.activate
def test_audio_of_an_implausible_length_is_refused(real_mp3: bytes) -> None:
    responses.post(GOOGLE_URL, body=google_reply(real_mp3 * 8))  # twelve seconds for two words
    with pytest.raises(EngineUnavailable, match=r"s of audio for 9 characters; refusing it"):
        GttsEngine().synthesise("Xin chào.")


def test_the_neural_voice_uses_its_audio_when_it_answers(real_mp3: bytes) -> None:
    from broadcaster.sound.voices.edge import EdgeEngine

    async def fetch(text, voice, rate, timeout):  # type: ignore[no-untyped-def]
        assert voice == "vi-VN-NamMinhNeural" and text == "Xin chào bà con."
        return real_mp3

    speech = EdgeEngine("vi-VN-NamMinhNeural", fetch=fetch).synthesise("Xin chào bà con.")
    assert speech.sample_rate == 24000 and 0.5 < speech.seconds < 5


@pytest.mark.parametrize(
    "reply", [b"", b"<html>captive portal</html>" * 30], ids=["empty", "not-mp3"]
)
def test_the_neural_voice_refuses_what_is_not_speech(reply: bytes) -> None:
    from broadcaster.sound.voices.edge import EdgeEngine

    async def fetch(*_):  # type: ignore[no-untyped-def]
        return reply

    with pytest.raises(EngineUnavailable, match="no audio|not audio"):
        EdgeEngine(fetch=fetch).synthesise("Xin chào.")


def test_without_internet_the_neural_voice_falls_back_to_the_offline_one(station) -> None:  # type: ignore[no-untyped-def]
    """No fake here: this machine has no route to Microsoft, as a town PC in a power cut."""
    import dataclasses

    from broadcaster.store.db import Script

    settings = dataclasses.replace(station.settings, auto_voices="edge,espeak")
    script_id = _add(station)
    with station.sessions() as session:
        engines = make_engines("auto", settings)
        assert [e.name for e in engines] == ["edge", "espeak"]
        result = render_script(
            session, session.get(Script, script_id), engines, settings, FIXED_NOW
        )
    assert result.engine == "espeak"


def test_bad_voice_settings_are_one_sentence(station) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from broadcaster.config import ConfigError

    with pytest.raises(ConfigError, match="Voice 'siri' is not one of"):
        make_engines("auto", dataclasses.replace(station.settings, auto_voices="siri,espeak"))
    with pytest.raises(ConfigError, match="edge_voice 'vi-VN-Ghost' is not one of"):
        make_engines("edge", dataclasses.replace(station.settings, edge_voice="vi-VN-Ghost"))


@responses.activate
def test_the_time_budget_is_per_bulletin_not_per_batch(real_mp3: bytes) -> None:
    """One bulletin that used up Google's budget must not leave the next one with none."""
    now = [0.0]
    engine = GttsEngine(
        budget_seconds=2.5, retries=10,
        sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0],
    )  # fmt: skip
    responses.post(GOOGLE_URL, status=503)
    engine.start_bulletin()
    with pytest.raises(EngineUnavailable):
        engine.synthesise("Xin chào.")
    assert now[0] >= 2.5  # the first bulletin's budget is spent
    responses.replace(responses.POST, GOOGLE_URL, body=google_reply(real_mp3))
    with pytest.raises(EngineUnavailable, match="used up its 2 s budget"):
        engine.synthesise("Xin chào bà con.")  # still inside the first bulletin
    engine.start_bulletin()
    assert engine.synthesise("Xin chào bà con.").seconds > 0.5
