"""The audio the agent's programme needs, fetched from the station into the cache and checked;
the last failure of each entry is kept for the as-run log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from broadcaster.agent.cache import Cache
from broadcaster.agent.config import AgentConfig
from broadcaster.agent.fetch import FetchError, fetch
from broadcaster.clusters import wire

logger = logging.getLogger(__name__)

Fetcher = Callable[..., object]


class AudioSupply:
    """Fetches what is missing; `errors` holds why an entry's audio could not be had."""

    def __init__(self, config: AgentConfig, cache: Cache, fetcher: Fetcher = fetch) -> None:
        self.config = config
        self.cache = cache
        self.fetcher = fetcher
        self.errors: dict[str, str] = {}

    def ready(self, key: str, url: str, sha256: str) -> bool:
        """Whether the audio is in the cache, fetching it now if it is not."""
        return self.cache.has_audio(sha256) or self.fetch(key, url, sha256)

    def fetch_missing(self, entries: Iterable[wire.Entry]) -> None:
        """Fetch the audio of each entry the cache does not hold."""
        for entry in entries:
            if not self.cache.has_audio(entry.sha256):
                self.fetch(entry.key, entry.url, entry.sha256)

    def missing(self, key: str) -> str:
        """Why the audio of `key` is not there, for the as-run log."""
        return f"audio missing: {self.errors.get(key)}"

    def prune(self, keep: set[str]) -> None:
        """Delete the audio files whose sha256 is not in `keep`."""
        gone = self.cache.prune(keep)
        if gone:
            logger.info("Deleted %d audio files no longer in the programme.", len(gone))

    def fetch(self, key: str, url: str, sha256: str) -> bool:
        """Fetch and check one file; False (and the reason kept) when it failed."""
        try:
            self.fetcher(self.config.station_url, url, self.config.token, sha256,
                         self.cache.audio_path(sha256), self.config.tls_ca)  # fmt: skip
        except FetchError as exc:
            self.errors[key] = str(exc)
            logger.warning("Audio for %s not fetched: %s", key, exc)
            return False
        self.errors.pop(key, None)
        logger.info("Fetched the audio for %s (%s).", key, sha256[:12])
        return True
