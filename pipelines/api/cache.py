"""Encoded response bodies, keyed by the release's identity (path + manifest stamp) and the request."""

from __future__ import annotations

import threading
from collections import OrderedDict


class ResponseCache:
    """A release folder never changes once published, and the key carries the manifest's inode and mtime,
    so a manifest rewritten in place (new produced_at) is a new key: an entry can never be stale."""

    def __init__(self, max_bytes: int = 256 << 20):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, tuple] = OrderedDict()  # key -> (value, size)
        self._size = 0

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: tuple, body, size: int | None = None) -> None:
        """Keep `body` (bytes, or any value whose weight is `size` bytes)."""
        size = len(body) if size is None else size
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (body, size)
            self._size += size
            while self._size > self.max_bytes:
                _, (_, old) = self._items.popitem(last=False)
                self._size -= old
