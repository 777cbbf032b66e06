"""One writer at a time: a refresh holds an exclusive lock beside the warehouse file."""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator


class RefreshLocked(Exception):
    """Another refresh holds the lock; the message names it."""


@contextmanager
def refresh_lock(db_path: Path, *, wait: float = 10.0, poll: float = 0.2) -> Iterator[None]:
    """Wait up to `wait` seconds for the lock, then give up with a message naming the running refresh.
    The kernel releases a flock when its process dies, so a killed refresh never leaves a stale lock."""
    lock_path = Path(f"{db_path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "{}"
                    try:
                        info = json.loads(holder)
                    except json.JSONDecodeError:
                        info = {}
                    raise RefreshLocked(
                        f"un autre rafraîchissement est en cours (PID {info.get('pid', '?')}, "
                        f"démarré le {info.get('started_at', '?')}, verrou {lock_path}) ; réessayez quand il sera terminé"
                    ) from None
                time.sleep(poll)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
        handle.flush()
        yield
    finally:
        handle.close()
