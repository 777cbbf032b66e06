"""Sending a body: release headers, ETag / Last-Modified with conditional GET (304), and gzip on request."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import hashlib

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from pipelines.api.release import Release
from pipelines.api.state import ApiState

GZIP_MIN_BYTES = 32 << 10  # the national GeoJSON is 3.5 MB raw, about 1 MB gzipped


def release_meta(release: Release) -> dict:
    return {
        "release_id": release.release_id,
        "produced_at": release.manifest.get("produced_at"),
        "synthetic": bool(release.manifest.get("synthetic")),
    }


def produced_at(release: Release) -> dt.datetime | None:
    text = release.manifest.get("produced_at")
    try:
        value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def release_headers(release: Release) -> dict[str, str]:
    headers = {
        "X-PTSM-Release": release.release_id,
        "X-PTSM-Synthetic": "true" if release.manifest.get("synthetic") else "false",
        "Cache-Control": "private, no-cache",  # may be kept, but revalidated (ETag) before each use
    }
    when = produced_at(release)
    if when is not None:
        headers["Last-Modified"] = email.utils.format_datetime(when.astimezone(dt.timezone.utc), usegmt=True)
    return headers


def etag(release: Release, key: tuple) -> str:
    """Strong: the same release (folder and manifest) and the same request always give the same bytes."""
    stamp = getattr(release, "stamp", (release.path,))
    digest = hashlib.sha256(repr((stamp, release.release_id, key)).encode()).hexdigest()[:32]
    return f'"{digest}"'


def etag_matches(if_none_match: str, tag: str) -> bool:
    """Weak comparison of an `If-None-Match` list with our tag (RFC 9110 §13.1.2), `*` matching any."""
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or tag in tags


def not_modified(request: Request, tag: str, headers: dict) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only when there is no If-None-Match."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return etag_matches(inm, tag)
    ims = request.headers.get("if-modified-since")
    last = headers.get("Last-Modified")
    if ims and last:
        try:
            return email.utils.parsedate_to_datetime(ims) >= email.utils.parsedate_to_datetime(last)
        except (TypeError, ValueError):
            return False
    return False


def gzip_quality(accept_encoding: str) -> float:
    """The q the client gives gzip (explicitly or through `*`); 0 means "never send me gzip"."""
    explicit, star = None, None
    for item in accept_encoding.split(","):
        name, *params = [p.strip() for p in item.split(";")]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = name.lower()
        if name in ("gzip", "x-gzip"):
            explicit = q if explicit is None else max(explicit, q)
        elif name == "*":
            star = q
    if explicit is not None:
        return explicit
    return star or 0.0


HTML = "text/html; charset=utf-8"


async def send_page(request: Request, state: ApiState, release: Release, key: tuple, render, filename: str,
                    vary: tuple = ()) -> Response:
    """An HTML page built from `release` (a regional profile, a PTSM review): `render()` runs once per page and
    release identity (and `vary`, e.g. the base URL its links name) in a worker thread, its body is kept in the
    response cache, and it is sent by `respond` (release headers, ETag on `key`, 304, gzip) as an inline download."""
    cache_key = (*key, release.path, getattr(release, "stamp", None), *vary)
    body = state.cache.get(cache_key)
    if body is None:
        page = await run_in_threadpool(render)
        body = page.encode("utf-8") if isinstance(page, str) else page
        state.cache.put(cache_key, body)
    return await respond(request, state, release, key, body, HTML,
                         {"Content-Disposition": f'inline; filename="{filename}"'})


async def respond(request: Request, state: ApiState, release: Release, key: tuple, body: bytes, media_type: str,
                  extra_headers: dict | None = None) -> Response:
    """Send a cached body: 304 when the client has it, gzipped (compression cached too) when large and wanted."""
    headers = release_headers(release)
    headers.update(extra_headers or {})
    tag = etag(release, key)
    headers["ETag"] = tag
    if len(body) >= GZIP_MIN_BYTES:
        headers["Vary"] = "Accept-Encoding"
    gzipped = len(body) >= GZIP_MIN_BYTES and gzip_quality(request.headers.get("accept-encoding", "")) > 0
    if gzipped:
        tag = headers["ETag"] = tag[:-1] + '-gz"'  # another representation, another strong validator
    if not_modified(request, tag, headers):
        return Response(status_code=304, headers=headers)
    if gzipped:
        gz_key = (*key, "gzip", getattr(release, "stamp", None))
        compressed = state.cache.get(gz_key)
        if compressed is None:
            compressed = await run_in_threadpool(gzip.compress, body, 6)
            state.cache.put(gz_key, compressed)
        headers["Content-Encoding"] = "gzip"
        body = compressed
    request.state.ptsm_replayable = getattr(request.state, "ptsm_mart", None)  # rendered.py may replay this answer
    token_id = getattr(request.state, "token_id", None)
    if state.byte_limiter is not None and token_id is not None:
        state.byte_limiter.charge(token_id, len(body))
    return Response(body, media_type=media_type, headers=headers)
