"""GET /v1/ptsm/{ptsm_id}/review: one PTSM's annual review (issue 24), a French HTML page that opens alone offline.

Who may read it (`may_read_review`, the one place of the rule): a national token, any PTSM; a regional token, the
PTSM of its region only; a PTSM's deposit token (the deposit portal, when it exists), that PTSM only (`ptsm token create
--ptsm PTSM-35 --deposit`: the only API route a deposit token may call).
The page is rendered from the release on the first request (pipelines/lib/reviews) and kept in the response cache
for that release."""

from __future__ import annotations

import re
from functools import partial

from fastapi import APIRouter, Depends, Request

from pipelines.api import schemas
from pipelines.api.access import reads_region
from pipelines.api.deps import current_release, principal_or_depositor, reject_unknown_params
from pipelines.api.errors import ApiError
from pipelines.api.release import Release
from pipelines.api.responses import send_page
from pipelines.api.state import ApiState, get_state
from pipelines.api.tokens import DEPOSIT, Principal
from pipelines.lib.reviews.ptsm_reviews import standalone_review

router = APIRouter()
PTSM_ID = re.compile(r"^PTSM-[0-9A-Z]{1,4}(?:-[A-Z]{1,5})?$")


def may_read_review(who: Principal, ptsm_id: str, ptsm_region: str) -> bool:
    """National: every PTSM; regional: its region's; a deposit token (a principal carrying `ptsm_id`): its own."""
    if who.scope == DEPOSIT:
        return who.ptsm is not None and who.ptsm == ptsm_id
    return reads_region(who, ptsm_region)  # the regional profile's rule


@router.get("/v1/ptsm/{ptsm_id}/review",
            responses={200: {"description": "Bilan annuel du PTSM (HTML autonome, en français)",
                             "content": {"text/html": {"schema": {"type": "string"}}}},
                       **schemas.error_responses(400, 401, 403, 404, 429, 503)},
            summary="Bilan annuel d'un PTSM (HTML) : jeton national, jeton de sa région ou jeton de dépôt du PTSM")
async def ptsm_review(request: Request, ptsm_id: str, who: Principal = Depends(principal_or_depositor),
                      release: Release = Depends(current_release), state: ApiState = Depends(get_state)):
    reject_unknown_params(request, set())
    pid = ptsm_id.upper()
    region = release.regions_of_ptsm.get(pid) if PTSM_ID.match(pid) else None
    if region is None:
        raise ApiError(404, "unknown_ptsm", f"PTSM inconnu de cette publication : {ptsm_id[:40]!r} (ex. PTSM-35).")
    if not may_read_review(who, pid, region):
        raise ApiError(403, "forbidden_ptsm", "Ce jeton ne donne pas accès au bilan de ce PTSM "
                                              "(jeton régional : PTSM de sa région ; jeton de dépôt : son PTSM).")
    return await send_page(request, state, release, ("review", pid),
                           partial(standalone_review, release.path, pid, reference_dir=state.reference_dir),
                           f"bilan_{pid}.html")
