"""`ptsm portal` and `ptsm token create --ptsm PTSM-35 --deposit`."""

from __future__ import annotations


from pipelines.api import tokens
from pipelines.api.server import SERVER_OPTIONS
from pipelines.api.tokens import tokens_path
from pipelines.lib.core.config import get_settings
from pipelines.portal.deposit import max_upload_bytes, portal_dir


def portal(host: str = "127.0.0.1", port: int = 8010, workers: int = 2) -> None:
    """Serve the portal (loopback unless a host is given on purpose: put it behind the HTTPS reverse proxy). Several
    workers share everything a session needs (the token file, uploads waiting on disk, spent form tokens in SQLite:
    pipelines/portal/security.py), so a slow check of a large workbook does not hold up the other PTSM."""
    import uvicorn

    settings = get_settings()
    print(f"Portail de dépôt PTSM sur http://{host}:{port}/ — dépôts dans {settings.raw_dir} ; attente et journal : "
          f"{portal_dir()} ; taille maximale {max_upload_bytes() // (1024 * 1024)} Mo ; jetons : {tokens_path()}")
    uvicorn.run("pipelines.portal.app:app_from_settings", factory=True, host=host, port=port, workers=workers,
                # a worker answers uvicorn's health check only once it has imported the app (seconds on a busy
                # host): the 5 s default had both workers killed and restarted in a loop
                timeout_worker_healthcheck=60,
                log_level="info", **SERVER_OPTIONS)


def deposit_token_create(ptsm: str | None, *, deposit: bool, label: str = "") -> None:
    """Create a PTSM's deposit token and print it once (only its salted hash is kept); revoke with
    `ptsm token revoke ID` like any token."""
    if not ptsm or not deposit:
        raise SystemExit("Un jeton de dépôt se crée avec --ptsm PTSM-35 --deposit.")
    from pipelines.lib.catalogue.reference import registry_rows

    regions = {row["ptsm_id"]: row["region_code"] for row in registry_rows(get_settings().reference_dir)}
    if ptsm not in regions:
        raise SystemExit(f"PTSM inconnu du registre : {ptsm!r} (ex. PTSM-35).")
    try:
        clear, record = tokens.create_token(tokens_path(), ptsm=ptsm, region=regions[ptsm], label=label)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    print(f"Jeton de dépôt {record['id']} ({ptsm}, portail seulement) créé. Copiez-le maintenant, il ne sera plus affiché :")
    print(clear)
