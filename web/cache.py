"""A small cache of figures that only new evidence can change, shared by the web threads.

Keys carry the chain head (`ledger.head`): every airing that opens or closes seals an event
and moves the head, so an entry is never stale; the oldest entries go first.
"""

from __future__ import annotations

import threading
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
