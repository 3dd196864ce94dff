"""Render: an approved script's spoken form becomes a broadcast MP3, cached by content hash."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster.config import ConfigError, Settings
from broadcaster.enums import Kind, label_vi
from broadcaster.errors import BroadcasterError, Code
from broadcaster.sound import audio
from broadcaster.sound.assembly import (
    MasteringError,
    assemble,
    estimate_seconds,
    jingle_fingerprint,
    render_pcm_file,
)
from broadcaster.sound.audio import Loudness
from broadcaster.sound.voices import EngineUnavailable, Speech, SpeechEngine
from broadcaster.sound.voices.edge import EdgeEngine
from broadcaster.sound.voices.espeak import EspeakEngine
from broadcaster.sound.voices.google import GttsEngine
from broadcaster.spoken import Normaliser, SpokenText
from broadcaster.store.db import Rendering, Script
from broadcaster.store.renderings import (
    RECORDING_ENGINE,
    current_rendering,
    file_sha256,
    newest_recording,
    rendering_intact,
)

logger = logging.getLogger(__name__)

# Bump when the audio assembly changes so old files are not reused.
RENDER_VERSION = 3  # 3: mastered in process (true-peak limiter, one encode)
ENGINE_CHOICES = ("auto", "gtts", "edge", "espeak")


class RenderFailed(BroadcasterError):
    """The script could not be made into audio; the code says why."""


@dataclass(frozen=True)
class RenderResult:
    """The rendering a script now has, and whether it was already there."""

    rendering_id: int
    script_id: int
    engine: str
    voice: str
    audio_path: Path
    duration_s: float
    sha256: str
    cached: bool


class _FailFast:
    """Wraps an online engine so that after one network failure the rest of a batch skips it."""

    def __init__(self, engine: SpeechEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.voice = engine.voice
        self.down: str | None = None

    def start_bulletin(self) -> None:
        """Pass the start of a bulletin on to the wrapped engine."""
        self.engine.start_bulletin()

    def synthesise(self, text: str) -> Speech:
        if self.down:
            raise EngineUnavailable(self.down)
        try:
            return self.engine.synthesise(text)
        except EngineUnavailable as exc:
            self.down = str(exc)
            logger.warning(
                "%s is unavailable; using the next voice for this batch: %s", self.name, exc
            )
            raise


def make_engines(choice: str, settings: Settings) -> list[SpeechEngine]:
    """The engines to try, in order: one named voice, or `auto` = the `auto_voices` list."""
    names = (
        [n.strip() for n in settings.auto_voices.split(",") if n.strip()]
        if choice == "auto"
        else [choice]
    )
    engines: list[SpeechEngine] = []
    for name in names:
        if name == "espeak":
            engines.append(
                EspeakEngine(settings.espeak_voice, settings.espeak_rate, settings.espeak_pitch)
            )
        elif name == "gtts":
            engines.append(
                GttsEngine(
                    lang=settings.gtts_lang,
                    tld=settings.gtts_tld,
                    timeout=settings.gtts_timeout,
                    retries=settings.gtts_retries,
                    budget_seconds=settings.gtts_budget_seconds,
                )
            )
        elif name == "edge":
            engines.append(EdgeEngine(voice=settings.edge_voice, timeout=settings.gtts_timeout))
        else:
            raise ConfigError(
                f"Voice '{name}' is not one of: auto, gtts, edge, espeak (check engine and auto_voices)."
            )
    if choice == "auto":
        # Online voices fail fast for the rest of a batch once they are found unreachable.
        return [e if e.name == "espeak" else _FailFast(e) for e in engines]
    return engines


def cache_key(spoken: SpokenText, engine: SpeechEngine, settings: Settings) -> str:
    """Everything that changes the sound, hashed."""
    recipe = {
        "version": RENDER_VERSION,
        "text": spoken.text,
        "engine": engine.name,
        "voice": engine.voice,
        "rate": [settings.espeak_rate, settings.espeak_pitch] if engine.name == "espeak" else None,
        "pauses": [
            settings.sentence_pause_ms,
            settings.paragraph_pause_ms,
            settings.jingle_pause_ms,
        ],
        "format": [settings.mp3_bitrate, settings.sample_rate],
        "loudness": [settings.target_lufs, settings.true_peak_dbtp],
        "intro": [
            jingle_fingerprint(settings.intro, settings.base_dir),
            settings.intro_text,
            jingle_fingerprint(settings.outro, settings.base_dir),
        ],
    }
    return hashlib.sha256(json.dumps(recipe, ensure_ascii=False).encode()).hexdigest()


_normalisers: dict[tuple[str, str, float, str, str], Normaliser] = {}


def normaliser_for(settings: Settings) -> Normaliser:
    """The normaliser for these settings, rebuilt when the town's abbreviation file changes."""
    path = settings.abbreviations_path
    stamp = path.stat().st_mtime if path is not None and path.exists() else 0.0
    key = (settings.reading, str(path), stamp, settings.letterhead, settings.mong_days)
    if key not in _normalisers:
        _normalisers.clear()
        _normalisers[key] = Normaliser(
            settings.reading, path, settings.letterhead, settings.mong_days
        )
    return _normalisers[key]


