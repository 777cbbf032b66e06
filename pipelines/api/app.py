"""The read-only pull API for the regional observatories (ORS), over the published Parquet marts only.

It never opens the warehouse file: every request resolves the marts symlink once and reads that release
folder with an in-memory DuckDB, so a refresh can neither block it nor be blocked by it, and each response
comes from exactly one complete publication (named in the `X-PTSM-Release` header).

`create_app` only assembles: the state lives on `app.state.api` (pipelines/api/state.py), the dependencies in
deps.py, the endpoints in routes/*.py, the error answers in errors.py.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from pipelines.api import errors, geo, openapi
from pipelines.api.release import Publications
from pipelines.api.routes import catalogue, health, marts, profile, review
from pipelines.api.routes import geo as geo_routes
from pipelines.api.limits import RequestLimits
from pipelines.api.rendered import ReplayRendered
from pipelines.api.state import ApiState, RateLimiter
from pipelines.api.tokens import TokenStore, tokens_path

DEFAULT_RATE_PER_MINUTE = 600  # per token; a full regional download is about 15 requests
DEFAULT_ANONYMOUS_RATE_PER_MINUTE = 120  # per client address, without a valid token (health, catalogue, docs)
DEFAULT_BYTES_PER_MINUTE = 256 << 20  # per token: every profile and mart of the sample several times over


class HeadAsGet:
    """HEAD is answered on every GET route (FastAPI routes know GET only): same status and headers, no body."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)
        scope = dict(scope, method="GET")

        async def send_headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_headers_only)


class AllowHead:
    """A 405 names the methods that work (`Allow`), HEAD included wherever GET is."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_head(message):
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"allow" and b"GET" in value and b"HEAD" not in value:
                        value += b", HEAD"
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_head)


class NoSniff:
    """Every response says `X-Content-Type-Options: nosniff`: a browser never guesses HTML out of a CSV or an error."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_nosniff(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-content-type-options", b"nosniff")]}
            await send(message)

        await self.app(scope, receive, send_nosniff)


def create_app(marts_dir: Path, tokens_file: Path, reference_dir: Path | None = None, *,
               reports_dir: Path | None = None, rate_per_minute: int | None = None,
               anonymous_rate_per_minute: int | None = None, bytes_per_minute: int | None = None) -> FastAPI:
    """Build the API over one marts symlink and one token file (both re-read as they change).

    `rate_per_minute`: requests allowed per token; `anonymous_rate_per_minute`: requests without a valid token
    per client address; `bytes_per_minute`: bytes sent per token (None: no limit; `ptsm serve` sets all three)."""
    if reference_dir is None:
        from pipelines.lib.core.config import get_settings

        reference_dir = get_settings().reference_dir
    state = ApiState(
        publications=Publications(Path(marts_dir)),
        tokens=TokenStore(Path(tokens_file)),
        reference_dir=Path(reference_dir),
        reports_dir=Path(reports_dir) if reports_dir else None,
        rate_limiter=RateLimiter(rate_per_minute) if rate_per_minute else None,
        anonymous_limiter=RateLimiter(anonymous_rate_per_minute) if anonymous_rate_per_minute else None,
        byte_limiter=RateLimiter(bytes_per_minute) if bytes_per_minute else None,
    )
    app = FastAPI(
        title="API des observatoires régionaux PTSM",
        version="2.0.0",
        description=(
            "Lecture seule des marts PTSM publiés (dernière publication complète). "
            "Authentification : `Authorization: Bearer <jeton>` ; un jeton régional ne voit que sa région et les "
            "chiffres nationaux. Les résultats d'enquête infra-nationaux gardent leur secret statistique "
            "(aucun effectif de 1 à 4, même par différence). Données sous Licence Ouverte / Etalab 2.0 "
            "(voir /v1/catalogue)."
        ),
        license_info={"name": "Licence Ouverte / Etalab 2.0",
                      "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"},
        contact={"name": "Observatoires régionaux PTSM"},
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,  # a redirect would take its host from the client's Host header
    )
    app.state.api = state
    errors.install_handlers(app)
    for module in (health, marts, geo_routes, catalogue, profile, review):
        app.include_router(module.router)
    openapi.install(app, sorted(state.regions))

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return HTMLResponse(openapi.docs_page(app.openapi()))

    app.add_middleware(ReplayRendered, state=state)
    app.add_middleware(HeadAsGet)
    app.add_middleware(AllowHead)
    app.add_middleware(RequestLimits, anonymous=state.anonymous_limiter)
    app.add_middleware(NoSniff)
    return app


def app_from_settings() -> FastAPI:
    """Factory for `uvicorn --factory` (and several workers): paths from the project settings."""
    from pipelines.lib.core.config import get_settings

    settings = get_settings()
    def limit(name: str, default: int) -> int | None:
        return int(os.environ.get(name, default)) or None  # 0: no limit (benchmarks)

    app = create_app(settings.marts_dir, tokens_path(), settings.reference_dir, reports_dir=settings.reports_dir,
                     rate_per_minute=limit("PTSM_API_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE),
                     anonymous_rate_per_minute=limit("PTSM_API_ANONYMOUS_RATE_PER_MINUTE",
                                                     DEFAULT_ANONYMOUS_RATE_PER_MINUTE),
                     bytes_per_minute=limit("PTSM_API_BYTES_PER_MINUTE", DEFAULT_BYTES_PER_MINUTE))
    # dissolve the PTSM shapes now rather than on the first map request (about 1 s of shapely work)
    threading.Thread(target=geo.ptsm_geometries, args=(str(settings.reference_dir),), daemon=True).start()
    return app
