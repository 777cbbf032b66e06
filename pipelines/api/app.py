"""The read-only pull API for the regional observatories (ORS), over the published Parquet marts only.

It never opens the warehouse file: every request resolves the marts symlink once and reads that release
folder with an in-memory DuckDB, so a refresh can neither block it nor be blocked by it, and each response
comes from exactly one complete publication (named in the `X-PTSM-Release` header).
"""

from __future__ import annotations

import copy
import csv
import gzip
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Literal

import duckdb
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelines.api import formats, geo, schemas
from pipelines.api.release import Publications, PublicationError, Release
from pipelines.api.tokens import Principal, TokenStore
from pipelines.lib.mart_access import NEVER, access_class

log = logging.getLogger("ptsm.api")

SUPPRESSED_COLUMNS = ("n", "share")  # masked where a sub-national survey cell is suppressed
SUPPRESSION_THRESHOLD = 5
ALL = "all"
GZIP_MIN_BYTES = 32 << 10  # the national GeoJSON is 3.5 MB raw, about 1 MB gzipped
Format = Literal["csv", "json", "parquet"]
REGION_HELP = "Code région INSEE (ex. 93) ; `all` = vue nationale (jeton national). Défaut : la région du jeton."


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class ResponseCache:
    """Encoded bodies per (release folder, request); release folders never change, so entries never go stale."""

    def __init__(self, max_bytes: int = 256 << 20):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)


def _read_regions(reference_dir: Path) -> dict[str, str]:
    with open(reference_dir / "regions.csv", encoding="utf-8", newline="") as fh:
        return {row["region_code"]: row["region_nom"] for row in csv.DictReader(fh)}


def mart_select(release: Release, mart: str, region: str | None, ptsm: str | None) -> tuple[str, list]:
    """The one query: identifiers come from the Parquet schema, every user value is a parameter."""
    columns = release.column_names(mart)
    suppressible = "suppressed" in columns and "n" in columns
    hidden = f'("suppressed" is distinct from false or coalesce("n" < {SUPPRESSION_THRESHOLD}, false))'
    select = []
    for name in columns:
        if suppressible and name in SUPPRESSED_COLUMNS:
            select.append(f"case when {hidden} then null else {_quote(name)} end as {_quote(name)}")
        elif suppressible and name == "suppressed":
            select.append(f'{hidden} as "suppressed"')
        else:
            select.append(_quote(name))
    sql = f"select {', '.join(select)} from read_parquet(?)"
    params: list = [release.parquet(mart)]
    where = []
    if region is not None:
        where.append('"region_code" = ?')
        params.append(region)
    if ptsm is not None:
        where.append('"ptsm_id" = ?')
        params.append(ptsm)
    if where:
        sql += " where " + " and ".join(where)
    return sql, params


