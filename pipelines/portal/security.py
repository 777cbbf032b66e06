"""The portal's guards: the login cookie, one-time form tokens (CSRF), and the upload size cut while streaming.

- The cookie holds the deposit token itself (HttpOnly, SameSite=Strict); every request verifies it again through
  the token file, so a revocation bites at the next click.
- Each form carries `nonce.signature`, the signature an HMAC of the token id and the nonce under a secret kept in
  `PTSM_SECRET_DIR`: a form forged on another site has no valid signature, and a nonce is accepted once (a
  replayed form is refused). A request whose `Origin` is another site is refused before anything else.
- The body of an upload is counted as it streams in and cut at the limit: an oversize file is never read whole.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
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
    """Signed one-time form tokens, bound to the token id of the session."""

    def __init__(self, key: bytes):
        self._key = key
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

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
        with self._lock:
            self._used = {n: t for n, t in self._used.items() if now - t <= NONCE_TTL_SECONDS}
            if nonce in self._used:
                return "formulaire déjà envoyé (renvoi d'un ancien formulaire) : rechargez la page et recommencez"
            self._used[nonce] = now
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
