"""The evidence pack: one ZIP an inspector can re-check without the software.

It holds the report files, the raw log (CSV and JSON), the ledger anchor files of the
period's days, the verification result, and SHA256SUMS in the format `sha256sum -c` reads.
"""

from __future__ import annotations

import hashlib
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

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


def write_pack(dest: Path, members: dict[str, bytes]) -> None:
    """Write `members` (name → content) and their SHA256SUMS into the ZIP `dest`."""
    sums = "".join(
        f"{hashlib.sha256(body).hexdigest()}  {name}\n" for name, body in sorted(members.items())
    )
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in sorted({**members, MANIFEST: sums.encode("ascii")}.items()):
            archive.writestr(zipfile.ZipInfo(name, _STAMP), body, zipfile.ZIP_DEFLATED)
