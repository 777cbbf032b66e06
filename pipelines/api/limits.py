"""Limits on what one request, one client address and one token may cost the API (issue 20 §2).

The server (server.py) bounds connections and how long a request head may take; this middleware bounds what a
parsed request may carry before any route runs: URL length (414), header size (431, the documented 16 KiB, which
h11 alone only enforces on a head that arrives in pieces), an ambiguous body length (400), and requests without a
token (per client address). Bad tokens are charged to the same address in deps.principal; bytes served are charged
to the token in responses.respond.
"""

from __future__ import annotations

import math
import threading
import time

from pipelines.api.errors import ApiError, error_response

MAX_URL_BYTES = 8 << 10
MAX_HEADER_BYTES = 16 << 10  # the same figure as server.MAX_HEADER_BYTES, here for heads that arrive whole


class RateLimiter:
    """A token bucket per key: `per_minute` units a minute on average, bursts up to `burst`.

    `take(key, cost)` charges a request (cost 1) when the bucket holds at least 1; `charge` lets the level go
    below zero (a response's bytes are only known once it is built), and `wait` says how long until it is back
    above zero."""

    def __init__(self, per_minute: int, burst: int | None = None):
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else per_minute)
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def _level(self, key: str, now: float) -> float:
        level, stamp = self._buckets.get(key, (self.burst, now))
        return min(self.burst, level + (now - stamp) * self.rate)

    def take(self, key: str, now: float | None = None) -> float:
        """0 when the request may go; else the seconds to wait before the next one."""
        now = time.monotonic() if now is None else now
        with self._lock:
            level = self._level(key, now)
            if level >= 1:
                self._buckets[key] = (level - 1, now)
                return 0.0
            self._buckets[key] = (level, now)
            if len(self._buckets) > 100_000:  # many addresses: forget full buckets rather than grow without end
                self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self.burst}
            return (1 - level) / self.rate

    def charge(self, key: str, cost: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._buckets[key] = (self._level(key, now) - cost, now)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds until the bucket is above zero again (0: it is)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            level = self._level(key, now)
        return 0.0 if level > 0 else (-level + 1e-9) / self.rate


def client_address(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "inconnu"


def retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


class RequestLimits:
    """Refuse, before routing, a request too long to be a question, or one more request without a token from an
    address that already sent its share."""

    def __init__(self, app, anonymous: RateLimiter | None = None):
        self.app = app
        self.anonymous = anonymous

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refusal = self.refusal(scope)
        if refusal is not None:
            return await refusal(scope, receive, send)
        return await self.app(scope, receive, send)

    def refusal(self, scope):
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
        if url_bytes > MAX_URL_BYTES:
            return error_response(414, "uri_too_long",
                                  f"URL trop longue : {MAX_URL_BYTES} octets au plus (chemin et paramètres).")
        headers = scope.get("headers", [])
        if sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADER_BYTES:
            return error_response(431, "headers_too_large", "En-têtes de la requête trop volumineux : 16 Kio au plus.")
        names = {name.lower() for name, _ in headers}
        if b"content-length" in names and b"transfer-encoding" in names:
            return error_response(400, "ambiguous_length", "Requête ambiguë : Content-Length et Transfer-Encoding "
                                                           "ne peuvent pas être envoyés ensemble.")
        if self.anonymous is not None and b"authorization" not in names:
            wait = self.anonymous.take(client_address(scope))
            if wait > 0:
                return error_response(429, "rate_limited_client",
                                      "Trop de requêtes sans jeton depuis cette adresse ; réessayer après le délai "
                                      "indiqué.", retry_after(wait))
        return None


def admit(state, token_id: str) -> ApiError | None:
    """The per-token limits every reader's request passes, in this order: requests, then bytes served (`state`: the
    API's ApiState). The refusal to send, or None. One rule for the FastAPI dependency (deps.principal) and the
    direct path of plain mart requests (direct.py)."""
    if state.rate_limiter is not None:
        wait = state.rate_limiter.take(token_id)
        if wait > 0:
            return ApiError(429, "rate_limited", "Trop de requêtes pour ce jeton ; réessayer après le délai indiqué.",
                            retry_after(wait))
    if state.byte_limiter is not None:
        wait = state.byte_limiter.wait(token_id)
        if wait > 0:
            return ApiError(429, "rate_limited_bytes", "Volume téléchargé trop important pour ce jeton ; réessayer "
                            "après le délai indiqué.", retry_after(wait))
    return None
