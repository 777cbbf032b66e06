"""API tokens: one per region or national, stored hashed in a JSON file outside git.

A token reads `ptsm_<id>_<secret>`: the id finds the record in O(1) and the secret (32 random bytes)
is checked against a salted SHA-256. The secret is high-entropy, so a slow hash buys nothing here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipelines.lib.files import write_atomic

NATIONAL = "national"
REGIONAL = "region"
_TOKEN_RE = re.compile(r"^ptsm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a national reader, or a reader of one region."""

    token_id: str
    scope: str
    region: str | None
    label: str

    @property
    def is_national(self) -> bool:
        return self.scope == NATIONAL


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("ascii")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _read(path: Path) -> dict:
    if not path.exists():
        return {"tokens": []}
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> None:
    """Write atomically with owner-only permissions (the file holds hashes, still nobody else's business)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False), mode=0o600)


def create_token(path: Path, *, region: str | None, national: bool, label: str = "") -> tuple[str, dict]:
    """Create a token; return (the clear token, shown once, and its public record)."""
    if national == (region is not None):
        raise ValueError("un jeton est soit national (--national), soit régional (--region CODE)")
    data = _read(path)
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    record = {
        "id": token_id,
        "scope": NATIONAL if national else REGIONAL,
        "region": None if national else region,
        "label": label,
        "created_at": _now(),
        "revoked_at": None,
        "salt": salt,
        "sha256": _hash(salt, secret),
    }
    data["tokens"].append(record)
    _write(path, data)
    return f"ptsm_{token_id}_{secret}", public_record(record)


def revoke_token(path: Path, token_id: str) -> dict:
    """Mark a token revoked (kept in the file so the list shows who had access and until when)."""
    data = _read(path)
    for record in data["tokens"]:
        if record["id"] == token_id:
            if record["revoked_at"] is None:
                record["revoked_at"] = _now()
                _write(path, data)
            return public_record(record)
    raise KeyError(token_id)


def list_tokens(path: Path) -> list[dict]:
    return [public_record(r) for r in _read(path)["tokens"]]


def public_record(record: dict) -> dict:
    return {k: record[k] for k in ("id", "scope", "region", "label", "created_at", "revoked_at")}


class TokenStore:
    """Verifies bearer tokens; re-reads the file whenever it changes, so a revocation bites at once."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._records: dict[str, dict] = {}

    def _refresh(self) -> None:
        try:
            st = os.stat(self.path)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return
        with self._lock:
            records = {r["id"]: r for r in _read(self.path)["tokens"]} if stamp else {}
            self._records, self._stamp = records, stamp

    def verify(self, token: str) -> Principal | None:
        match = _TOKEN_RE.match(token or "")
        if not match:
            return None
        self._refresh()
        record = self._records.get(match.group(1))
        if record is None or record.get("revoked_at"):
            return None
        if not hmac.compare_digest(record["sha256"], _hash(record["salt"], match.group(2))):
            return None
        return Principal(record["id"], record["scope"], record.get("region"), record.get("label", ""))
