"""The online voice: Google Translate's speech through gTTS, with TLS verified.

gTTS 2.5 sends its requests with certificate checks turned off, so anyone on the
network path could put their own audio on the town's loudspeakers. We let gTTS
build ("prepare") the requests and send them ourselves through a verifying
`requests.Session`, with a timeout, and decode every reply as MP3 before use.
"""

from __future__ import annotations

import base64
import re

import requests

from broadcaster.voices import EngineUnavailable, Speech

_AUDIO_RE = re.compile(r'jQ1olc","\[\\"(.*)\\"]')
SAMPLE_RATE = 24000


class GttsEngine:
    """Google's Vietnamese voice (online)."""

    name = "gtts"

    def __init__(
        self,
        lang: str = "vi",
        tld: str = "com",
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.lang = lang
        self.tld = tld
        self.voice = f"{lang}@{tld}"
        self.timeout = timeout
        self.session = session or requests.Session()

    def _fetch_mp3(self, text: str) -> bytes:
        from gtts import gTTS

        parts = []
        for prepared in gTTS(text, lang=self.lang, tld=self.tld)._prepare_requests():
            try:
                reply = self.session.send(prepared, timeout=self.timeout, verify=True)
            except requests.RequestException as exc:
                raise EngineUnavailable(
                    f"Google's voice is not reachable ({type(exc).__name__}); is the Internet down?"
                ) from exc
            if reply.status_code != 200:
                raise EngineUnavailable(f"Google's voice answered HTTP {reply.status_code}.")
            match = _AUDIO_RE.search(reply.text)
            if not match:
                raise EngineUnavailable("Google's voice sent a reply with no audio in it.")
            try:
                parts.append(base64.b64decode(match.group(1), validate=True))
            except ValueError as exc:
                raise EngineUnavailable("Google's voice sent audio we cannot decode.") from exc
        return b"".join(parts)

    def synthesise(self, text: str) -> Speech:
        """Speak one sentence with Google's voice; EngineUnavailable if offline or refused."""
        from broadcaster.audio import decode_mp3

        mp3 = self._fetch_mp3(text)
        try:
            pcm = decode_mp3(mp3, SAMPLE_RATE)
        except ValueError as exc:
            raise EngineUnavailable(
                f"Google's voice sent something that is not audio: {exc}"
            ) from exc
        if not pcm:
            raise EngineUnavailable("Google's voice sent empty audio.")
        return Speech(pcm=pcm, sample_rate=SAMPLE_RATE)
