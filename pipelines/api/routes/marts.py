"""The marts: list, data dictionary, and one mart's rows (filters, fields, pages) in CSV, JSON or Parquet."""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import urlencode

import duckdb
import pyarrow as pa
from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from pipelines.api import access, formats, schemas
from pipelines.api.deps import ALL, current_release, principal, reject_unknown_params, scope_region
from pipelines.api.errors import ApiError
from pipelines.api.query import MAX_OFFSET, RESERVED, MartQuery, QueryError
from pipelines.api.release import Release
from pipelines.api.responses import release_meta, respond
from pipelines.api.state import ApiState, get_state
from pipelines.api.tokens import Principal

router = APIRouter()
Format = Literal["csv", "json", "parquet"]
REGION_HELP = "Code région INSEE (ex. 93) ; `all` = vue nationale (jeton national). Défaut : la région du jeton."
MART_CONTENT = {
    "application/json": {"schema": schemas.MartRows.model_json_schema(ref_template="#/components/schemas/{model}")},
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
}


@router.get("/v1/marts", response_model=schemas.MartList, responses=schemas.error_responses(400, 401, 503),
            summary="Liste des marts et de leurs descriptions")
async def list_marts(request: Request, who: Principal = Depends(principal),
                     release: Release = Depends(current_release), state: ApiState = Depends(get_state)):
    reject_unknown_params(request, set())
    items = []
    for name in release.marts:
        entry = release.dictionary.get(name, {})
        columns = release.column_names(name)
        kind = access.access_class(name, columns)
        items.append({
            "name": name,
            "description": entry.get("description"),
            "grain": entry.get("grain"),
            "regional": kind == access.REGIONAL,
            "national_only": kind == access.NATIONAL_ONLY,
            "accessible": who.is_national or kind != access.NATIONAL_ONLY,
            "columns": columns,
            "formats": ["csv", "json", "parquet"],
        })
    body = json.dumps({**release_meta(release), "marts": items}, ensure_ascii=False).encode("utf-8")
    return await respond(request, state, release, ("marts", who.is_national), body, "application/json")


@router.get("/v1/dictionary", response_model=schemas.Dictionary, responses=schemas.error_responses(400, 401, 503),
            summary="Dictionnaire des données (description de chaque mart et colonne)")
async def dictionary(request: Request, who: Principal = Depends(principal),
                     release: Release = Depends(current_release), state: ApiState = Depends(get_state)):
    reject_unknown_params(request, set())
    cache_key = ("dictionary", release.path, getattr(release, "stamp", None))
    body = state.cache.get(cache_key)
    if body is None:
        body = json.dumps({"release_id": release.release_id, "marts": release.dictionary},
                          ensure_ascii=False).encode("utf-8")
        state.cache.put(cache_key, body)
    return await respond(request, state, release, ("dictionary",), body, "application/json")


def relation_name(mart: str) -> str:
    return f"mart_{mart}"


def fetch(state: ApiState, release: Release, sql: str, params: list, arrow: bool = True, mart: str | None = None):
    """Run one query on its own cursor; `mart`: register the release's verified table of that mart under
    relation_name(mart) first (the query reads memory, not the file)."""
    cursor = state.database.cursor()
    try:
        if mart is not None:
            cursor.register(relation_name(mart), release.table(mart))
        relation = cursor.sql(sql, params=params)
        return relation.to_arrow_table() if arrow else relation.fetchall()
    except (duckdb.IOException, duckdb.InvalidInputException, OSError, pa.ArrowException) as exc:
        raise state.release_broken_now(release, exc) from exc
    finally:
        cursor.close()


