"""What a process remembers of results keyed by content, for as long as it runs: one bounded, thread-safe table.

Why: the GX results (pipelines/defs/checks/suites.py) and the disclosure proofs (pipelines/lib/quality/proof_memo.py)
are kept in a file beside each warehouse, keyed by everything they depend on; a process that refreshes several
installations (the test suite's in-process runs, a benchmark) would otherwise compute them again for each new
warehouse. Both keep their entries here, under the very keys of their files, so what may be reused is the same."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class ProcessMemory:
    """`get(key)` / `put(key, value)`, the `kept` most recently used keys only; `clear()` forgets everything."""

    def __init__(self, kept: int):
        self.kept = kept
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.kept:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
