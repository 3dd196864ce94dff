"""The online voice: Google Translate's speech through gTTS, with TLS verified.

gTTS 2.5 sends its requests with certificate checks turned off, so anyone on the
network path could put their own audio on the town's loudspeakers. We let gTTS
build ("prepare") the requests and send them ourselves through a verifying
`requests.Session`, with a timeout, retries with backoff on 429 and 5xx, and a
time budget per bulletin; every reply is decoded as MP3 and its length checked
against its text before use.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Callable

import requests

from broadcaster.sound.voices import EngineUnavailable, Speech, checked_speech

_AUDIO_RE = re.compile(r'jQ1olc","\[\\"(.*)\\"]')
SAMPLE_RATE = 24000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class GttsEngine:
    """Google's Vietnamese voice (online)."""

    name = "gtts"

    def __init__(
        self,
        lang: str = "vi",
        tld: str = "com",
        timeout: float = 10.0,
        retries: int = 3,
        budget_seconds: float = 120.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.lang = lang
        self.tld = tld
        self.voice = f"{lang}@{tld}"
        self.timeout = timeout
        self.retries = retries
        self.budget_seconds = budget_seconds
        self.session = session or requests.Session()
        self.sleep = sleep or (lambda seconds: time.sleep(seconds))
        self.clock = clock or (lambda: time.monotonic())
        self._deadline: float | None = None

    def start_bulletin(self) -> None:
        """Start the time budget afresh: it is per bulletin, not per batch."""
        self._deadline = None

    def _send(self, prepared: requests.PreparedRequest) -> requests.Response:
        """Send one request, retrying 429/5xx with exponential backoff within the budget."""
        if self._deadline is None:
            self._deadline = self.clock() + self.budget_seconds
        for attempt in range(self.retries + 1):
            left = self._deadline - self.clock()
            if left <= 0:
                raise EngineUnavailable(
                    f"Google's voice used up its {self.budget_seconds:.0f} s budget."
                )
            try:
                reply = self.session.send(prepared, timeout=min(self.timeout, left), verify=True)
            except requests.exceptions.SSLError as exc:
                raise EngineUnavailable(
                    "Google's voice failed the TLS certificate check; refusing its audio."
                ) from exc
            except requests.RequestException as exc:
                raise EngineUnavailable(
                    f"Google's voice is not reachable ({type(exc).__name__}); is the Internet down?"
                ) from exc
            if reply.status_code == 200:
                return reply
            if reply.status_code not in RETRY_STATUSES or attempt == self.retries:
                break
            self.sleep(min(2.0**attempt, max(0.0, self._deadline - self.clock())))
        raise EngineUnavailable(f"Google's voice answered HTTP {reply.status_code}.")

    def _fetch_mp3(self, text: str) -> bytes:
        from gtts import gTTS

        parts = []
        for prepared in gTTS(text, lang=self.lang, tld=self.tld)._prepare_requests():
            reply = self._send(prepared)
            match = _AUDIO_RE.search(reply.text)
            if not match:
                raise EngineUnavailable("Google's voice sent a reply with no audio in it.")
            try:
                parts.append(base64.b64decode(match.group(1), validate=True))
            except ValueError as exc:
                raise EngineUnavailable("Google's voice sent audio we cannot decode.") from exc
        return b"".join(parts)

    def synthesise(self, text: str) -> Speech:
        """Speak one sentence with Google's voice; EngineUnavailable if offline, refused or odd."""
        return checked_speech(self._fetch_mp3(text), text, "Google's voice", SAMPLE_RATE)
