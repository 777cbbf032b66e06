"""Functions behind `ptsm serve` and `ptsm token ...` (wired into pipelines/cli.py by its owner)."""

from __future__ import annotations

from pipelines.api import tokens
from pipelines.api.regions import read_regions
from pipelines.api.server import SERVER_OPTIONS
from pipelines.api.tokens import tokens_path
from pipelines.lib.core.config import get_settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int = 1, access_log: bool = True) -> None:
    """Serve the published marts (loopback only unless a host is given on purpose)."""
    import uvicorn

    settings = get_settings()
    print(f"API PTSM sur http://{host}:{port}/docs — marts publiés : {settings.marts_dir} ; jetons : {tokens_path()}")
    uvicorn.run("pipelines.api.app:app_from_settings", factory=True, host=host, port=port, workers=workers,
                access_log=access_log, log_level="info", **SERVER_OPTIONS)

def token_create(region: str | None = None, national: bool = False, label: str = "") -> None:
    """Create a token and print it once (last line of the output): only its salted hash is kept.

    Returns None like the other commands, so `ptsm` can exit with `func(...) or 0`.
    """
    if region is not None:
        known = read_regions(get_settings().reference_dir)
        if region not in known:
            raise SystemExit(f"Région inconnue : {region!r}. Codes : {', '.join(sorted(known))}")
    try:
        clear, record = tokens.create_token(tokens_path(), region=region, national=national, label=label)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    scope = "national" if national else f"région {region}"
    print(f"Jeton {record['id']} ({scope}) créé. Copiez-le maintenant, il ne sera plus affiché :")
    print(clear)


def token_revoke(token_id: str) -> None:
    try:
        record = tokens.revoke_token(tokens_path(), token_id)
    except KeyError:
        raise SystemExit(f"Jeton inconnu : {token_id}") from None
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    print(f"Jeton {record['id']} révoqué le {record['revoked_at']}.")


def token_list() -> None:
    try:
        records = tokens.list_tokens(tokens_path())
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    for r in records:
        state = f"révoqué le {r['revoked_at']}" if r["revoked_at"] else "actif"
        scope = "national" if r["scope"] == tokens.NATIONAL else \
            f"dépôt {r['ptsm']}" if r["scope"] == tokens.DEPOSIT else f"région {r['region']}"
        print(f"{r['id']}  {scope:<12} {state:<32} créé le {r['created_at']}  {r['label']}")
    if not records:
        print(f"Aucun jeton dans {tokens_path()}.")
