"""Assembly: a bulletin's speech, pauses and jingles as one PCM file, and its length before
it is rendered. Light on purpose (no numpy): approving a bulletin estimates its length, and
the render's cache key needs the jingles' fingerprints; only mastering (`master.py`) measures
loudness.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import IO, Callable

from broadcaster.config import Settings
from broadcaster.sound import audio
from broadcaster.sound.voices import Speech
from broadcaster.spoken import SpokenText
from broadcaster.store.renderings import file_sha256

CHIME = Path(__file__).resolve().parent.parent / "assets" / "chime.wav"


class MasteringError(Exception):
    """The audio could not be mastered (a missing jingle file, silent speech, ffmpeg failed)."""


@functools.lru_cache(maxsize=8)
def jingle_audio(spec: str, base_dir: Path, rate: int) -> bytes:
    """The intro/outro audio named by a setting: 'chime', a file path, or '' for none."""
    if not spec:
        return b""
    path = CHIME if spec == "chime" else (base_dir / spec)
    if not path.is_file():
        raise MasteringError(
            f"The intro/outro file {path} does not exist; fix the intro or outro setting."
        )
    try:
        return audio.decode_file(path, rate)
    except audio.AudioToolError as exc:
        raise MasteringError(
            f"The intro/outro file {path.name} is not audio ffmpeg can read."
        ) from exc


def jingle_fingerprint(spec: str, base_dir: Path) -> str:
    """What the cache key needs to know about an intro/outro: its name and content hash."""
    if not spec:
        return ""
    path = CHIME if spec == "chime" else (base_dir / spec)
    return f"{spec}:{file_sha256(path) if path.is_file() else 'missing'}"


def assemble(
    spoken: SpokenText,
    speak: Callable[[str], Speech],
    settings: Settings,
    out: IO[bytes],
) -> tuple[int, float]:
    """Write the bulletin's PCM to `out` piece by piece; return its sample rate and length."""
    rate = 0
    written = 0

    def put(pcm: bytes) -> None:
        nonlocal written
        out.write(pcm)
        written += len(pcm)

    def say(text: str) -> None:
        nonlocal rate
        speech = speak(text)
        if rate and speech.sample_rate != rate:
            raise MasteringError("The voice changed its sample rate in the middle of a bulletin.")
        rate = speech.sample_rate
        put(audio.trim_silence(speech.pcm))

    sentences = [(s, i == len(p) - 1) for p in spoken.paragraphs for i, s in enumerate(p)]
    # The first sentence fixes the rate, which the jingle is decoded at, so speak it first.
    first_text, _ = sentences[0]
    first = speak(first_text)
    rate = first.sample_rate
    intro = jingle_audio(settings.intro, settings.base_dir, rate)
    if intro:
        put(intro)
        put(audio.silence(settings.jingle_pause_ms, rate))
    if settings.intro_text:
        say(settings.intro_text)
        put(audio.silence(settings.paragraph_pause_ms, rate))
    for index, (text, ends_paragraph) in enumerate(sentences):
        if index == 0:
            put(audio.trim_silence(first.pcm))
        else:
            say(text)
        if index < len(sentences) - 1:
            pause = settings.paragraph_pause_ms if ends_paragraph else settings.sentence_pause_ms
            put(audio.silence(pause, rate))
    outro = jingle_audio(settings.outro, settings.base_dir, rate)
    if outro:
        put(audio.silence(settings.jingle_pause_ms, rate))
        put(outro)
    return rate, written / 2 / rate


def estimate_seconds(spoken: SpokenText, settings: Settings) -> float:
    """How long the bulletin will last before it is rendered: words at the voice's rate, plus pauses."""
    words = sum(len(sentence.split()) for sentence in spoken.sentences)
    seconds = words / (max(settings.espeak_rate, 60) / 60)
    sentences = len(spoken.sentences)
    seconds += max(0, sentences - len(spoken.paragraphs)) * settings.sentence_pause_ms / 1000
    seconds += max(0, len(spoken.paragraphs) - 1) * settings.paragraph_pause_ms / 1000
    for jingle in (settings.intro, settings.outro):
        if jingle:
            seconds += 2.2  # the chime is 1.6 s, plus the pause beside it
    return seconds


def render_pcm_file(directory: Path) -> IO[bytes]:
    """A temporary PCM file beside the audio folder (same disk, removed when closed)."""
    directory.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(suffix=".pcm", dir=directory)
