"""GET /v1/catalogue and /v1/catalogue/datapackage.json: what is published, under which licence (no token)."""

from __future__ import annotations

import json
import os

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from pipelines.api import access, schemas
from fastapi.security import HTTPAuthorizationCredentials

from pipelines.api.deps import current_release, principal, reject_unknown_params
from pipelines.api.routes import marts
from pipelines.api.tokens import Principal
from pipelines.api.release import Release
from pipelines.api.responses import release_meta, respond
from pipelines.api.state import ApiState, get_state
from pipelines.lib.publish import datapackage
router = APIRouter()


@router.get("/v1/catalogue", response_model=schemas.Catalogue, responses=schemas.error_responses(400, 503),
            summary="Catalogue des marts : description, colonnes, licence, producteur, fréquence (sans jeton)")
async def catalogue(request: Request, release: Release = Depends(current_release),
                    state: ApiState = Depends(get_state)):
    reject_unknown_params(request, set())
    entries = datapackage.catalogue_entries(release.dictionary, release.marts)
    for entry in entries:
        entry["access"] = access.access_class(entry["name"], release.column_names(entry["name"]))
        entry["last_release"] = release.manifest.get("produced_at")
    body = {**release_meta(release), "producer": datapackage.PRODUCER,
            "update_frequency": datapackage.UPDATE_FREQUENCY, "marts": entries,
            "datapackage": "/v1/catalogue/datapackage.json"}
    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return await respond(request, state, release, ("catalogue",), encoded, "application/json")


async def optional_principal(request: Request, state: ApiState = Depends(get_state)) -> Principal | None:
    """The caller when a token is sent (then it must be valid), else None: the package is public (read from the
    header by hand, so OpenAPI does not declare the route as needing a token)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await principal(request, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token.strip()), state)


@router.get("/v1/catalogue/datapackage.json", responses={200: {"description": "Data Package Frictionless",
                                                               "content": {"application/json": {}}},
                                                          **schemas.error_responses(400, 401, 503)},
            summary="Le Data Package Frictionless de la publication servie (sans jeton ; avec un jeton, "
                    "les ressources qu'il peut lire)")
async def datapackage_json(request: Request, release: Release = Depends(current_release),
                           who: Principal | None = Depends(optional_principal),
                           state: ApiState = Depends(get_state)):
    """The release's own package, made fetchable over HTTP: each resource's `path` (`<mart>.csv`) resolves, relative
    to this URL, to `/v1/catalogue/<mart>.csv`, which serves that mart's French CSV to a token (issue 20 §3:
    `frictionless validate <url>` got 404 on every resource). With a token, only the resources it may read."""
    reject_unknown_params(request, set())
    path = os.path.join(release.path, datapackage.DATAPACKAGE)
    readable = None if who is None else sorted(
        m for m in release.marts
        if who.is_national or access.access_class(m, release.column_names(m)) != access.NATIONAL_ONLY)

    def build() -> bytes:
        if os.path.exists(path):  # the one written into the release (older releases have none)
            with open(path, "rb") as fh:
                package = json.load(fh)
        else:
            package = datapackage.descriptor(release.dictionary, release.marts,
                                             synthetic=bool(release.manifest.get("synthetic")))
        resources = []
        for resource in package.get("resources", []):
            if readable is not None and resource.get("name") not in readable:
                continue
            resource = {k: v for k, v in resource.items() if k != "scheme"}  # "file" would forbid HTTP
            resources.append(resource)
        package["resources"] = resources
        package["description"] = package.get("description", "") + (
            " Ressources servies par l'API : /v1/catalogue/<mart>.csv, avec l'en-tête "
            "`Authorization: Bearer <jeton>` (un jeton régional reçoit les lignes de sa région).")
        return json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")

    key = ("datapackage", tuple(readable) if readable is not None else None)
    cache_key = (*key, release.path, getattr(release, "stamp", None))
    body = state.cache.get(cache_key)
    if body is None:
        body = await run_in_threadpool(build)
        state.cache.put(cache_key, body)
    return await respond(request, state, release, key, body, "application/json")


@router.get("/v1/catalogue/{name}.csv",
            responses={200: {"description": "Le CSV français du mart (celui du Data Package)",
                             "content": {"text/csv": {"schema": {"type": "string"}}}},
                       **schemas.error_responses(400, 401, 403, 404, 429, 503)},
            summary="Un mart en CSV, à l'adresse que donne le Data Package (jeton requis)")
async def datapackage_resource(request: Request, name: str, who: Principal = Depends(principal),
                               release: Release = Depends(current_release), state: ApiState = Depends(get_state)):
    """`GET /v1/marts/<name>?format=csv` under the path the package names (same rows, same scope, same cache)."""
    return await marts.get_mart(request, name, region=None, ptsm=None, format="csv", select=None, limit=None,
                                offset=0, who=who, release=release, state=state)
