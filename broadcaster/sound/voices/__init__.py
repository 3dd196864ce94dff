"""Synthesise: the speech engines behind one small interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class EngineUnavailable(Exception):
    """The engine cannot speak now (no network, no library, refused request)."""


@dataclass(frozen=True)
class Speech:
    """Mono 16-bit PCM audio of one piece of text."""

    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        """Length of the audio in seconds."""
        return len(self.pcm) / 2 / self.sample_rate


class SpeechEngine(Protocol):
    """Turns one sentence of spoken-form text into speech."""

    name: str
    voice: str

    def synthesise(self, text: str) -> Speech:
        """Speak `text`; raise EngineUnavailable when the engine cannot."""
        ...

    def start_bulletin(self) -> None:
        """A new bulletin begins: per-bulletin limits (such as a time budget) start again."""
        ...


# Plausible speech: Vietnamese voices read roughly 3–50 characters a second.
MIN_SECONDS_PER_CHAR = 0.02
MAX_SECONDS_PER_CHAR = 0.35


def checked_speech(mp3: bytes, text: str, who: str, sample_rate: int = 24000) -> Speech:
    """Decode an online voice's MP3 reply; refuse it unless it is audio of a length that fits `text`."""
    from broadcaster.sound.audio import decode_mp3

    if not mp3:
        raise EngineUnavailable(f"{who} sent no audio.")
    try:
        pcm = decode_mp3(mp3, sample_rate)
    except ValueError as exc:
        raise EngineUnavailable(f"{who} sent something that is not audio: {exc}") from exc
    speech = Speech(pcm=pcm, sample_rate=sample_rate)
    chars = max(1, len(text.strip()))
    if not MIN_SECONDS_PER_CHAR * chars <= speech.seconds <= MAX_SECONDS_PER_CHAR * chars + 1.0:
        raise EngineUnavailable(
            f"{who} sent {speech.seconds:.1f} s of audio for {chars} characters; refusing it."
        )
    return speech