def masked_table(state: ApiState, release: Release, mart: str, query: MartQuery) -> pa.Table:
    """The mart with its small cells masked (access.masked_columns, in SQL), computed once per release from the
    release's verified table; each request then only selects rows in memory (MartQuery.apply): a DuckDB query
    costs milliseconds of planning, which made every filter no cache had seen cost ~4 ms (issue 20 §4)."""
    table = cached_masked_table(state, release, mart)
    if table is None:
        with state.building(_masked_key(release, mart)):  # 32 first requests after a switch: one computes it
            table = cached_masked_table(state, release, mart)
            if table is None:
                table = fetch(state, release, query.masked_sql(relation_name(mart)), [], mart=mart)
                state.masked.put(_masked_key(release, mart), table, size=table.nbytes)
    return table


def _masked_key(release: Release, mart: str) -> tuple:
    return ("masked", mart, release.path, getattr(release, "stamp", None))


def cached_masked_table(state: ApiState, release: Release, mart: str) -> pa.Table | None:
    """The masked mart if this release already computed it, else None (masked_table computes it)."""
    return state.masked.get(_masked_key(release, mart))


def _page_link(request: Request, offset: int) -> str:
    """Relative links (path and query only): never built from the Host header a client sends."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"] + [("offset", str(offset))]
    return f"{request.url.path}?{urlencode(params)}"


def build_query(state: ApiState, release: Release, who: Principal, request: Request, name: str,
                region: str | None, ptsm: str | None, select: str | None, limit: int | None,
                offset: int) -> tuple[MartQuery, str | None]:
    """Check a mart request against the token and the mart's columns; the query and the region served."""
    if name not in release.marts:
        raise ApiError(404, "unknown_mart", f"Mart inconnu : {name!r}. Voir GET /v1/marts.")
    state.require_mart(release, name)
    request.state.ptsm_mart = name  # a replayed answer re-checks this mart's file (rendered.py)
    columns = release.columns[name]
    names = [n for n, _ in columns]
    kind = access.access_class(name, names)
    if kind == access.NATIONAL_ONLY and not who.is_national:
        raise ApiError(403, "national_only", f"Le mart {name} est réservé aux jetons nationaux.")
    if kind != access.REGIONAL and region is not None:
        raise ApiError(400, "not_regional", f"Le mart {name} est un agrégat national : pas de filtre région.")
    if ptsm is not None and "ptsm_id" not in names:
        raise ApiError(400, "not_by_ptsm", f"Le mart {name} n'a pas de colonne ptsm_id.")
    allowed = set(RESERVED) | set(names)
    if kind != access.REGIONAL:
        allowed.discard("region")
    if "ptsm_id" not in names:
        allowed.discard("ptsm")
    reject_unknown_params(request, allowed)
    if kind == access.REGIONAL:
        served_region = scope_region(state, who, region)
        if not who.is_national and served_region != who.region:  # belt and braces
            raise ApiError(403, "forbidden_region", "Accès limité à la région du jeton.")
    else:
        served_region = None
    if ptsm is not None:
        ptsm_region = release.regions_of_ptsm.get(ptsm)
        if ptsm_region is None:
            raise ApiError(400, "unknown_ptsm", f"PTSM inconnu : {ptsm!r} (ex. PTSM-13).")
        if not who.is_national and ptsm_region != who.region:
            raise ApiError(403, "forbidden_region", f"Le PTSM {ptsm} n'est pas dans la région {who.region}.")
        if served_region is not None and ptsm_region != served_region:
            raise ApiError(400, "ptsm_not_in_region", f"Le PTSM {ptsm} n'est pas dans la région {served_region}.")
    figure_ids = None
    if name == access.FIGURES_MART and not who.is_national:
        figure_ids = access.figures_for_region(state.figure_regions, who.region)
    filters = {k: request.query_params.getlist(k) for k in request.query_params if k not in RESERVED}
    fields = None
    if select is not None:
        # duplicates removed (first occurrence kept): `select=n,n,n...` must not widen the result or the cache key
        fields = list(dict.fromkeys(f.strip() for f in select.split(",")))
        if not all(fields):
            raise ApiError(400, "bad_select", "select : liste de colonnes séparées par des virgules (ex. select=ptsm_id,n).")
    query = MartQuery(mart=name, columns=columns, region=served_region, figure_ids=figure_ids, ptsm=ptsm, filters=filters,
                      select=fields, limit=limit, offset=offset)
    try:
        query.validate()
        query.sql(release.parquet(name))  # parses every filter value against its column's type
    except QueryError as exc:
        raise ApiError(400, "bad_filter", f"Requête invalide : {exc}.") from exc
    return query, served_region


