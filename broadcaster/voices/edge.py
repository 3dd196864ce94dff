"""A neural online voice: Microsoft's Vietnamese voices (vi-VN-HoaiMyNeural, vi-VN-NamMinhNeural)
through edge-tts.

Clearer and more natural than Google's for long bulletins. edge-tts talks to the
service over a websocket with TLS verified against certifi's roots. Like Google's,
each reply is decoded as MP3 and its length checked against its text before use;
any failure is EngineUnavailable, so `auto` falls back to the next voice.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from broadcaster.config import ConfigError
from broadcaster.voices import EngineUnavailable, Speech
from broadcaster.voices.google import MAX_SECONDS_PER_CHAR, MIN_SECONDS_PER_CHAR

SAMPLE_RATE = 24000
VOICES = ("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural")

Fetch = Callable[[str, str, str, float], Awaitable[bytes]]


async def _fetch_edge(text: str, voice: str, rate: str, timeout: float) -> bytes:
    """The MP3 bytes Microsoft's service sends for `text`."""
    import edge_tts

    communicate = edge_tts.Communicate(
        text, voice, rate=rate, connect_timeout=int(timeout), receive_timeout=int(timeout * 6)
    )
    chunks = [chunk["data"] async for chunk in communicate.stream() if chunk["type"] == "audio"]
    return b"".join(chunks)


class EdgeEngine:
    """Microsoft's neural Vietnamese voice (online)."""

    name = "edge"

    def __init__(
        self,
        voice: str = "vi-VN-HoaiMyNeural",
        rate: str = "+0%",
        timeout: float = 10.0,
        fetch: Fetch | None = None,
    ) -> None:
        if voice not in VOICES:
            raise ConfigError(f"edge_voice '{voice}' is not one of: {', '.join(VOICES)}.")
        self.voice = voice
        self.rate = rate
        self.timeout = timeout
        self.fetch = fetch or _fetch_edge

    def synthesise(self, text: str) -> Speech:
        """Speak one sentence with the neural voice; EngineUnavailable if offline, refused or odd."""
        from broadcaster.audio import decode_mp3

        try:
            mp3 = asyncio.run(
                asyncio.wait_for(
                    self.fetch(text, self.voice, self.rate, self.timeout), self.timeout * 8
                )
            )
        except ImportError as exc:
            raise EngineUnavailable("The neural voice needs the edge-tts package.") from exc
        except Exception as exc:  # noqa: BLE001 - any network or protocol failure means: use the next voice
            raise EngineUnavailable(
                f"Microsoft's voice is not reachable ({type(exc).__name__})."
            ) from exc
        if not mp3:
            raise EngineUnavailable("Microsoft's voice sent no audio.")
        try:
            pcm = decode_mp3(mp3, SAMPLE_RATE)
        except ValueError as exc:
            raise EngineUnavailable(
                f"Microsoft's voice sent something that is not audio: {exc}"
            ) from exc
        speech = Speech(pcm=pcm, sample_rate=SAMPLE_RATE)
        chars = max(1, len(text.strip()))
        if not MIN_SECONDS_PER_CHAR * chars <= speech.seconds <= MAX_SECONDS_PER_CHAR * chars + 1.0:
            raise EngineUnavailable(
                f"Microsoft's voice sent {speech.seconds:.1f} s of audio for {chars} characters; refusing it."
            )
        return speech
