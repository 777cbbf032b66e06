"""The portal's guards: the login cookie, one-time form tokens (CSRF), and the upload size cut while streaming.

- The cookie holds the deposit token itself (HttpOnly, SameSite=Strict); every request verifies it again through
  the token file, so a revocation bites at the next click.
- Each form carries `nonce.signature`, the signature an HMAC of the token id and the nonce under a secret kept in
  `PTSM_SECRET_DIR`: a form forged on another site has no valid signature, and a nonce is accepted once (a
  replayed form is refused). A request whose `Origin` is another site is refused before anything else.
- Nothing a request needs lives in one process's memory: the cookie is checked against the token file, uploads
  wait on disk, and spent nonces are kept in a small SQLite table beside them (`formulaires.sqlite` in
  `PTSM_PORTAL_DIR`), so the portal can run several workers (`uvicorn --workers 2`) and a form replayed to the other
  worker is still refused.
- The body of an upload is counted as it streams in and cut at the limit: an oversize file is never read whole.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from pathlib import Path

from pipelines.lib.core.files import write_atomic
from pipelines.lib.staging.pseudonym import ensure_secret_dir

COOKIE = "ptsm_portail"
NONCE_TTL_SECONDS = 6 * 3600


def portal_secret(secret_dir: Path) -> bytes:
    """The HMAC key of the form tokens, created once (owner-only) beside the other secrets."""
    path = secret_dir / "portal_secret"
    if not path.exists():
        ensure_secret_dir(secret_dir)
        try:
            write_atomic(path, secrets.token_hex(32), mode=0o600)
        except OSError:
            pass
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


class FormTokens:
    """Signed one-time form tokens, bound to the token id of the session; spent nonces are shared by every worker
    through `spent_db` (SQLite: one insert per form, its primary key refuses a second spending atomically)."""

    def __init__(self, key: bytes, spent_db: Path):
        self._key = key
        self._db = spent_db
        spent_db.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("create table if not exists spent_nonces (nonce text primary key, spent_at real not null)")

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self._db, timeout=30, isolation_level=None)  # autocommit: each statement is atomic
        con.execute("pragma journal_mode=wal")
        return con

    def _sign(self, token_id: str, nonce: str) -> str:
        return hmac.new(self._key, f"{token_id}:{nonce}".encode(), hashlib.sha256).hexdigest()

    def issue(self, token_id: str) -> str:
        nonce = f"{int(time.time())}-{secrets.token_hex(12)}"
        return f"{nonce}.{self._sign(token_id, nonce)}"

    def spend(self, token_id: str, value: str | None) -> str | None:
        """None when the form token is good (and now spent), else the French reason it is refused."""
        nonce, _, signature = (value or "").partition(".")
        if not nonce or not hmac.compare_digest(signature, self._sign(token_id, nonce)):
            return "formulaire non reconnu (jeton de formulaire absent ou invalide) : rechargez la page et recommencez"
        issued = int(nonce.split("-", 1)[0]) if nonce.split("-", 1)[0].isdigit() else 0
        now = time.time()
        if now - issued > NONCE_TTL_SECONDS:
            return "formulaire expiré : rechargez la page et recommencez"
        con = self._connect()
        try:
            con.execute("delete from spent_nonces where spent_at < ?", [now - NONCE_TTL_SECONDS])  # expired anyway
            con.execute("insert into spent_nonces values (?, ?)", [nonce, now])
        except sqlite3.IntegrityError:
            return "formulaire déjà envoyé (renvoi d'un ancien formulaire) : rechargez la page et recommencez"
        finally:
            con.close()
        return None


class TooLarge(Exception):
    """The request body went past the upload limit."""


def limited_receive(receive, limit: int):
    """An ASGI `receive` that raises TooLarge as soon as the body passes `limit` bytes."""
    seen = 0

    async def wrapped():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge()
        return message

    return wrapped
