"""FastAPI dependencies shared by the routers: who is calling, which release, which region."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipelines.api.errors import ApiError
from pipelines.api.limits import admit, client_address, retry_after
from pipelines.api.release import Release
from pipelines.api.state import ApiState, get_state
from pipelines.api.tokens import DEPOSIT, READERS, Principal

ALL = "all"
bearer = HTTPBearer(auto_error=False, description="Jeton régional ou national (`ptsm token create`).")


async def principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    state: ApiState = Depends(get_state),
) -> Principal:
    """The caller. A bad token costs its client address (RequestLimits already charged requests without one);
    a good one is limited in requests and in bytes served (charged by responses.respond)."""
    return _authenticate(request, credentials, state, READERS)


async def principal_or_depositor(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    state: ApiState = Depends(get_state),
) -> Principal:
    """As `principal`, also accepting a PTSM's deposit token: for the one route a PTSM reads, its own review."""
    return _authenticate(request, credentials, state, (*READERS, DEPOSIT))


def _authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None, state: ApiState,
                  scopes: tuple[str, ...]) -> Principal:
    if credentials is None:
        raise ApiError(401, "missing_token", "Jeton absent : envoyer `Authorization: Bearer <jeton>`.")
    found = state.tokens.verify(credentials.credentials, scopes)
    if found is None:
        if state.anonymous_limiter is not None:
            wait = state.anonymous_limiter.take(client_address(request.scope))
            if wait > 0:
                raise ApiError(429, "rate_limited_client", "Trop de jetons invalides depuis cette adresse ; "
                               "réessayer après le délai indiqué.", retry_after(wait))
        raise ApiError(401, "invalid_token", "Jeton invalide ou révoqué.")
    refusal = admit(state, found.token_id)
    if refusal is not None:
        raise refusal
    request.state.token_id = found.token_id
    return found


async def current_release(request: Request, state: ApiState = Depends(get_state)) -> Release:
    release = await state.current_release()
    request.state.ptsm_release_stamp = getattr(release, "stamp", None)  # rendered.ReplayRendered checks it
    return release


def scope_region(state: ApiState, who: Principal, region: str | None) -> str | None:
    """The region actually served (None = every region): a regional token only ever gets its own."""
    if region is None:
        return None if who.is_national else who.region
    if region == ALL:
        if not who.is_national:
            raise ApiError(403, "national_view_forbidden", "La vue nationale est réservée aux jetons nationaux.")
        return None
    if region not in state.regions:
        raise ApiError(400, "unknown_region", f"Région inconnue : {region!r} (codes INSEE, ex. 93, ou `all`).")
    if not who.is_national and region != who.region:
        raise ApiError(403, "forbidden_region", f"Ce jeton donne accès à la région {who.region} seulement.")
    return region


def reject_unknown_params(request, allowed: set[str]) -> None:
    """A typo (`?regoin=93`) must not silently return every row: unknown parameters are a 400."""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ApiError(400, "unknown_parameter",
                       f"Paramètre inconnu : {', '.join(unknown)} (acceptés : {', '.join(sorted(allowed)) or 'aucun'}).")
