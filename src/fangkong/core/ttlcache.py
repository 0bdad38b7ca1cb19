"""Short per-process caches for the hot paths (the public booking, the venue check-in).

A ``TTLCache`` keeps a value a few seconds per key, so each gunicorn worker sees a change soon without asking
the database on every request. Writes in this process clear the affected entries at once; other processes
see the change when the entry ends. Keys are tuples whose first item names the kind of entry, so one kind
can be forgotten at once (``forget("slots")``). A cache with ``max_entries`` is emptied when it is full
(keys from public input, e.g. a QR code, cannot grow it without bound).

Every cache registers itself; ``clear_all()`` empties them all, which is how tests start from nothing (an
autouse fixture of the root conftest, and the persona matrix between requests).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_caches: weakref.WeakSet[TTLCache] = weakref.WeakSet()


class TTLCache:
    """Values per key, each kept for the ``ttl`` seconds given when it was stored (monotonic clock)."""

    def __init__(self, name: str, *, max_entries: int | None = None) -> None:
        self.name = name
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._store: dict[tuple[Any, ...], tuple[float, Any]] = {}
        _caches.add(self)

    def get(self, key: tuple[Any, ...], ttl: float, load: Callable[[], T]) -> T:
        """The value kept for ``key``, or ``load()``'s, kept for ``ttl`` seconds (None is kept too)."""
        now = time.monotonic()
        hit = self._store.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[no-any-return]
        value = load()
        self._keep(key, now + ttl, value)
        return value

    def put(self, key: tuple[Any, ...], ttl: float, value: Any) -> None:
        self._keep(key, time.monotonic() + ttl, value)

    def peek(self, key: tuple[Any, ...]) -> Any:
        """The value kept for ``key``, or None when there is none (or it ended); loads nothing."""
        hit = self._store.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def forget(self, kind: str) -> None:
        """Drop every entry whose key starts with ``kind``."""
        with self._lock:
            for key in [k for k in self._store if k[0] == kind]:
                self._store.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._store.clear()

    def __len__(self) -> int:
        return len(self._store)

    def _keep(self, key: tuple[Any, ...], until: float, value: Any) -> None:
        with self._lock:
            if (
                self.max_entries is not None
                and len(self._store) >= self.max_entries
                and key not in self._store
            ):
                self._store.clear()
            self._store[key] = (until, value)


def clear_all() -> None:
    """Empty every cache of this process (tests; a write that invalidates everything)."""
    for cache in list(_caches):
        cache.clear()
