"""Render: an approved script's spoken form becomes a broadcast MP3, cached by content hash."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcaster import audio
from broadcaster.config import Settings
from broadcaster.db import Rendering, Script
from broadcaster.spoken import Normaliser, SpokenText
from broadcaster.voices import EngineUnavailable, SpeechEngine
from broadcaster.voices.espeak import EspeakEngine
from broadcaster.voices.google import GttsEngine

logger = logging.getLogger(__name__)

# Bump when the audio assembly changes so old files are not reused.
RENDER_VERSION = 1
ENGINE_CHOICES = ("auto", "gtts", "espeak")


class RenderFailed(Exception):
    """No engine could speak the script."""


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

    def synthesise(self, text: str):  # type: ignore[no-untyped-def]
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
    """The engines to try, in order, for `auto`, `gtts` or `espeak`."""
    espeak = EspeakEngine(voice=settings.espeak_voice, rate=settings.espeak_rate)
    google = GttsEngine(
        lang=settings.gtts_lang, tld=settings.gtts_tld, timeout=settings.gtts_timeout
    )
    if choice == "espeak":
        return [espeak]
    if choice == "gtts":
        return [google]
    if choice == "auto":
        return [_FailFast(google), espeak]
    raise ValueError(f"Engine '{choice}' is not one of: {', '.join(ENGINE_CHOICES)}.")


def cache_key(spoken: SpokenText, engine: SpeechEngine, settings: Settings) -> str:
    """Everything that changes the sound, hashed."""
    recipe = {
        "version": RENDER_VERSION,
        "text": spoken.text,
        "engine": engine.name,
        "voice": engine.voice,
        "rate": settings.espeak_rate if engine.name == "espeak" else None,
        "pauses": [settings.sentence_pause_ms, settings.paragraph_pause_ms],
        "format": [settings.mp3_bitrate, settings.sample_rate],
    }
    return hashlib.sha256(json.dumps(recipe, ensure_ascii=False).encode()).hexdigest()


_normalisers: dict[tuple[str, str, float], Normaliser] = {}


def normaliser_for(settings: Settings) -> Normaliser:
    """The normaliser for these settings, rebuilt when the town's abbreviation file changes."""
    path = settings.abbreviations_path
    stamp = path.stat().st_mtime if path is not None and path.exists() else 0.0
    key = (settings.reading, str(path), stamp)
    if key not in _normalisers:
        _normalisers.clear()
        _normalisers[key] = Normaliser(settings.reading, path)
    return _normalisers[key]


def current_rendering(session: Session, script: Script) -> Rendering | None:
    """The newest rendering of the script's current words, if any."""
    return session.scalars(
        select(Rendering)
        .where(Rendering.script_id == script.id, Rendering.content_hash == script.content_hash)
        .order_by(Rendering.id.desc())
        .limit(1)
    ).first()


def _speak(spoken: SpokenText, engine: SpeechEngine, settings: Settings) -> tuple[bytes, int]:
    """Synthesise every sentence and join them with the configured pauses."""
    pieces: list[bytes] = []
    rate = 0
    for p_index, paragraph in enumerate(spoken.paragraphs):
        for s_index, sentence in enumerate(paragraph):
            speech = engine.synthesise(sentence)
            if rate and speech.sample_rate != rate:
                raise RenderFailed(f"{engine.name} changed sample rate mid-script.")
            rate = speech.sample_rate
            pieces.append(speech.pcm)
            last_sentence = s_index == len(paragraph) - 1
            if last_sentence and p_index == len(spoken.paragraphs) - 1:
                break
            pause = settings.paragraph_pause_ms if last_sentence else settings.sentence_pause_ms
            pieces.append(audio.silence(pause, rate))
    return b"".join(pieces), rate


def _write_mp3(pcm: bytes, rate: int, dest: Path, script: Script, settings: Settings) -> None:
    """Encode to a temporary file beside `dest`, then rename: never a half-written MP3."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(suffix=".part", dir=dest.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        audio.encode_mp3(
            pcm,
            rate,
            tmp,
            bitrate=settings.mp3_bitrate,
            out_rate=settings.sample_rate,
            tags={
                "title": script.title,
                "artist": f"Đài truyền thanh {settings.town}",
                "album": "Tuyên truyền cải cách hành chính",
                "genre": "Speech",
                "comment": f"topic {script.topic}",
            },
        )
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; players and the web server read it
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _reuse(session: Session, script: Script, key: str, settings: Settings) -> Rendering | None:
    """A rendering with the same cache key whose file is intact, attached to this script."""
    for existing in session.scalars(select(Rendering).where(Rendering.cache_key == key)):
        path = settings.var_path / existing.audio_path
        if path.exists() and audio.file_sha256(path) == existing.sha256:
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
                created_at=existing.created_at,
            )
            session.add(copy)
            session.flush()
            return copy
    return None


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


def render_script(
    session: Session,
    script: Script,
    engines: Sequence[SpeechEngine],
    settings: Settings,
    now: datetime,
) -> RenderResult:
    """Render `script` with the first engine that can speak; reuse an identical rendering."""
    spoken = normaliser_for(settings)(script.body)
    if not spoken.paragraphs:
        raise RenderFailed(f"Script {script.id} has nothing to say after normalisation.")
    reasons = []
    for engine in engines:
        key = cache_key(spoken, engine, settings)
        reused = _reuse(session, script, key, settings)
        if reused is not None:
            return _result(reused, settings, cached=True)
        try:
            pcm, rate = _speak(spoken, engine, settings)
        except EngineUnavailable as exc:
            logger.debug("engine %s unavailable for script %s: %s", engine.name, script.id, exc)
            reasons.append(f"{engine.name}: {exc}")
            continue
        relative = Path("audio") / f"{key}.mp3"
        dest = settings.var_path / relative
        _write_mp3(pcm, rate, dest, script, settings)
        # A row for this script and key whose file was lost is repaired, not duplicated.
        rendering = session.scalar(
            select(Rendering).where(Rendering.script_id == script.id, Rendering.cache_key == key)
        ) or Rendering(script_id=script.id, cache_key=key)
        rendering.content_hash = script.content_hash
        rendering.engine = engine.name
        rendering.voice = engine.voice
        rendering.spoken_text = spoken.text
        rendering.audio_path = relative.as_posix()
        rendering.duration_s = audio.mp3_duration(dest)
        rendering.sha256 = audio.file_sha256(dest)
        rendering.created_at = now
        session.add(rendering)
        session.flush()
        logger.info(
            "rendered script %s with %s in %.1f s", script.id, engine.name, rendering.duration_s
        )
        return _result(rendering, settings, cached=False)
    raise RenderFailed(f"No voice could render script {script.id}: {'; '.join(reasons)}.")