def create_app(marts_dir: Path, tokens_file: Path, reference_dir: Path | None = None) -> FastAPI:
    """Build the API over one marts symlink and one token file (both re-read as they change)."""
    if reference_dir is None:
        from pipelines.lib.config import get_settings

        reference_dir = get_settings().reference_dir
    reference_dir = Path(reference_dir)
    publications = Publications(Path(marts_dir))
    store = TokenStore(Path(tokens_file))
    regions = _read_regions(reference_dir)
    region_enum = sorted(regions) + [ALL]
    cache = ResponseCache()
    database = duckdb.connect()  # in memory: reads Parquet files, never the warehouse
    bearer = HTTPBearer(auto_error=False, description="Jeton régional ou national (`ptsm token create`).")

    app = FastAPI(
        title="API des observatoires régionaux PTSM",
        version="1.0.0",
        description=(
            "Lecture seule des marts PTSM publiés (dernière publication complète). "
            "Authentification : `Authorization: Bearer <jeton>` ; un jeton régional ne voit que sa région. "
            "Les résultats d'enquête infra-nationaux gardent leur secret statistique (n < 5 masqué)."
        ),
    )

    # ---- errors: always JSON, never a stack trace
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _error(exc.status, exc.code, exc.message, headers)

    @app.exception_handler(PublicationError)
    async def _publication_error(request: Request, exc: PublicationError):
        return _error(503, "no_publication", str(exc), {"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        problems = []
        code = "bad_request"
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())[1:]) or "requête"
            if field == "format":
                code = "bad_format"
                problems.append("format doit valoir csv, json ou parquet")
            else:
                problems.append(f"{field} : {err.get('msg', 'valeur invalide')}")
        return _error(400, code, "Requête invalide : " + " ; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        codes = {404: "not_found", 405: "method_not_allowed"}
        message = "Ressource inconnue" if exc.status_code == 404 else str(exc.detail)
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return _error(500, "internal_error", "Erreur interne ; elle a été journalisée côté serveur.")

    # ---- shared steps
    async def principal(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        if credentials is None:
            raise ApiError(401, "missing_token", "Jeton absent : envoyer `Authorization: Bearer <jeton>`.")
        found = store.verify(credentials.credentials)
        if found is None:
            raise ApiError(401, "invalid_token", "Jeton invalide ou révoqué.")
        return found

    async def current_release() -> Release:
        path = os.path.realpath(publications.marts_dir)
        cached = publications.cached(path)
        return cached if cached is not None else await run_in_threadpool(publications.load, path)

    def scope_region(who: Principal, region: str | None) -> str | None:
        """The region actually served (None = every region): a regional token only ever gets its own."""
        if region is None:
            return None if who.is_national else who.region
        if region == ALL:
            if not who.is_national:
                raise ApiError(403, "national_view_forbidden", "La vue nationale est réservée aux jetons nationaux.")
            return None
        if region not in regions:
            raise ApiError(400, "unknown_region", f"Région inconnue : {region!r} (codes INSEE, ex. 93, ou `all`).")
        if not who.is_national and region != who.region:
            raise ApiError(403, "forbidden_region", f"Ce jeton donne accès à la région {who.region} seulement.")
        return region

    def release_headers(release: Release) -> dict[str, str]:
        return {
            "X-PTSM-Release": release.release_id,
            "X-PTSM-Synthetic": "true" if release.manifest.get("synthetic") else "false",
            "Cache-Control": "private, no-store",
        }

    def release_meta(release: Release) -> dict:
        return {
            "release_id": release.release_id,
            "produced_at": release.manifest.get("produced_at"),
            "synthetic": bool(release.manifest.get("synthetic")),
        }

    def query(release: Release, mart: str, region: str | None, ptsm: str | None):
        sql, params = mart_select(release, mart, region, ptsm)
        cursor = database.cursor()
        try:
            return cursor.sql(sql, params=params).to_arrow_table()
        except duckdb.IOException as exc:
            if not os.path.isdir(release.path):  # the publisher removed this release after we resolved it
                raise PublicationError("la publication a été remplacée pendant la requête ; réessayer") from exc
            raise
        finally:
            cursor.close()

    def accepts_gzip(request: Request) -> bool:
        for item in request.headers.get("accept-encoding", "").split(","):
            name, _, params = item.strip().partition(";")
            if name.strip().lower() == "gzip" and params.replace(" ", "") not in ("q=0", "q=0.0"):
                return True
        return False

    async def respond(request: Request, key: tuple, body: bytes, media_type: str, headers: dict) -> Response:
        """Send a cached body, gzipped (and that compression cached too) when it is large and the client agrees."""
        if len(body) >= GZIP_MIN_BYTES:
            headers["Vary"] = "Accept-Encoding"
            if accepts_gzip(request):
                compressed = cache.get(key + ("gzip",))
                if compressed is None:
                    compressed = await run_in_threadpool(gzip.compress, body, 6)
                    cache.put(key + ("gzip",), compressed)
                headers["Content-Encoding"] = "gzip"
                body = compressed
        return Response(body, media_type=media_type, headers=headers)

    # ---- endpoints
    @app.get("/v1/health", response_model=schemas.Health, responses=schemas.error_responses(503),
             summary="Publication servie (sans authentification)")
    async def health():
        release = await current_release()
        body = {"status": "ok", **release_meta(release), "input": release.manifest.get("input"),
                "n_marts": len(release.marts)}
        return JSONResponse(body, headers=release_headers(release))

    @app.get("/v1/marts", response_model=schemas.MartList, responses=schemas.error_responses(401, 503),
             summary="Liste des marts et de leurs descriptions")
    async def list_marts(who: Principal = Depends(principal)):
        release = await current_release()
        items = []
        for name in release.marts:
            entry = release.dictionary.get(name, {})
            national_only = access_class(name) == NEVER
            items.append({
                "name": name,
                "description": entry.get("description"),
                "grain": entry.get("grain"),
                "regional": "region_code" in release.column_names(name),
                "national_only": national_only,
                "accessible": who.is_national or not national_only,
                "columns": release.column_names(name),
                "formats": ["csv", "json", "parquet"],
            })
        return JSONResponse({**release_meta(release), "marts": items}, headers=release_headers(release))

    @app.get("/v1/dictionary", response_model=schemas.Dictionary, responses=schemas.error_responses(401, 503),
             summary="Dictionnaire des données (description de chaque mart et colonne)")
    async def dictionary(who: Principal = Depends(principal)):
        release = await current_release()
        return JSONResponse({"release_id": release.release_id, "marts": release.dictionary},
                            headers=release_headers(release))

    mart_content = {
        "application/json": {"schema": schemas.MartRows.model_json_schema(ref_template="#/components/schemas/{model}")},
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
    }

    @app.get("/v1/marts/{name}",
             responses={200: {"description": "Lignes du mart", "content": mart_content},
                        **schemas.error_responses(400, 401, 403, 404, 503)},
             summary="Un mart, filtré par région et PTSM, en CSV (Excel français), JSON ou Parquet")
    async def get_mart(
        request: Request,
        name: str,
        region: str | None = Query(None, description=REGION_HELP),
        ptsm: str | None = Query(None, description="Identifiant PTSM (ex. PTSM-13)."),
        format: Format = Query("json", description="csv (Excel français), json ou parquet"),
        who: Principal = Depends(principal),
    ):
        release = await current_release()
        if name not in release.marts:
            raise ApiError(404, "unknown_mart", f"Mart inconnu : {name!r}. Voir GET /v1/marts.")
        if access_class(name) == NEVER and not who.is_national:  # may carry raw values from the exports
            raise ApiError(403, "national_only", f"Le mart {name} est réservé aux jetons nationaux.")
        columns = release.column_names(name)
        if "region_code" in columns:
            served_region = scope_region(who, region)
            if not who.is_national and served_region != who.region:  # belt and braces
                raise ApiError(403, "forbidden_region", "Accès limité à la région du jeton.")
        elif region is not None:
            raise ApiError(400, "not_regional", f"Le mart {name} est un agrégat national : pas de filtre région.")
        else:
            served_region = None
        if ptsm is not None:
            if "ptsm_id" not in columns:
                raise ApiError(400, "not_by_ptsm", f"Le mart {name} n'a pas de colonne ptsm_id.")
            ptsm_region = release.regions_of_ptsm.get(ptsm)
            if ptsm_region is None:
                raise ApiError(400, "unknown_ptsm", f"PTSM inconnu : {ptsm!r} (ex. PTSM-13).")
            if not who.is_national and ptsm_region != who.region:
                raise ApiError(403, "forbidden_region", f"Le PTSM {ptsm} n'est pas dans la région {who.region}.")
            if served_region is not None and ptsm_region != served_region:
                raise ApiError(400, "ptsm_not_in_region", f"Le PTSM {ptsm} n'est pas dans la région {served_region}.")

        key = ("mart", release.path, name, served_region, ptsm, format)
        body = cache.get(key)
        if body is None:
            meta = {"mart": name, **release_meta(release), "region": served_region or ALL, "ptsm": ptsm}

            def build() -> bytes:
                table = query(release, name, served_region, ptsm)
                if format == "csv":
                    return formats.to_csv(table)
                if format == "parquet":
                    return formats.to_parquet(table, meta)
                return formats.to_json(table, meta)

            body = await run_in_threadpool(build)
            cache.put(key, body)
        headers = release_headers(release)
        if format != "json":
            suffix = served_region or "national"
            headers["Content-Disposition"] = f'attachment; filename="{name}_{suffix}.{format}"'
        return await respond(request, key, body, formats.MEDIA_TYPES[format], headers)

    @app.get("/v1/geo/ptsm.geojson",
             responses={200: {"description": "Formes des PTSM et indicateurs de ptsm_overview",
                              "content": {"application/geo+json": {"schema": schemas.GeoFeatureCollection.model_json_schema()}}},
                        **schemas.error_responses(400, 401, 403, 503)},
             summary="Formes des PTSM (GeoJSON) avec leurs indicateurs")
    async def ptsm_geojson(
        request: Request,
        region: str | None = Query(None, description=REGION_HELP),
        who: Principal = Depends(principal),
    ):
        release = await current_release()
        if "ptsm_overview" not in release.marts:
            raise PublicationError("la publication n'a pas de mart ptsm_overview")
        served_region = scope_region(who, region)
        key = ("geo", release.path, served_region)
        body = cache.get(key)
        if body is None:
            def build() -> bytes:
                table = query(release, "ptsm_overview", served_region, None)
                names = table.column_names
                rows = [
                    {n: formats._json_value(v) for n, v in zip(names, row)}
                    for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)))
                ]
                meta = {**release_meta(release), "region": served_region or ALL}
                return geo.feature_collection(rows, geo.ptsm_geometries(str(reference_dir)), meta)

            body = await run_in_threadpool(build)
            cache.put(key, body)
        return await respond(request, key, body, "application/geo+json", release_headers(release))

    base_openapi = app.openapi

    def openapi_with_current_values() -> dict:
        """The description lists the marts and PTSM of the release being served (so clients and fuzzers
        see real values); FastAPI's cached schema is copied, never mutated."""
        schema = copy.deepcopy(base_openapi())
        values = {"region": region_enum}
        try:
            release = publications.current()
            values.update(name=release.marts, ptsm=sorted(release.regions_of_ptsm))
        except PublicationError:
            pass
        for path in ("/v1/marts/{name}", "/v1/geo/ptsm.geojson"):
            for parameter in schema["paths"][path]["get"]["parameters"]:
                if values.get(parameter["name"]):
                    target = parameter["schema"]
                    target = next((s for s in target.get("anyOf", []) if s.get("type") == "string"), target)
                    target["enum"] = values[parameter["name"]]
        return schema

    app.openapi = openapi_with_current_values
    return app


def app_from_settings() -> FastAPI:
    """Factory for `uvicorn --factory` (and several workers): paths from the project settings."""
    from pipelines.api.cli import tokens_path
    from pipelines.lib.config import get_settings

    settings = get_settings()
    app = create_app(settings.marts_dir, tokens_path(), settings.reference_dir)
    # dissolve the PTSM shapes now rather than on the first map request (about 1 s of shapely work)
    threading.Thread(target=geo.ptsm_geometries, args=(str(settings.reference_dir),), daemon=True).start()
    return app
