"""The evidence pack: one ZIP an inspector can re-check without the software.

It holds the report files, the raw log (CSV and JSON), the ledger anchor files of the
period's days, the verification result, and SHA256SUMS in the format `sha256sum -c` reads.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO

MANIFEST = "SHA256SUMS"
# A fixed time for every member: the same files make the same ZIP.
_STAMP = (1980, 1, 1, 0, 0, 0)


def anchor_files(anchor_dir: Path, start: datetime, end: datetime) -> list[Path]:
    """The anchor files (named by UTC day) of the days touching [start, end)."""
    first: date = start.astimezone(timezone.utc).date()
    last: date = (end - timedelta(microseconds=1)).astimezone(timezone.utc).date()
    found = []
    for path in sorted(anchor_dir.glob("*.log")) if anchor_dir.is_dir() else []:
        try:
            day = date.fromisoformat(path.stem)
        except ValueError:
            continue
        if first <= day <= last:
            found.append(path)
    return found


def _sha256(body: bytes | Path) -> str:
    if isinstance(body, bytes):
        return hashlib.sha256(body).hexdigest()
    with body.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def write_pack(out: IO[bytes], members: Mapping[str, bytes | Path]) -> None:
    """Write `members` (name → content, or the file holding it) and their SHA256SUMS into a ZIP
    on `out`; each file is streamed into its member, never read whole."""
    sums = "".join(f"{_sha256(body)}  {name}\n" for name, body in sorted(members.items()))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in sorted({**members, MANIFEST: sums.encode("ascii")}.items()):
            info = zipfile.ZipInfo(name, _STAMP)
            if isinstance(body, bytes):
                archive.writestr(info, body, zipfile.ZIP_DEFLATED)
                continue
            info.compress_type = zipfile.ZIP_DEFLATED
            info.file_size = body.stat().st_size  # ZIP64 headers are chosen by it
            with body.open("rb") as source, archive.open(info, "w") as member:
                shutil.copyfileobj(source, member, 1 << 20)
