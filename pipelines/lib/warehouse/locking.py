"""One writer at a time: every refresh (CLI or Dagster run) holds an exclusive lock beside the warehouse file.

The lock is a `flock` on `<PTSM_DB>.lock`: the kernel releases it when its process dies, so a killed refresh never
leaves a stale lock. The file names the holder (PID, start time, Dagster run id) so a refused refresh can say which
one is running. Within one process the lock is re-entrant: `ptsm refresh` takes it, then the Dagster run it executes
in-process takes it again through the pipeline's resources (`pipelines.defs.resources`) without deadlocking.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator


class RefreshLocked(Exception):
    """Another refresh holds the lock; the message names it."""


_held: dict[str, tuple[int, object, int]] = {}  # lock path -> (pid, open file, depth) for this process
_guard = threading.Lock()


def lock_path_for(db_path: Path) -> Path:
    return Path(f"{db_path}.lock")


def describe_holder(lock_path: Path) -> str:
    """The running refresh as a French phrase, from what the holder wrote in the lock file."""
    try:
        info = json.loads(lock_path.read_text() or "{}")
    except (OSError, json.JSONDecodeError):
        info = {}
    text = f"PID {info.get('pid', '?')}, démarré le {info.get('started_at', '?')}"
    if info.get("run_id"):
        text += f", run Dagster {info['run_id']}"
    return text


def acquire(db_path: Path, *, wait: float, poll: float = 0.2, run_id: str | None = None,
            on_wait: Callable[[str], None] | None = None) -> None:
    """Take the lock, waiting up to `wait` seconds, else raise RefreshLocked naming the running refresh.
    `on_wait` is told once (French) who holds it, when this call has to wait."""
    lock_path = lock_path_for(db_path)
    key = str(lock_path.resolve())
    with _guard:
        held = _held.get(key)
        if held and held[0] == os.getpid():
            _held[key] = (held[0], held[1], held[2] + 1)
            return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")
    deadline = time.monotonic() + wait
    told = False
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RefreshLocked(
                        f"un autre rafraîchissement est en cours ({describe_holder(lock_path)}, verrou {lock_path}) ; "
                        "réessayez quand il sera terminé"
                    ) from None
                if on_wait and not told:
                    on_wait(f"en attente du verrou d'écriture : un autre rafraîchissement est en cours "
                            f"({describe_holder(lock_path)}, verrou {lock_path})")
                    told = True
                time.sleep(poll)
    except BaseException:
        handle.close()
        raise
    holder = {"pid": os.getpid(), "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if run_id:
        holder["run_id"] = run_id
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(holder))
    handle.flush()
    with _guard:
        _held[key] = (os.getpid(), handle, 1)


def release(db_path: Path) -> None:
    key = str(lock_path_for(db_path).resolve())
    with _guard:
        held = _held.get(key)
        if not held or held[0] != os.getpid():
            return
        if held[2] > 1:
            _held[key] = (held[0], held[1], held[2] - 1)
            return
        del _held[key]
    held[1].close()  # closing the file releases the flock


def holds(db_path: Path) -> bool:
    held = _held.get(str(lock_path_for(db_path).resolve()))
    return bool(held and held[0] == os.getpid())


@contextmanager
def refresh_lock(db_path: Path, *, wait: float = 10.0, poll: float = 0.2, run_id: str | None = None) -> Iterator[None]:
    """Wait up to `wait` seconds for the lock, then give up with a message naming the running refresh."""
    acquire(db_path, wait=wait, poll=poll, run_id=run_id)
    try:
        yield
    finally:
        release(db_path)