@router.get("/v1/marts/{name}",
            responses={200: {"description": "Lignes du mart", "content": MART_CONTENT},
                       **schemas.error_responses(400, 401, 403, 404, 429, 503)},
            summary="Un mart, filtré par région, PTSM ou colonne, en CSV (Excel français), JSON ou Parquet")
async def get_mart(
    request: Request,
    name: str,
    region: str | None = Query(None, description=REGION_HELP),
    ptsm: str | None = Query(None, description="Identifiant PTSM (ex. PTSM-13)."),
    format: Format = Query("json", description="csv (Excel français), json ou parquet"),
    select: str | None = Query(None, description="Colonnes à garder, séparées par des virgules (ex. ptsm_id,n)."),
    limit: int | None = Query(None, ge=0, le=100_000, description="Nombre de lignes au plus (pagination)."),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="Lignes à sauter (pagination)."),
    who: Principal = Depends(principal),
    release: Release = Depends(current_release),
    state: ApiState = Depends(get_state),
):
    return await serve_mart(request, state, release, who, name, region, ptsm, format, select, limit, offset)


INLINE_CELLS = 5_000  # a page this small is formatted on the event loop (well under a millisecond): no thread hop


async def serve_mart(request: Request, state: ApiState, release: Release, who: Principal, name: str,
                     region: str | None, ptsm: str | None, format: str, select: str | None, limit: int | None,
                     offset: int):
    """One mart request once its parameters are parsed: the route above and the direct path for simple requests
    (pipelines/api/direct.py) both answer with this, so both apply the same checks and send the same bytes."""
    query, served_region = build_query(state, release, who, request, name, region, ptsm, select, limit, offset)
    key = ("mart", name, served_region, ptsm, tuple(query.figure_ids or ()), tuple(sorted(
        (k, tuple(v)) for k, v in query.filters.items())), tuple(query.select or ()), limit, offset, format)
    cache_key = (*key, release.path, getattr(release, "stamp", None))
    body = state.cache.get(cache_key)
    if body is None:
        meta = {"mart": name, **release_meta(release), "region": served_region or ALL, "ptsm": ptsm}

        def encode(table: pa.Table, total: int) -> bytes:
            if format == "csv":
                return formats.to_csv(table)
            if format == "parquet":
                return formats.to_parquet(table, meta)
            page = {"total": total, "limit": limit, "offset": offset, "links": {}}
            if limit is not None:
                if offset + limit < total:
                    page["links"]["next"] = _page_link(request, offset + limit)
                if offset > 0:
                    page["links"]["prev"] = _page_link(request, max(0, offset - limit))
            return formats.to_json(table, {**meta, **page})

        masked = cached_masked_table(state, release, name)
        if masked is None:  # first request of this mart in this release: DuckDB masks it, in a worker thread
            body = await run_in_threadpool(lambda: encode(*query.apply(masked_table(state, release, name, query))))
        else:  # a filter no cache has seen: a vectorised selection in memory, then the page's encoding
            table, total = query.apply(masked)
            if table.num_rows * max(1, table.num_columns) <= INLINE_CELLS:
                body = encode(table, total)
            else:
                body = await run_in_threadpool(encode, table, total)
        state.cache.put(cache_key, body)
    headers = {}
    if format != "json":
        suffix = served_region or "national"
        headers["Content-Disposition"] = f'attachment; filename="{name}_{suffix}.{format}"'
    return await respond(request, state, release, key, body, formats.MEDIA_TYPES[format], headers)
