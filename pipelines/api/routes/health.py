"""GET /v1/health: what is served, and what is wrong (no token needed)."""

from __future__ import annotations

import os

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from pipelines.api import schemas
from pipelines.api.deps import reject_unknown_params
from pipelines.api.errors import RETRY_AFTER
from pipelines.api.release import PublicationError
from pipelines.api.responses import release_headers, release_meta
from pipelines.api.state import ApiState, get_state

router = APIRouter()


@router.get("/v1/health", response_model=schemas.Health, responses=schemas.error_responses(400, 503),
            summary="Publication servie et problèmes en cours (sans authentification)")
async def health(request: Request, state: ApiState = Depends(get_state)):
    """`ok`; `degraded` when the API still answers but something needs the administrator (the token file, a mart
    whose file is missing or changed);
    503 `error` when nothing can be served, naming the broken release."""
    reject_unknown_params(request, set())
    problems = []
    token_problem = state.tokens.check()
    if token_problem:
        problems.append(f"jetons : {token_problem}")
    try:
        release = await state.current_release()
    except PublicationError as exc:
        path = os.path.realpath(state.publications.marts_dir)
        body = {
            "error": {"code": "no_publication", "message": str(exc)},
            "status": "error",
            "release_id": os.path.basename(path) if os.path.exists(path) else None,
            "problems": [f"publication : {exc}", *problems],
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER})
    problems = [*release.mart_problems(), *problems]
    if state.tokens.unusable:
        status = "error"
    else:
        status = "degraded" if problems else "ok"
    body = {"status": status, **release_meta(release), "input": release.manifest.get("input"),
            "n_marts": len(release.marts), "problems": problems}
    headers = release_headers(release)
    headers["Cache-Control"] = "no-store"
    if status == "error":
        headers["Retry-After"] = RETRY_AFTER
        return JSONResponse({"error": {"code": "token_file_unreadable", "message": token_problem}, **body},
                            status_code=503, headers=headers)
    return JSONResponse(body, headers=headers)
