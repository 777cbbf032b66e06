"""Pseudonymisation of coordinator names: a keyed hash, with a key generated per installation outside git."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from pipelines.lib.files import write_atomic
from pipelines.lib.parsing import fold

KEY_FILE = "pseudonymisation.key"


def load_or_create_key(secret_dir: Path) -> bytes:
    """The key lives in PTSM_SECRET_DIR (git-ignored); it is created on first use, readable by the owner only."""
    path = secret_dir / KEY_FILE
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    secret_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    write_atomic(path, key.hex(), mode=0o600)
    return key


def pseudonymise(name: str, key: bytes) -> str:
    """Same person (case/accents aside) -> same pseudonym; the name cannot be read back."""
    digest = hmac.new(key, fold(name).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"P-{digest[:16]}"
