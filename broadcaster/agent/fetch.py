"""Downloading one audio file from the station's agent endpoint, checked by its sha256."""

from __future__ import annotations

import hashlib
import os
import ssl
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

TIMEOUT_SECONDS = 30.0
MAX_BYTES = 512 * 1024 * 1024  # far above any bulletin; a runaway response stops here
CHUNK = 64 * 1024


class FetchError(Exception):
    """The audio could not be fetched or was not the audio asked for (one English sentence)."""


def fetch(
    station_url: str, path: str, token: str, sha256: str, dest: Path, ca: Path | None = None
) -> Path:
    """Download `path` with the bearer token into `dest`, only if its sha256 is the one expected.

    The bytes go to a temporary file beside `dest` and are renamed into place once checked, so
    the cache never holds a partial or tampered file under the audio's name.
    """
    url = urljoin(station_url.rstrip("/") + "/", path.lstrip("/"))
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    context = ssl.create_default_context(cafile=str(ca) if ca else None)
    digest = hashlib.sha256()
    handle, tmp = tempfile.mkstemp(suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with urllib.request.urlopen(
                    request, timeout=TIMEOUT_SECONDS,
                    context=context if url.startswith("https:") else None,
                ) as response:  # fmt: skip
                    size = 0
                    while chunk := response.read(CHUNK):
                        size += len(chunk)
                        if size > MAX_BYTES:
                            raise FetchError(f"{url} sent more than {MAX_BYTES} bytes.")
                        digest.update(chunk)
                        out.write(chunk)
            except urllib.error.HTTPError as exc:
                raise FetchError(f"The station answered {exc.code} for {url}.") from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise FetchError(f"The station could not be reached for {url}: {reason}.") from None
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise FetchError(
                f"The audio from {url} has sha256 {digest.hexdigest()}, not {sha256}: refused."
            )
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return dest
