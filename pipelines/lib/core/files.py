"""Writing files so that readers never see half of one: the one atomic-write helper and the one symlink switch.

Published files are readable by everyone on the machine (0644, folders 0755) whatever the process umask, so the
web server, the API and the analysts' accounts can read them; secrets pass `mode=0o600`.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

FILE_MODE = 0o644
DIR_MODE = 0o755


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in `path` durable (a crash after this keeps it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dir(path: Path, mode: int = DIR_MODE) -> Path:
    """Create `path` (and parents) and give it `mode` whatever the umask."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    return path


@contextmanager
def atomic_file(path: Path, *, mode: int = FILE_MODE, text: bool = False) -> Iterator[IO]:
    """Yield a handle on a temporary file beside `path`; on success it is synced, given `mode` and renamed over
    `path`, so a reader (or a crash) sees the old file or the new one, never a mix. On failure nothing changes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w" if text else "wb", **({"encoding": "utf-8", "newline": ""} if text else {})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes | str, *, mode: int = FILE_MODE) -> Path:
    """Write `data` (text is UTF-8, newlines untouched) to `path` atomically; return `path`."""
    with atomic_file(path, mode=mode) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def switch_symlink(link: Path, target: Path) -> None:
    """Point `link` at `target` in one step (a temporary link renamed over it); the link is relative, so the
    whole tree can be moved or mounted elsewhere."""
    link = Path(link)
    tmp = link.parent / f".{link.name}.link-{uuid.uuid4().hex}"
    os.symlink(os.path.relpath(target, link.parent), tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(link.parent)
