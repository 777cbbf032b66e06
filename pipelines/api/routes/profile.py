"""GET /v1/regions/{code}/profile: the region's HTML profile rendered with the release (helper "trends").

The page in the release loads the reports folder's shared plotly.js; the one sent here travels alone, so it is
`standalone_profile`'s whole page (plotly.js inline), built once per release identity and kept in the response
cache: ~5 MB assembled per request would cost every download a file read and a copy."""

from __future__ import annotations

import os
from functools import partial

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from pipelines.api import schemas
from pipelines.api.access import reads_region
from pipelines.api.deps import current_release, principal, reject_unknown_params
from pipelines.api.errors import ApiError
from pipelines.api.release import PublicationError, Release
from pipelines.api.responses import send_page
from pipelines.api.state import ApiState, get_state
from pipelines.api.tokens import Principal
from pipelines.lib.reports.regional_profiles import standalone_profile

router = APIRouter()
PROFILE_DIR = ("reports", "regions")


def profile_path(state: ApiState, release: Release, code: str) -> str | None:
    """The profile inside the release (`reports/regions/<code>.html`), else in the reports folder."""
    candidates = [os.path.join(release.path, *PROFILE_DIR, f"{code}.html")]
    if state.reports_dir is not None:
        candidates.append(os.path.join(state.reports_dir, "regions", f"{code}.html"))
    return next((p for p in candidates if os.path.isfile(p)), None)


def api_data_link(base_url: str):
    """A profile downloaded from the API points its data links at the API (same token), not at the site's folder:
    `<mart>.csv` -> `/v1/marts/<mart>?format=csv`, the dictionary -> `/v1/dictionary`."""
    def link(name: str) -> str:
        stem, _, suffix = name.rpartition(".")
        if not name:  # the publication's data as a whole: the catalogue of what this token may read
            return f"{base_url}v1/catalogue"
        if name == "DICTIONNAIRE.md":
            return f"{base_url}v1/dictionary"
        return f"{base_url}v1/marts/{stem}?format={suffix}"
    return link


def release_folder_of(path: str) -> str | None:
    """The release folder a rendered page lives in (`<release>/.reports-<n>/regions/<code>.html`), if any."""
    folder = os.path.dirname(os.path.realpath(path))
    for _ in range(4):
        if os.path.isfile(os.path.join(folder, "manifest.json")):
            return folder
        folder = os.path.dirname(folder)
    return None


def profile_source(state: ApiState, release: Release, code: str) -> tuple[Release, str] | None:
    """The page and the release it was rendered with, so body, headers and ETag name the same publication.

    After `ptsm refresh --no-reports` the served release has no pages and the reports folder still holds the
    previous release's: that page is sent with the previous release's headers (issue 20 §3: it went out under the
    new release's name). A page that belongs to no known release is not sent."""
    path = profile_path(state, release, code)
    if path is None:
        return None
    folder = release_folder_of(path)
    if folder is None:
        return None
    if os.path.realpath(folder) == os.path.realpath(release.path):
        return release, path
    try:
        return state.publications.load(folder), path
    except PublicationError:
        return None


@router.get("/v1/regions/{code}/profile",
            responses={200: {"description": "Profil régional (HTML autonome, en français)",
                             "content": {"text/html": {"schema": {"type": "string"}}}},
                       **schemas.error_responses(400, 401, 403, 404, 429, 503)},
            summary="Profil régional PTSM (HTML) : la région du jeton, ou toute région pour un jeton national")
async def region_profile(request: Request, code: str, who: Principal = Depends(principal),
                         release: Release = Depends(current_release), state: ApiState = Depends(get_state)):
    reject_unknown_params(request, set())
    if code not in state.regions:  # also keeps `code` a known literal before it touches a path
        raise ApiError(404, "unknown_region", f"Région inconnue : {code!r} (codes INSEE, ex. 93).")
    if not reads_region(who, code):
        raise ApiError(403, "forbidden_region", f"Ce jeton donne accès à la région {who.region} seulement.")
    source = await run_in_threadpool(profile_source, state, release, code)
    if source is None:
        raise ApiError(404, "profile_not_rendered",
                       f"Le profil de la région {code} n'a pas été produit avec cette publication.")

    release, path = source  # the release the page was rendered with decides its cache key and ETag
    base_url = str(request.base_url)  # the page's data links name this server (api_data_link): one body per base URL
    return await send_page(request, state, release, ("profile", code),
                           partial(standalone_profile, path, api_data_link(base_url)), f"profil_region_{code}.html",
                           vary=(base_url,))
