"""What the agent holds to play: the programme, the entries it has handled (played, failed or
refused) and the emergencies waiting; which entry is due and which start comes next.

No I/O and no clock: the time comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from broadcaster.clusters import wire


class Schedule:
    """The programme held, the keys handled, and the emergencies in arrival order."""

    def __init__(
        self, programme: wire.Programme | None, handled: set[str], grace: timedelta
    ) -> None:
        self.programme = programme
        self.handled = handled
        self.grace = grace  # how late an entry may still start
        self.emergencies: list[wire.Emergency] = []

    def replace(
        self, programme: wire.Programme
    ) -> tuple[list[wire.Entry], list[wire.Entry], list[wire.Entry]]:
        """Hold `programme` instead: the entries it retracts or replaces, those it adds or
        replaces, and the retracted ones never handled (withdrawn before their time)."""
        retracted, added = wire.changes(self.programme, programme)
        keys = {e.key for e in programme.entries}
        withdrawn = [e for e in retracted if e.key not in keys and e.key not in self.handled]
        self.programme = programme
        return retracted, added, withdrawn

    def queue(self, emergency: wire.Emergency) -> bool:
        """Add `emergency` to those waiting; False when it is waiting already."""
        if any(e.key == emergency.key for e in self.emergencies):
            return False
        self.emergencies.append(emergency)
        return True

    def upcoming(self, now: datetime) -> list[wire.Entry]:
        """Entries not yet handled whose start is ahead or within the grace, in start order."""
        if self.programme is None:
            return []
        return sorted(
            (e for e in self.programme.entries
             if e.key not in self.handled and e.start + self.grace >= now),
            key=lambda e: e.start,
        )  # fmt: skip

    def next_start(self) -> datetime | None:
        """The earliest start among the entries not yet handled."""
        if self.programme is None:
            return None
        starts = [e.start for e in self.programme.entries if e.key not in self.handled]
        return min(starts) if starts else None

    def due(self, now: datetime) -> Iterator[wire.Entry]:
        """The entries not yet handled whose start has come, in start order."""
        if self.programme is None:
            return
        for entry in sorted(self.programme.entries, key=lambda e: e.start):
            if entry.key in self.handled:
                continue
            if entry.start > now:
                return
            yield entry

    def ready_hours(self, now: datetime, missing: list[wire.Entry]) -> float:
        """How far ahead the cache can play: to the first entry whose audio is `missing`, else
        to the end of the programme held."""
        if missing:
            return max(0.0, (missing[0].start - now).total_seconds() / 3600)
        if self.programme is not None:
            return max(0.0, (self.programme.until - now).total_seconds() / 3600)
        return 0.0

    def audio_kept(self, playing: str | None) -> set[str]:
        """The sha256 of every file still needed: the programme's, the emergencies', `playing`."""
        keep = {e.sha256 for e in self.programme.entries} if self.programme else set()
        keep |= {e.sha256 for e in self.emergencies}
        if playing is not None:
            keep.add(playing)
        return keep
