"""Pseudonymisation of coordinator names: a keyed hash, with a key generated per installation outside git."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from pipelines.lib.core.files import write_atomic
from pipelines.lib.core.parsing import fold

KEY_FILE = "pseudonymisation.key"


def ensure_secret_dir(folder: Path) -> None:
    """Create the secret folder (and any missing parent) owner-only, from the very first run.

    Folders that already exist are left exactly as they are: the project never changes the mode of a folder
    it did not create (a shared 1777 folder keeps its sticky bit).
    """
    missing = []
    current = Path(folder)
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:  # created meanwhile by another process: not ours, leave it
            continue
        os.chmod(path, 0o700)  # the umask may have taken bits away; 0700 exactly


def load_or_create_key(secret_dir: Path) -> bytes:
    """The key lives in PTSM_SECRET_DIR (git-ignored); it is created on first use, readable by the owner only."""
    path = secret_dir / KEY_FILE
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    ensure_secret_dir(secret_dir)
    key = secrets.token_bytes(32)
    write_atomic(path, key.hex(), mode=0o600)
    return key


def pseudonymise(name: str, key: bytes) -> str:
    """Same person (case/accents aside) -> same pseudonym; the name cannot be read back."""
    digest = hmac.new(key, fold(name).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"P-{digest[:16]}"
