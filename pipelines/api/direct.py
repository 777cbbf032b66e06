"""A plain mart request answered without FastAPI's routing and dependency solving (issue 20 §4).

At 32 clients a filter no cache had seen cost ~1.5 ms of server CPU, and half of it was FastAPI resolving the
route's dependencies and query parameters per request, not the data. `/v1/marts/{name}` with each of its own
parameters given at most once and in its plain form (`format` one of csv, json, parquet; `limit` and `offset`
plain digits within the route's bounds) is answered here by `routes.marts.serve_mart`, the function the route
itself calls after the same admission as `deps.principal` (token of a reader's scope, per-token request and byte
limits): same checks, same bytes, same headers. Anything else (a repeated or malformed parameter, an error FastAPI
would word, a missing or bad token) goes to the application, which answers as before.
"""

from __future__ import annotations

from starlette.requests import Request

from pipelines.api.errors import ApiError, api_error_response, publication_error_response
from pipelines.api.limits import admit
from pipelines.api.query import MAX_LIMIT, MAX_OFFSET
from pipelines.api.release import PublicationError, Release
from pipelines.api.state import ApiState
from pipelines.api.tokens import Principal

PREFIX = "/v1/marts/"
FORMATS = ("csv", "json", "parquet")
SINGLE = ("region", "ptsm", "format", "select", "limit", "offset")  # the route's own parameters


def _bounded_int(text: str, high: int) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and int(text) <= high else None


def mart_request(scope) -> dict | None:
    """The route's arguments when this request is a plain `GET /v1/marts/{name}`; None sends it to the app."""
    name = scope["path"][len(PREFIX):] if scope["path"].startswith(PREFIX) else ""
    if not name or "/" in name:
        return None
    params = Request(scope).query_params
    values = {}
    for key in SINGLE:
        found = params.getlist(key)
        if len(found) > 1:
            return None
        values[key] = found[0] if found else None
    fmt = values["format"] if values["format"] is not None else "json"
    if fmt not in FORMATS:
        return None
    limit = offset = 0
    if values["limit"] is not None and (limit := _bounded_int(values["limit"], MAX_LIMIT)) is None:
        return None
    if values["offset"] is not None and (offset := _bounded_int(values["offset"], MAX_OFFSET)) is None:
        return None
    return {"name": name, "region": values["region"], "ptsm": values["ptsm"], "format": fmt,
            "select": values["select"], "limit": None if values["limit"] is None else limit, "offset": offset}


async def serve(scope, receive, send, state: ApiState, who: Principal, release: Release, args: dict) -> None:
    """Answer a request `mart_request` accepted, as the route would (errors included)."""
    from pipelines.api.routes.marts import serve_mart  # routes import this package's modules, not the reverse

    request = Request(scope, receive)
    refusal = admit(state, who.token_id)
    if refusal is not None:
        return await api_error_response(refusal)(scope, receive, send)
    request.state.token_id = who.token_id
    request.state.ptsm_release_stamp = getattr(release, "stamp", None)  # as deps.current_release
    try:
        response = await serve_mart(request, state, release, who, **args)
    except ApiError as exc:
        response = api_error_response(exc)
    except PublicationError as exc:
        response = publication_error_response(exc)
    await response(scope, receive, send)
