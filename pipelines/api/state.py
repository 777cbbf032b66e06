"""What the API holds between requests, kept on `app.state.api` so each router and dependency is testable
with any state (a fake publication, another token file) and none of them closes over `create_app`."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from pipelines.api.access import read_figure_regions
from pipelines.api.cache import ResponseCache
from pipelines.api.errors import RETRY_AFTER, ApiError
from pipelines.api.limits import RateLimiter
from pipelines.api.regions import read_regions
from pipelines.api.release import Publications, PublicationError, Release
from pipelines.api.tokens import TokenStore


@dataclass
class ApiState:
    publications: Publications
    tokens: TokenStore
    reference_dir: Path
    reports_dir: Path | None = None
    rate_limiter: RateLimiter | None = None  # requests per token
    anonymous_limiter: RateLimiter | None = None  # requests without a valid token, per client address
    byte_limiter: RateLimiter | None = None  # bytes sent per token
    cache: ResponseCache = field(default_factory=ResponseCache)  # encoded bodies (routes)
    rendered: ResponseCache = field(default_factory=ResponseCache)  # whole answers replayed (rendered.py)
    masked: ResponseCache = field(default_factory=ResponseCache)  # masked marts in memory (routes/marts.py)
    database: duckdb.DuckDBPyConnection = field(default_factory=lambda: duckdb.connect(
        config={"enable_object_cache": True}))  # in memory: Parquet only; footers kept between queries
    _broken: dict[tuple, PublicationError] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stripes: tuple = field(default_factory=lambda: tuple(threading.Lock() for _ in range(16)))

    def __post_init__(self):
        self.regions = read_regions(self.reference_dir)
        self.figure_regions = read_figure_regions(self.reference_dir)

    def building(self, key: tuple) -> threading.Lock:
        """A lock to hold while computing what `key` names once (a masked mart): the threads that ask for it at the
        same moment wait for the first one instead of each computing it (keys share 16 locks)."""
        return self._stripes[hash(key) % len(self._stripes)]

    # ---- the release being served
    async def current_release(self) -> Release:
        """The release the symlink points at; any way it is broken becomes a PublicationError (503)."""
        path = os.path.realpath(self.publications.marts_dir)
        key = self.publications.key(path)
        release = self._known(path, key)
        return release if release is not None else await run_in_threadpool(self.load_current, path, key)

    def _known(self, path: str, key: tuple) -> Release | None:
        failure = self._broken.get(key)
        if failure is not None:
            raise failure
        try:
            release = self.publications.cached(path)
        except PublicationError as exc:
            self.mark_broken(key, exc)
            raise
        if release is not None:
            release.stamp = key
        return release

    def load_current(self, path: str | None = None, key: tuple | None = None) -> Release:
        """Read (checksums included) the release at `path` once. Failures are remembered per release identity
        (path, manifest inode and mtime), like successes, so a broken release is not re-hashed on every request;
        a new publication is a new identity."""
        path = path or os.path.realpath(self.publications.marts_dir)
        key = key or self.publications.key(path)
        release = self._known(path, key)
        if release is not None:
            return release
        try:
            release = self.publications.load(path)
        except PublicationError as exc:
            self.mark_broken(key, exc)
            raise
        except Exception as exc:  # unreadable Parquet, corrupt dictionary, file named but missing...
            error = PublicationError(f"publication {os.path.basename(path)} inutilisable : {_reason(exc)}")
            self.mark_broken(key, error)
            raise error from exc
        release.stamp = key  # cache keys and ETags: a manifest rewritten in place is a new release
        return release

    def mark_broken(self, key: tuple, error: PublicationError) -> None:
        with self._lock:
            self._broken[key] = error
            while len(self._broken) > 8:
                self._broken.pop(next(iter(self._broken)))

    def require_mart(self, release: Release, mart: str) -> None:
        """A 503 for this mart alone when its file is missing or no longer the one the manifest vouches for."""
        reason = release.check_mart(mart)
        if reason is not None:
            raise mart_unavailable(release, mart, reason)

    def release_broken_now(self, release: Release, exc: Exception) -> Exception:
        """A file of a loaded release vanished or turned unreadable while being read: a mart's own file fails that
        mart only; anything else stops serving the release (503 until replaced)."""
        key = getattr(release, "stamp", None) or self.publications.key(release.path)
        if not os.path.isdir(release.path):
            return PublicationError("la publication a été remplacée pendant la requête ; réessayer")
        for mart in release.marts:
            reason = release.check_mart(mart)
            if reason is not None and mart in str(exc):
                return mart_unavailable(release, mart, reason)
        missing = sorted(name for name in (release.manifest.get("files") or {})
                         if not os.path.exists(os.path.join(release.path, name)))
        reason = f"fichier absent ({', '.join(missing)})" if missing else _reason(exc)
        error = PublicationError(f"publication {os.path.basename(release.path)} inutilisable : {reason}")
        self.mark_broken(key, error)
        return error


def mart_unavailable(release: Release, mart: str, reason: str) -> ApiError:
    return ApiError(503, "mart_unavailable", f"Mart {mart} indisponible dans la publication {release.release_id} : "
                    f"{reason}. Les autres marts restent servis.", {"Retry-After": RETRY_AFTER})


def _reason(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"fichier absent ({os.path.basename(exc.filename or '')})"
    if isinstance(exc, json.JSONDecodeError):
        return "fichier JSON illisible"
    return f"fichier illisible ({type(exc).__name__})"


async def get_state(request: Request) -> ApiState:
    """Async on purpose: FastAPI runs a plain `def` dependency in its thread pool, a thread hop on every request
    for an attribute read (issue 20 §4)."""
    return request.app.state.api