def expected_seconds(session: Session, script: Script, settings: Settings) -> float:
    """The bulletin's length: measured from its audio if rendered, else estimated from the text."""
    rendering = current_rendering(session, script)
    if rendering is not None:
        return rendering.duration_s
    return estimate_seconds(normaliser_for(settings)(script.body), settings)


ALBUMS = {
    Kind.CCHC: "Tuyên truyền cải cách hành chính",
    Kind.EMERGENCY: "Thông tin khẩn cấp",
    Kind.NOTICE: "Thông báo",
}


def _tags(script: Script, settings: Settings, now: datetime) -> dict[str, str]:
    """The MP3's tags: the station (the commune once `init --town` named it), the kind of
    bulletin and, for a CCHC bulletin, its plan topic."""
    station = settings.town.strip() or "cơ sở"
    about = f"Chủ đề {script.topic}: {label_vi(script.topic)}" if script.topic else ""
    return {
        "title": script.title,
        "artist": f"Đài truyền thanh {station}",
        "album": ALBUMS.get(script.kind, "Bản tin"),
        "genre": "Speech",
        "date": now.astimezone(settings.tz).strftime("%Y-%m-%d"),
        "comment": about or label_vi(script.kind),
    }


def _produce(
    spoken: SpokenText,
    engine: SpeechEngine,
    script: Script,
    settings: Settings,
    dest: Path,
    now: datetime,
) -> Loudness:
    """Speech → assembled PCM (streamed to a temporary file) → mastered MP3, written atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(suffix=".part", dir=dest.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        with render_pcm_file(dest.parent) as pcm:
            rate, _ = assemble(spoken, engine.synthesise, settings, pcm)
            pcm.flush()
            from broadcaster.sound.master import master  # numpy, scipy: only when mastering

            loudness = master(Path(pcm.name), rate, tmp, settings, _tags(script, settings, now))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; players and the web server read it
        os.replace(tmp, dest)  # never a half-written file under the final name
    finally:
        tmp.unlink(missing_ok=True)
    return loudness


def _reuse(session: Session, script: Script, key: str, settings: Settings) -> Rendering | None:
    """A rendering with the same cache key whose file is intact, attached to this script."""
    for existing in session.scalars(select(Rendering).where(Rendering.cache_key == key)):
        if rendering_intact(settings, existing):
            if existing.script_id == script.id:
                return existing
            copy = Rendering(
                script_id=script.id,
                content_hash=script.content_hash,
                cache_key=key,
                engine=existing.engine,
                voice=existing.voice,
                spoken_text=existing.spoken_text,
                audio_path=existing.audio_path,
                duration_s=existing.duration_s,
                sha256=existing.sha256,
                loudness_lufs=existing.loudness_lufs,
                true_peak_dbtp=existing.true_peak_dbtp,
                created_at=existing.created_at,
            )
            session.add(copy)
            session.flush()
            return copy
    return None


def recording_key() -> str:
    """A fresh cache key for a recording's row: it is never reused like synthesised audio (the
    same recording made current again is a new row, so the newest row stays the current one)."""
    return secrets.token_hex(32)


def _keep_recording(
    session: Session, script: Script, recorded: Rendering, settings: Settings
) -> Rendering:
    """The recording as the audio of the script's current words (an edited summary keeps its
    recording); RECORDING_LOST when its file is missing or changed."""
    if not rendering_intact(settings, recorded):
        raise RenderFailed(Code.RECORDING_LOST, script_id=script.id)
    current = current_rendering(session, script)
    if current is not None and current.engine == RECORDING_ENGINE:
        if current.sha256 == recorded.sha256:
            return current
    copy = Rendering(
        script_id=script.id, content_hash=script.content_hash, cache_key=recording_key(),
        engine=recorded.engine, voice=recorded.voice, spoken_text=script.body,
        audio_path=recorded.audio_path, duration_s=recorded.duration_s,
        sha256=recorded.sha256, loudness_lufs=recorded.loudness_lufs,
        true_peak_dbtp=recorded.true_peak_dbtp, created_at=recorded.created_at,
    )  # fmt: skip
    session.add(copy)
    session.flush()
    return copy


def _result(rendering: Rendering, settings: Settings, cached: bool) -> RenderResult:
    return RenderResult(
        rendering_id=rendering.id,
        script_id=rendering.script_id,
        engine=rendering.engine,
        voice=rendering.voice,
        audio_path=settings.var_path / rendering.audio_path,
        duration_s=rendering.duration_s,
        sha256=rendering.sha256,
        cached=cached,
    )


def _save(
    session: Session, script: Script, key: str, engine: SpeechEngine, spoken_text: str,
    relative: Path, dest: Path, loudness: Loudness, now: datetime,
) -> Rendering:  # fmt: skip
    """The rendering row of the MP3 at `dest` (under var/ as `relative`), added and flushed.

    A row for this script and key whose file was lost is repaired, not duplicated."""
    rendering = session.scalar(
        select(Rendering).where(Rendering.script_id == script.id, Rendering.cache_key == key)
    ) or Rendering(script_id=script.id, cache_key=key)
    rendering.content_hash = script.content_hash
    rendering.engine = engine.name
    rendering.voice = engine.voice
    rendering.spoken_text = spoken_text
    rendering.audio_path = relative.as_posix()
    rendering.duration_s = audio.mp3_duration(dest)
    rendering.sha256 = file_sha256(dest)
    rendering.loudness_lufs = round(loudness.integrated, 2)
    rendering.true_peak_dbtp = round(loudness.true_peak, 2)
    rendering.created_at = now
    session.add(rendering)
    session.flush()
    return rendering


def render_script(
    session: Session,
    script: Script,
    engines: Sequence[SpeechEngine],
    settings: Settings,
    now: datetime,
    spoken: SpokenText | None = None,
) -> RenderResult:
    """Render `script` with the first engine that can speak; reuse an identical rendering.

    `spoken` is the script's spoken form if the caller computed it already (it is computed
    once per render). A script read aloud by a person is never synthesised: its recording is
    what it airs."""
    recorded = newest_recording(session, script)
    if recorded is not None:
        return _result(_keep_recording(session, script, recorded, settings), settings, cached=True)
    if spoken is None:
        spoken = normaliser_for(settings)(script.body)
    if not spoken.paragraphs:
        raise RenderFailed(Code.RENDER_NOTHING_TO_SAY, script_id=script.id)
    reasons = []
    for engine in engines:
        key = cache_key(spoken, engine, settings)
        reused = _reuse(session, script, key, settings)
        if reused is not None:
            return _result(reused, settings, cached=True)
        relative = Path("audio") / f"{key}.mp3"
        dest = settings.var_path / relative
        engine.start_bulletin()
        try:
            loudness = _produce(spoken, engine, script, settings, dest, now)
        except (MasteringError, audio.AudioToolError) as exc:
            raise RenderFailed(Code.RENDER_MASTERING, script_id=script.id, detail=str(exc)) from exc
        except EngineUnavailable as exc:
            logger.debug("engine %s unavailable for script %s: %s", engine.name, script.id, exc)
            reasons.append(f"{engine.name}: {exc}")
            continue
        rendering = _save(session, script, key, engine, spoken.text, relative, dest, loudness, now)
        logger.info(
            "rendered script %s with %s: %.1f s of audio",
            script.id,
            engine.name,
            rendering.duration_s,
        )
        return _result(rendering, settings, cached=False)
    raise RenderFailed(Code.RENDER_NO_VOICE, script_id=script.id, detail="; ".join(reasons))
