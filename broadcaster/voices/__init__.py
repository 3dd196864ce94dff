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
