"""The uvicorn settings `ptsm serve` runs with: bounded headers, and no connection held open for free.

h11 (not httptools) so the header size is bounded (`MAX_HEADER_BYTES`: a 50 MB header is refused with a
400 instead of being buffered); a connection that has not sent a complete request head within
`HEADER_TIMEOUT` seconds (slowloris) or stays idle after a response (`IDLE_TIMEOUT`) is closed; and one client
address holds at most `MAX_CONNECTIONS_PER_CLIENT` connections (`PTSM_API_MAX_CONNECTIONS_PER_CLIENT`), so 250 slow
sockets from one place cannot fill `limit_concurrency` (issue 20 §2: they made 125 of 130 other requests fail).
Behind a reverse proxy every connection comes from the proxy's address: raise or disable (0) the cap there and let
the proxy limit each client (deploy/nginx/ptsm-api.conf).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEADER_BYTES = 16 << 10
HEADER_TIMEOUT = 10.0
IDLE_TIMEOUT = 5
MAX_CONNECTIONS = 200
MAX_CONNECTIONS_PER_CLIENT = 64  # one client address; 0 = no cap (behind a proxy that limits clients itself)
TOO_MANY = ('{"error":{"code":"too_many_connections","message":"Trop de connexions ouvertes depuis cette adresse ; '
            'fermer les connexions inutilisées puis réessayer."}}').encode()
REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\n"
           b"connection: close\r\ncontent-length: " + str(len(TOO_MANY)).encode() + b"\r\n\r\n" + TOO_MANY)


_PROCESS_CONNECTIONS: Counter = Counter()


class GuardedH11Protocol(H11Protocol):
    """h11 with a deadline on each request head (uvicorn itself only times out idle keep-alive connections)."""

    def __init__(self, config, *args, **kwargs):
        super().__init__(config, *args, **kwargs)
        self._head_timeout = getattr(config, "ptsm_header_timeout", HEADER_TIMEOUT)
        self._head_timer: asyncio.TimerHandle | None = None
        # `ptsm serve` passes SERVER_OPTIONS to uvicorn.run (a plain Config): then one counter per process, cap from env
        self._per_client: Counter = getattr(config, "ptsm_connections", _PROCESS_CONNECTIONS)
        cap = getattr(config, "ptsm_max_per_client", None)
        self._client_cap = _cap_from_env() if cap is None else cap
        self._counted: str | None = None

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self._head_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport):  # type: ignore[override]
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        address = peer[0] if isinstance(peer, (tuple, list)) and peer else None
        if address is not None and self._client_cap:
            if self._per_client[address] >= self._client_cap:
                transport.write(REFUSAL)  # a clear French 503 rather than a silent reset
                transport.close()
                return
            self._per_client[address] += 1
            self._counted = address
        self._arm()

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a complete request head was parsed
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request head gets the same deadline

    def connection_lost(self, exc):
        self._disarm()
        if self._counted is not None:
            self._per_client[self._counted] -= 1
            if self._per_client[self._counted] <= 0:
                del self._per_client[self._counted]
            self._counted = None
        super().connection_lost(exc)


SERVER_OPTIONS = {
    "http": GuardedH11Protocol,
    "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    "timeout_keep_alive": IDLE_TIMEOUT,
    "limit_concurrency": MAX_CONNECTIONS,
}


def _cap_from_env() -> int:
    return int(os.environ.get("PTSM_API_MAX_CONNECTIONS_PER_CLIENT", MAX_CONNECTIONS_PER_CLIENT))


class GuardedConfig(uvicorn.Config):
    """uvicorn.Config carrying the per-process settings the protocol reads (one connection counter per process)."""

    def __init__(self, app, *, header_timeout: float = HEADER_TIMEOUT, max_connections_per_client: int | None = None,
                 **kwargs):
        super().__init__(app, **{**SERVER_OPTIONS, **kwargs})
        self.ptsm_header_timeout = header_timeout
        self.ptsm_max_per_client = (_cap_from_env() if max_connections_per_client is None
                                    else max_connections_per_client)
        self.ptsm_connections = Counter()


def server_config(app, *, host: str, port: int, header_timeout: float = HEADER_TIMEOUT,
                  max_connections_per_client: int | None = None, **kwargs) -> uvicorn.Config:
    """The Config `ptsm serve` uses (tests start the same server with a shorter head deadline or a lower cap)."""
    return GuardedConfig(app, host=host, port=port, header_timeout=header_timeout,
                         max_connections_per_client=max_connections_per_client, **kwargs)
