"""Mastering on real audio: loudness target, true-peak ceiling, pauses, intro/outro, cache, atomic writes."""

from __future__ import annotations

import array
import dataclasses
import shutil
import wave
from pathlib import Path

import pytest

from broadcaster.sound import audio
from broadcaster.sound import master as master_module
from broadcaster.sound.assembly import CHIME
from broadcaster.sound.render import RenderFailed, make_engines, render_script
from broadcaster.sound.voices import Speech
from broadcaster.sound.voices.espeak import EspeakEngine
from broadcaster.store.db import Rendering, Script
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered

TEXT = (
    "Ủy ban nhân dân thị trấn thông báo. Bà con nộp hồ sơ trực tuyến tại nhà.\n\nXin cảm ơn bà con."
)


def _render(station, settings, body: str = TEXT):  # type: ignore[no-untyped-def]
    from broadcaster.store.db import Script
    from tests.helpers import add_draft

    script_id = add_draft(station, FIXED_NOW, body)
    with station.sessions() as session:
        script = session.get_one(Script, script_id)
        result = render_script(
            session, script, make_engines("espeak", settings), settings, FIXED_NOW
        )
        session.commit()
        return result, session.get_one(Rendering, result.rendering_id)


def _silent_runs(
    path: Path, rate: int = 8000, threshold: int = 120, shortest_ms: int = 150
) -> list[int]:
    """Lengths in ms of the silent stretches inside a file (not at its ends)."""
    samples = array.array("h", audio.decode_file(path, rate))
    runs, start = [], None
    for index, value in enumerate(samples):
        if abs(value) < threshold:
            start = index if start is None else start
        else:
            if start is not None and start > 0 and (index - start) * 1000 // rate >= shortest_ms:
                runs.append((index - start) * 1000 // rate)
            start = None
    return runs


class _Watch:
    """What mastering was given and did: a copy of the assembled PCM and every limiter used."""

    def __init__(self, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        self.raw: Path = tmp_path / "assembled.raw"
        self.rate = 0
        self.limiters: list[master_module.Limiter] = []
        real_master, watch = master_module.master, self

        def copying_master(raw, rate, dest, settings, tags):  # type: ignore[no-untyped-def]
            shutil.copyfile(raw, watch.raw)
            watch.rate = rate
            return real_master(raw, rate, dest, settings, tags)

        class RecordingLimiter(master_module.Limiter):
            def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
                super().__init__(*args, **kwargs)
                watch.limiters.append(self)

        monkeypatch.setattr(master_module, "master", copying_master)  # render imports it late
        monkeypatch.setattr(master_module, "Limiter", RecordingLimiter)

    def check(self, result, row, settings) -> None:  # type: ignore[no-untyped-def]
        """The issue's promises: target, ceiling, stored = measured, gentle, same loudness range."""
        # Measured again by ffmpeg, independently of the in-process meter that stored the figures.
        measured = audio.measure_loudness(result.audio_path)
        before = audio.measure_loudness(self.raw, raw_rate=self.rate)
        assert measured.integrated == pytest.approx(settings.target_lufs, abs=0.5)
        assert measured.true_peak <= settings.true_peak_dbtp
        # ffmpeg prints one decimal; the two meters agree to within that rounding.
        assert row.loudness_lufs == pytest.approx(measured.integrated, abs=0.1)
        assert row.true_peak_dbtp == pytest.approx(measured.true_peak, abs=0.15)
        assert measured.loudness_range == pytest.approx(before.loudness_range, abs=1.0)
        assert len(self.limiters) == 1  # encoded once
        assert self.limiters[0].worst_block_db() <= 6.0


@pytest.mark.parametrize(
    ("voice", "pitch"), [("vi", 50), ("vi-VN-x-south", 30), ("vi-VN-x-central", 70)]
)
def test_every_voice_lands_on_the_loudness_target_under_the_peak_ceiling(
    station, voice, pitch, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # Speech alone: the chime is a bell, not speech, and is checked by the tests below it.
    settings = dataclasses.replace(
        station.settings, espeak_voice=voice, espeak_pitch=pitch, intro="", outro=""
    )
    watch = _Watch(monkeypatch, tmp_path)
    result, row = _render(station, settings)
    watch.check(result, row, settings)


class _LoudStart:
    """The offline voice, but every sentence opens 12 dB too loud (clipped at full scale).

    Each sentence is spoken by a fresh espeak-ng process: inside one process espeak-ng's
    samples differ slightly from call to call (its state carries over), which moved this
    input's loudness range between 1.6 and 2.3 LU with the tests that ran before it.
    """

    name, voice = "espeak", "loud-start"

    def start_bulletin(self) -> None:
        pass

    def synthesise(self, text: str) -> Speech:
        import subprocess
        import sys

        child = subprocess.run(
            [sys.executable, "-c",
             "import sys; from broadcaster.sound.voices.espeak import EspeakEngine; "
             "s = EspeakEngine().synthesise(sys.argv[1]); "
             "sys.stdout.buffer.write(s.sample_rate.to_bytes(4, 'little') + s.pcm)", text],
            capture_output=True, check=True,
        )  # fmt: skip
        rate, pcm = int.from_bytes(child.stdout[:4], "little"), child.stdout[4:]
        samples = array.array("h", audio.trim_silence(pcm))
        for index in range(min(len(samples), rate // 3)):
            samples[index] = max(-32768, min(32767, samples[index] * 4))
        return Speech(samples.tobytes(), rate)


class _OnlineVoice:
    """The neural voice with its service faked: it answers with a real MP3 of the sentence."""

    def __init__(self, folder: Path) -> None:
        from broadcaster.sound.voices.edge import EdgeEngine

        async def fetch(text, voice, rate, timeout):  # type: ignore[no-untyped-def]
            speech = EspeakEngine("vi-VN-x-south", 175, 40).synthesise(text)
            path = folder / "reply.mp3"
            audio.encode_mp3(
                speech.pcm, speech.sample_rate, path, bitrate="48k", out_rate=24000, tags={}
            )
            return path.read_bytes()

        self.engine = EdgeEngine("vi-VN-NamMinhNeural", fetch=fetch)
        self.name, self.voice = self.engine.name, self.engine.voice

    def start_bulletin(self) -> None:
        self.engine.start_bulletin()

    def synthesise(self, text: str) -> Speech:
        return self.engine.synthesise(text)


@pytest.mark.parametrize("kind", ["loud-start", "online"])
def test_a_loud_opening_and_an_online_voice_are_mastered_the_same_way(
    station, monkeypatch, tmp_path, kind
) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import add_draft

    engine = _LoudStart() if kind == "loud-start" else _OnlineVoice(tmp_path)
    settings = dataclasses.replace(station.settings, intro="", outro="")
    watch = _Watch(monkeypatch, tmp_path)
    script_id = add_draft(station, FIXED_NOW, TEXT)
    with station.sessions() as session:
        script = session.get_one(Script, script_id)
        result = render_script(session, script, [engine], settings, FIXED_NOW)
        session.commit()
        row = session.get_one(Rendering, result.rendering_id)
    assert result.engine == engine.name
    watch.check(result, row, settings)


def test_a_different_target_is_met_too(station) -> None:  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(station.settings, target_lufs=-20.0, true_peak_dbtp=-3.0)
    result, _ = _render(station, settings)
    measured = audio.measure_loudness(result.audio_path)
    assert measured.integrated == pytest.approx(-20.0, abs=0.5) and measured.true_peak <= -3.0


def test_pause_marks_become_silences_of_the_configured_length(station) -> None:  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(
        station.settings, sentence_pause_ms=400, paragraph_pause_ms=1200, intro="", outro=""
    )
    result, _ = _render(station, settings)
    runs = _silent_runs(result.audio_path)
    # Sentence one . pause . sentence two . paragraph pause . sentence three
    long_runs = [r for r in runs if r >= 300]
    assert len(long_runs) == 2, runs
    assert long_runs[0] == pytest.approx(400, abs=120)
    assert long_runs[1] == pytest.approx(1200, abs=150)


def test_the_chime_opens_and_closes_the_bulletin(station) -> None:  # type: ignore[no-untyped-def]
    plain = dataclasses.replace(station.settings, intro="", outro="")
    with_chime = dataclasses.replace(
        station.settings, intro="chime", outro="chime", jingle_pause_ms=600
    )
    bare, _ = _render(station, plain)
    framed, _ = _render(station, with_chime)
    with wave.open(str(CHIME)) as shipped:
        chime = shipped.getnframes() / shipped.getframerate()
    assert framed.duration_s - bare.duration_s == pytest.approx(2 * (chime + 0.6), abs=0.3)
    assert framed.audio_path != bare.audio_path


def test_a_missing_jingle_is_one_clear_error(station) -> None:  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(station.settings, intro="nhac-hieu.mp3")
    with pytest.raises(RenderFailed, match="intro/outro file .*nhac-hieu.mp3 does not exist"):
        _render(station, settings)


def test_tags_and_format(station) -> None:  # type: ignore[no-untyped-def]
    from mutagen.easyid3 import EasyID3
    from mutagen.mp3 import MP3

    settings = dataclasses.replace(station.settings, sample_rate=22050, mp3_bitrate="48k")
    result, _ = _render(station, settings)
    info = MP3(result.audio_path).info
    assert (info.sample_rate, info.channels, info.bitrate) == (22050, 1, 48000)
    tags = EasyID3(result.audio_path)
    assert tags["artist"] == ["Đài truyền thanh thị trấn Yên Mỹ"] and tags["date"] == ["2024-03-11"]
    assert tags["genre"] == ["Speech"]


def test_any_sound_setting_change_renders_again_and_none_is_a_quick_hit(station) -> None:  # type: ignore[no-untyped-def]
    script_id = approved_rendered(station, FIXED_NOW, TEXT)
    with station.sessions() as session:
        script = session.get_one(Script, script_id)
        engines = make_engines("espeak", station.settings)
        again = render_script(session, script, engines, station.settings, FIXED_NOW)
        assert again.cached
        for change in (
            {"target_lufs": -18.0},
            {"sentence_pause_ms": 500},
            {"intro": ""},
            {"espeak_pitch": 60},
            {"mp3_bitrate": "96k"},
        ):
            changed = dataclasses.replace(station.settings, **change)
            result = render_script(
                session, script, make_engines("espeak", changed), changed, FIXED_NOW
            )
            assert not result.cached and result.audio_path != again.audio_path, change


def test_a_crash_while_encoding_leaves_no_file_that_looks_finished(station, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    class CrashingWriter(audio.Mp3Writer):
        def close(self) -> None:
            self.abort()
            Path(self.process.args[-1]).write_bytes(b"ID3 half an mp3")
            raise audio.AudioToolError("ffmpeg failed: killed")

    monkeypatch.setattr(audio, "Mp3Writer", CrashingWriter)
    with pytest.raises(RenderFailed, match="could not be mastered"):
        _render(station, station.settings)
    folder = station.settings.audio_dir
    assert (
        not list(folder.glob("*.mp3"))
        and not list(folder.glob("*.part"))
        and not list(folder.glob("*.pcm"))
    )
    with station.sessions() as session:
        assert session.query(Rendering).count() == 0
