"""The uvicorn settings `ptsm serve` runs with: bounded headers, and no connection held open for free.

h11 (not httptools) so the header size is bounded (`MAX_HEADER_BYTES`: a 50 MB header is refused with a
400 instead of being buffered); a connection that has not sent a complete request head within
`HEADER_TIMEOUT` seconds (slowloris) or stays idle after a response (`IDLE_TIMEOUT`) is closed.
"""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEADER_BYTES = 16 << 10
HEADER_TIMEOUT = 10.0
IDLE_TIMEOUT = 5
MAX_CONNECTIONS = 200


class GuardedH11Protocol(H11Protocol):
    """h11 with a deadline on each request head (uvicorn itself only times out idle keep-alive connections)."""

    def __init__(self, config, *args, **kwargs):
        super().__init__(config, *args, **kwargs)
        self._head_timeout = getattr(config, "ptsm_header_timeout", HEADER_TIMEOUT)
        self._head_timer: asyncio.TimerHandle | None = None

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
        super().connection_lost(exc)


SERVER_OPTIONS = {
    "http": GuardedH11Protocol,
    "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    "timeout_keep_alive": IDLE_TIMEOUT,
    "limit_concurrency": MAX_CONNECTIONS,
}


def server_config(app, *, host: str, port: int, header_timeout: float = HEADER_TIMEOUT, **kwargs) -> uvicorn.Config:
    """The Config `ptsm serve` uses (tests start the same server with a shorter head deadline)."""
    config = uvicorn.Config(app, host=host, port=port, **{**SERVER_OPTIONS, **kwargs})
    config.ptsm_header_timeout = header_timeout
    return config
