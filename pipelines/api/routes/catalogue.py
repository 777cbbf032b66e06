"""GET /v1/catalogue and /v1/catalogue/datapackage.json: what is published, under which licence (no token)."""

from __future__ import annotations

import json
import os

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from pipelines.api import access, schemas
from pipelines.api.deps import current_release, reject_unknown_params
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


@router.get("/v1/catalogue/datapackage.json", responses={200: {"description": "Data Package Frictionless",
                                                               "content": {"application/json": {}}},
                                                          **schemas.error_responses(400, 503)},
            summary="Le Data Package Frictionless de la publication servie (sans jeton)")
async def datapackage_json(request: Request, release: Release = Depends(current_release),
                           state: ApiState = Depends(get_state)):
    reject_unknown_params(request, set())
    path = os.path.join(release.path, datapackage.DATAPACKAGE)

    def build() -> bytes:
        if os.path.exists(path):  # the one written into the release (older releases have none)
            with open(path, "rb") as fh:
                return fh.read()
        package = datapackage.descriptor(release.dictionary, release.marts,
                                         synthetic=bool(release.manifest.get("synthetic")))
        return json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")

    return await respond(request, state, release, ("datapackage",), await run_in_threadpool(build),
                         "application/json")
