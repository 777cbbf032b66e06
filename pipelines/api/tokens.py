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

from pipelines.lib.core.config import get_settings
from pipelines.lib.core.files import write_atomic
from pipelines.lib.staging.pseudonym import ensure_secret_dir

NATIONAL = "national"
REGIONAL = "region"
DEPOSIT = "deposit"  # one PTSM's deposit token for the portal (issue 23 §2); never a reader of the API
READERS = (NATIONAL, REGIONAL)
_PTSM_RE = re.compile(r"^PTSM-\d{2,3}$")
_TOKEN_RE = re.compile(r"^ptsm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


class TokenFileError(Exception):
    """The token file cannot be read and no earlier good version is known: nobody can be authenticated."""


def tokens_path() -> Path:
    """`PTSM_TOKENS_FILE`, else `<secret_dir>/api_tokens.json` (git-ignored)."""
    override = os.environ.get("PTSM_TOKENS_FILE")
    return Path(override) if override else get_settings().secret_dir / "api_tokens.json"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a national reader, or a reader of one region."""

    token_id: str
    scope: str
    region: str | None
    label: str
    ptsm: str | None = None  # a deposit token's PTSM

    @property
    def is_national(self) -> bool:
        return self.scope == NATIONAL


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("ascii")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _read(path: Path) -> dict:
    """The token file, checked record by record; ValueError (in French) when it is not a token file."""
    if not path.exists():
        return {"tokens": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError("fichier de jetons illisible (encodage)") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"fichier de jetons illisible (JSON invalide, ligne {exc.lineno})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
        raise ValueError("fichier de jetons illisible (liste `tokens` absente)")
    for record in data["tokens"]:
        if not (isinstance(record, dict) and all(isinstance(record.get(k), str) for k in ("id", "salt", "sha256"))
                and record.get("scope") in (NATIONAL, REGIONAL, DEPOSIT)
                and (record["scope"] != REGIONAL or isinstance(record.get("region"), str))
                and (record["scope"] != DEPOSIT or isinstance(record.get("ptsm"), str))):
            raise ValueError("fichier de jetons illisible (enregistrement de jeton incomplet)")
    return data


def _write(path: Path, data: dict) -> None:
    """Write atomically with owner-only permissions (the file holds hashes, still nobody else's business)."""
    ensure_secret_dir(path.parent)  # never chmods a folder that already exists
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False), mode=0o600)


def create_token(path: Path, *, region: str | None = None, national: bool = False, label: str = "",
                 ptsm: str | None = None) -> tuple[str, dict]:
    """Create a token; return (the clear token, shown once, and its public record). With `ptsm`, a deposit token
    of that PTSM for the portal (its region is kept for the record)."""
    if ptsm is not None:
        if national or not _PTSM_RE.match(ptsm):
            raise ValueError("un jeton de dépôt désigne un PTSM (--ptsm PTSM-35 --deposit)")
    elif national == (region is not None):
        raise ValueError("un jeton est soit national (--national), soit régional (--region CODE)")
    data = _read(path)
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    record = {
        "id": token_id,
        "scope": DEPOSIT if ptsm is not None else NATIONAL if national else REGIONAL,
        "region": None if national else region,
        "ptsm": ptsm,
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
    return {k: record.get(k) for k in ("id", "scope", "region", "ptsm", "label", "created_at", "revoked_at")}


class TokenStore:
    """Verifies bearer tokens; re-reads the file whenever it changes, so a revocation bites at once.

    A file that turns unreadable (half-written by hand, wrong permissions) does not lock everybody out: the
    last good token set stays in force and `problem` says what is wrong (health shows it). Only when no good
    version was ever read does `verify` raise TokenFileError (a 503, never a 500).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = ("never read",)
        self._records: dict[str, dict] | None = None
        self.problem: str | None = None

    def _refresh(self) -> None:
        try:
            st = os.stat(self.path)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size, st.st_mode)
        except FileNotFoundError:
            stamp = None
        except OSError as exc:
            stamp = ("stat failed", exc.errno)
        if stamp == self._stamp:
            return
        with self._lock:
            if stamp is None:  # deleted (or never created): nobody is let in, and health says why
                self._records, self._stamp = {}, stamp
                self.problem = f"fichier de jetons absent ({self.path}) : aucun jeton n'est accepté"
                return
            try:
                records = {r["id"]: r for r in _read(self.path)["tokens"]}
            except (OSError, ValueError) as exc:
                message = str(exc) if isinstance(exc, ValueError) else f"fichier de jetons illisible ({exc.strerror})"
                self.problem = message
                self._stamp = stamp
                return
            self._records, self._stamp, self.problem = records, stamp, None

    @property
    def unusable(self) -> bool:
        """No good token set was ever read: every authenticated request gets a 503."""
        return self._records is None and self.problem is not None

    def check(self) -> str | None:
        """Re-read if changed; the current problem with the token file, if any (for /v1/health)."""
        self._refresh()
        return self.problem

    def verify(self, token: str, scopes: tuple[str, ...] = READERS) -> Principal | None:
        """The caller, or None for an unknown, revoked or wrong token, or one of a scope not accepted here (a
        deposit token never reads the API)."""
        match = _TOKEN_RE.match(token or "")
        if not match:
            return None
        self._refresh()
        if self._records is None:
            raise TokenFileError(self.problem or "fichier de jetons illisible")
        record = self._records.get(match.group(1))
        if record is None or record.get("revoked_at") or record.get("scope") not in scopes:
            return None
        if not hmac.compare_digest(record["sha256"], _hash(record["salt"], match.group(2))):
            return None
        return Principal(record["id"], record["scope"], record.get("region"), record.get("label", ""),
                         record.get("ptsm"))
