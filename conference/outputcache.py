"""Bounded in-process caches of built outputs (feeds, pages), keyed on the agenda's version.

A key includes ``Event.agenda_version``, which every agenda change bumps, so
an entry is never stale: a changed agenda simply asks for a new key. Old keys
fall out of the bounded LRU. The version only decides when to rebuild: what
is built comes from the audience's visible rows, so a rebuild after a hidden
change gives the same bytes, ETag and Last-Modified.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, MutableMapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BuiltFeed:
    body: bytes
    etag: str
    last_modified: datetime
    filename: str


class FeedCache:
    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, BuiltFeed] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0

    def get_or_build(
        self, key: Hashable, build: Callable[[], BuiltFeed | None]
    ) -> BuiltFeed | None:
        """The cached feed, else ``build()``'s; None (a 404) is not kept, so ids
        that answer nothing cannot fill the cache."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        feed = build()
        if feed is None:
            return None
        with self._lock:
            self.builds += 1
            self._entries[key] = feed
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return feed

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class FragmentCache(MutableMapping):
    """A bounded, thread-safe LRU mapping for rendered VEVENTs."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: Hashable) -> bytes:
        with self._lock:
            value = self._entries[key]
            self._entries.move_to_end(key)
            return value

    def __setitem__(self, key: Hashable, value: bytes) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __delitem__(self, key: Hashable) -> None:
        with self._lock:
            del self._entries[key]

    def __iter__(self):
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
