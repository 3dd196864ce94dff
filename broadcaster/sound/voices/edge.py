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
from broadcaster.sound.voices import EngineUnavailable, Speech, checked_speech

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

    def start_bulletin(self) -> None:
        """Nothing to reset: each request has its own timeout."""

    def synthesise(self, text: str) -> Speech:
        """Speak one sentence with the neural voice; EngineUnavailable if offline, refused or odd."""
        try:
            import aiohttp
            from edge_tts.exceptions import EdgeTTSException
        except ImportError as exc:
            raise EngineUnavailable("The neural voice needs the edge-tts package.") from exc
        try:
            mp3 = asyncio.run(
                asyncio.wait_for(
                    self.fetch(text, self.voice, self.rate, self.timeout), self.timeout * 8
                )
            )
        except (aiohttp.ClientError, EdgeTTSException, asyncio.TimeoutError, OSError) as exc:
            raise EngineUnavailable(
                f"Microsoft's voice is not reachable ({type(exc).__name__})."
            ) from exc
        return checked_speech(mp3, text, "Microsoft's voice", SAMPLE_RATE)
