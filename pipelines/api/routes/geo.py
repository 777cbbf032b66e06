"""GET /v1/geo/ptsm.geojson: PTSM shapes with the indicators of ptsm_overview."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from pipelines.api import formats, geo, schemas
from pipelines.api.deps import ALL, current_release, principal, reject_unknown_params, scope_region
from pipelines.api.query import MartQuery
from pipelines.api.release import PublicationError, Release
from pipelines.api.responses import release_meta, respond
from pipelines.api.routes.marts import REGION_HELP, masked_table
from pipelines.api.state import ApiState, get_state
from pipelines.api.tokens import Principal

router = APIRouter()


@router.get("/v1/geo/ptsm.geojson",
            responses={200: {"description": "Formes des PTSM et indicateurs de ptsm_overview",
                             "content": {"application/geo+json": {
                                 "schema": schemas.GeoFeatureCollection.model_json_schema()}}},
                       **schemas.error_responses(400, 401, 403, 429, 503)},
            summary="Formes des PTSM (GeoJSON) avec leurs indicateurs")
async def ptsm_geojson(
    request: Request,
    region: str | None = Query(None, description=REGION_HELP),
    who: Principal = Depends(principal),
    release: Release = Depends(current_release),
    state: ApiState = Depends(get_state),
):
    reject_unknown_params(request, {"region"})
    if "ptsm_overview" not in release.marts:
        raise PublicationError("la publication n'a pas de mart ptsm_overview")
    state.require_mart(release, "ptsm_overview")
    request.state.ptsm_mart = "ptsm_overview"
    served_region = scope_region(state, who, region)
    key = ("geo", served_region)
    cache_key = (*key, release.path, getattr(release, "stamp", None))
    body = state.cache.get(cache_key)
    if body is None:
        query = MartQuery(mart="ptsm_overview", columns=release.columns["ptsm_overview"], region=served_region)

        def build() -> bytes:
            table, _ = query.apply(masked_table(state, release, "ptsm_overview", query))
            names = table.column_names
            rows = [
                {n: formats._json_value(v) for n, v in zip(names, row)}
                for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)))
            ]
            meta = {**release_meta(release), "region": served_region or ALL}
            return geo.feature_collection(rows, geo.ptsm_geometries(str(state.reference_dir)), meta)

        body = await run_in_threadpool(build)
        state.cache.put(cache_key, body)
    return await respond(request, state, release, key, body, "application/geo+json")
