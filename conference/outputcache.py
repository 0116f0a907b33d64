"""Bounded in-process caches of built outputs (feeds, pages), bounded by entries and by bytes.

A key includes ``Event.agenda_version``, which every agenda change bumps, so an
entry is never stale: a changed agenda simply asks for a new key. When a newer
version of an event is stored, that event's older versions are dropped at once
(they can never be asked for again); anything else falls out of the LRU when the
entry or byte bound is reached. Each worker process has its own copy. The version
only decides when to rebuild: what is built comes from the audience's visible rows,
so a rebuild after a hidden change gives the same bytes, ETag and Last-Modified.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app

from conference.gc_guard import collector_paused


@dataclass(frozen=True)
class BuiltFeed:
    body: bytes
    etag: str
    last_modified: datetime
    filename: str


def _size_of(value: Any) -> int:
    body = getattr(value, "body", value)
    return len(body) if isinstance(body, bytes | str) else 0


class BoundedLRU:
    """A thread-safe LRU holding at most ``max_entries`` values and ``max_bytes`` of bodies.

    Entries may belong to a family (an event) at a version (its agenda version):
    storing a newer version of a family drops the family's older entries.
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        # key -> (value, size in bytes, family)
        self._entries: OrderedDict[Hashable, tuple[Any, int, Hashable]] = OrderedDict()
        self._families: dict[Hashable, tuple[int, set[Hashable]]] = {}  # -> (version, keys)
        self._lock = threading.Lock()
        self.total_bytes = 0

    def _lookup(self, key: Hashable) -> Any:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def _store(self, key: Hashable, value: Any, family: Hashable = None, version: int = 0) -> None:
        size = _size_of(value)
        if size > self.max_bytes:
            return  # one huge answer must not flush everything else
        if family is not None:
            newest, keys = self._families.get(family, (version, set()))
            if version < newest:
                return  # built from an agenda that has changed since: never asked for again
            if version > newest:
                for old in list(keys):
                    self._discard(old)
                keys = set()
            keys.add(key)
            self._families[family] = (version, keys)
        self._discard(key, keep_family=family)
        self._entries[key] = (value, size, family)
        self.total_bytes += size
        while len(self._entries) > self.max_entries or self.total_bytes > self.max_bytes:
            self._discard(next(iter(self._entries)))

    def _discard(self, key: Hashable, keep_family: Hashable = None) -> None:
        found = self._entries.pop(key, None)
        if found is None:
            return
        self.total_bytes -= found[1]
        family = found[2]
        if family is not None and family != keep_family and family in self._families:
            keys = self._families[family][1]
            keys.discard(key)
            if not keys:
                del self._families[family]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._families.clear()
            self.total_bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


class FeedCache(BoundedLRU):
    """Built feeds and pages, each built once per key."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 32 * 2**20) -> None:
        super().__init__(max_entries, max_bytes)
        self.builds = 0

    def get_or_build(
        self,
        key: Hashable,
        build: Callable[[], Any],
        *,
        family: Hashable = None,
        version: int = 0,
    ) -> Any:
        with self._lock:
            found = self._lookup(key)
        if found is not None:
            return found
        # A build of a big event's output makes hundreds of thousands of short-lived objects:
        # with the collector on, they start full collections over the worker's whole heap,
        # which doubled a feed's rebuild (issue 22). They are freed by reference counting as
        # the build returns; the collector runs again right after.
        with collector_paused():
            value = build()
        if value is None:
            return None  # a 404 is not kept: ids that answer nothing cannot fill the cache
        with self._lock:
            self.builds += 1
            self._store(key, value, family, version)
        return value


class FragmentCache(BoundedLRU, MutableMapping):
    """Rendered VEVENTs keyed on their immutable entries (bounded, thread-safe)."""

    def __init__(self, max_entries: int = 100_000, max_bytes: int = 16 * 2**20) -> None:
        super().__init__(max_entries, max_bytes)

    def __getitem__(self, key: Hashable) -> bytes:
        with self._lock:
            found = self._lookup(key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: Hashable, value: bytes) -> None:
        with self._lock:
            self._store(key, value)

    def __delitem__(self, key: Hashable) -> None:
        with self._lock:
            if key not in self._entries:
                raise KeyError(key)
            self._discard(key)

    def __iter__(self):
        with self._lock:
            return iter(list(self._entries))


def app_cache(name: str, setting: str) -> FeedCache:
    """The application's cache ``name``, bounded by the ``<setting>_MAX_ENTRIES`` and
    ``<setting>_MAX_BYTES`` settings; one per application (so one per worker process)."""
    extensions = current_app.extensions
    cache = extensions.get(name)
    if cache is None:
        config = current_app.config
        cache = extensions.setdefault(
            name,
            FeedCache(
                max_entries=config[f"{setting}_MAX_ENTRIES"],
                max_bytes=config[f"{setting}_MAX_BYTES"],
            ),
        )
    return cache
