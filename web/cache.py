"""Small caches of figures shared by the web threads.

`HeadCache`: figures only new evidence can change. Keys carry the chain head (`ledger.head`):
every airing that opens or closes seals an event and moves the head, so an entry is never
stale; the oldest entries go first. `TimedCache`: figures any write may change (the script
list's counts), kept a few seconds and forgotten on this process's writes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class HeadCache(Generic[Value]):
    """At most `size` values by key, safe to share between the server's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        """The value for `key`, computed (outside the lock) when it is not kept."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def forget(self, key: Hashable) -> None:
        """Forget the value for `key`, if kept."""
        with self._lock:
            self._values.pop(key, None)

    def values(self) -> list[Value]:
        """The values kept, oldest first."""
        with self._lock:
            return list(self._values.values())

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)


class TimedCache(Generic[Value]):
    """Values kept at most `seconds` (on `clock`), safe to share between the server's threads,
    for figures that any write may change and no head tracks: a write elsewhere (the command
    line, another process) shows within `seconds`; this process's writes call `clear`."""

    def __init__(
        self, seconds: float, size: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._values: HeadCache[tuple[float, Value]] = HeadCache(size)

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        """The value for `key`, computed again once it is older than `seconds`."""
        now = self.clock()
        made, value = self._values.get(key, lambda: (now, compute()))
        if now - made <= self.seconds:
            return value
        self._values.forget(key)
        return self._values.get(key, lambda: (now, compute()))[1]

    def clear(self) -> None:
        """Forget every value (after a write)."""
        self._values.clear()
