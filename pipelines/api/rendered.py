"""Rendered responses kept whole, per (release, reader's scope, request): a repeated question skips FastAPI.

A release never changes once published, and a data response depends only on the release, the reader's scope
(national, or which region) and the request line, so the whole answer (status, headers, gzipped or plain body) can
be replayed. At 32 clients the cost of a cached answer was FastAPI's routing, dependency injection and
validation rather than the data (issue 20 §4: p95 94 ms for a cached national JSON); this replays it after the
same admission checks (`ApiState.admit`: token, per-token request and byte limits).

Only what a route marked replayable (responses.respond: a 200 with an ETag) is kept, and only when the route
served the release this request resolved (a refresh between the two is never stored under the old release).
A conditional request (`If-None-Match` only) whose tag is the kept answer's gets the 304 the application would send
(its headers without the body's), after the same checks; any other conditional request, invalid tokens, refused
requests and everything else go to the application as before.
A plain mart request not yet kept is answered by pipelines/api/direct.py (the route's own function, without
FastAPI's per-request dependency solving) and kept the same way.
"""

from __future__ import annotations

from pipelines.api import direct
from pipelines.api.release import PublicationError
from pipelines.api.responses import etag_matches, gzip_quality
from pipelines.api.state import ApiState
from pipelines.api.tokens import TokenFileError

REPLAYABLE = "ptsm_replayable"  # request.state key set by responses.respond: the mart it read, or None
RELEASE = "ptsm_release_stamp"  # request.state key set by deps.current_release
BODY_HEADERS = {b"content-length", b"content-type", b"content-encoding"}  # what a 304 of responses.respond omits


def _headers(scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


class ReplayRendered:
    def __init__(self, app, state: ApiState, direct: bool = True):
        self.app = app
        self.state = state
        self.direct = direct  # plain mart requests answered by pipelines/api/direct.py (False: all through FastAPI)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(
                ("/v1/marts", "/v1/geo/", "/v1/regions/", "/v1/catalogue", "/v1/dictionary")):
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        conditional = headers.get(b"if-none-match")
        if b"if-modified-since" in headers or (conditional is not None and sum(
                1 for name, _ in scope.get("headers", []) if name.lower() == b"if-none-match") > 1):
            return await self.app(scope, receive, send)
        key = await self._key(scope, headers)
        if key is None:
            return await self.app(scope, receive, send)
        who, release, cache_key = key
        hit = self.state.rendered.get(cache_key)
        if hit is not None:
            raw_headers, body, mart = hit
            if mart is None or release.check_mart(mart) is None:
                if conditional is not None and not etag_matches(
                        conditional.decode("latin-1"), dict(raw_headers).get(b"etag", b"").decode("latin-1")):
                    return await self.app(scope, receive, send)  # a stale copy: the app sends the answer
                if self.state.rate_limiter is not None and self.state.rate_limiter.take(who.token_id) > 0:
                    return await self.app(scope, receive, send)  # the app answers the 429
                if conditional is not None:  # the client holds this very answer: 304, the app's headers, no body
                    await send({"type": "http.response.start", "status": 304, "headers": [
                        (name, value) for name, value in raw_headers if name not in BODY_HEADERS]})
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
                if self.state.byte_limiter is not None:
                    self.state.byte_limiter.charge(who.token_id, len(body))
                await send({"type": "http.response.start", "status": 200, "headers": raw_headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
        if conditional is not None:
            return await self.app(scope, receive, send)
        args = direct.mart_request(scope) if self.direct else None
        if args is None:
            return await self._render_and_keep(scope, receive, send, release, cache_key, self.app)

        async def answer(scope, receive, send):
            await direct.serve(scope, receive, send, self.state, who, release, args)

        await self._render_and_keep(scope, receive, send, release, cache_key, answer)

    async def _key(self, scope, headers):
        """(principal, release, cache key) when this request may be replayed; None sends it to the app."""
        if sum(1 for name, _ in scope.get("headers", []) if name.lower() == b"authorization") > 1:
            return None  # which one counts is the application's business (it reads the first)
        authorization = headers.get(b"authorization", b"")
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            who = self.state.tokens.verify(token.strip())
            if who is None:
                return None
            if self.state.byte_limiter is not None and self.state.byte_limiter.wait(who.token_id) > 0:
                return None
            release = await self.state.current_release()
        except (PublicationError, TokenFileError):
            return None
        stamp = getattr(release, "stamp", None)
        if stamp is None:
            return None
        gz = gzip_quality(headers.get(b"accept-encoding", b"").decode("latin-1")) > 0
        scope_of_reader = "national" if who.is_national else f"region:{who.region}"
        return who, release, ("rendered", stamp, scope_of_reader, scope["path"], scope.get("query_string", b""), gz)

    async def _render_and_keep(self, scope, receive, send, release, cache_key, app):
        started: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await app(scope, receive, capture)
        state = scope.get("state") or {}
        if (started.get("status") == 200 and REPLAYABLE in state
                and state.get(RELEASE) == getattr(release, "stamp", None)):
            body = b"".join(chunks)
            self.state.rendered.put(cache_key, (list(started.get("headers", [])), body, state[REPLAYABLE]),
                                    size=len(body))
