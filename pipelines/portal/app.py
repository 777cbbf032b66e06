"""The portal's web application: pages and the order of the guards on each request.

Every page is French HTML rendered on the server (Jinja2, autoescaped), usable without JavaScript. Every bad input
ends in a French page with a 4xx status: an unknown or revoked token (401), a cross-site or replayed form (403), a
family the token may not deposit (403), an oversize upload cut while streaming (413), a path in the file name
(400), a full disk (507). The report of an upload is `ptsm check`'s (pipelines/lib/producers/validate.py).
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from pipelines.api.tokens import DEPOSIT, NATIONAL, READERS, Principal, TokenFileError, TokenStore, tokens_path
from pipelines.lib.core.config import get_settings
from pipelines.lib.ops.collection import REMIND, STATUSES, read_status, to_remind
from pipelines.lib.quality.feedback import feedback_dir
from pipelines.portal import deposit
from pipelines.portal.security import COOKIE, FormTokens, TooLarge, limited_receive, portal_secret

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
FAMILY_ORDER = ("fiches_actions", "statut_ptsm", "coordonnateurs", "enquete_coordonnateurs")
MULTIPART_OVERHEAD = 64 * 1024  # form fields and part headers around the file


@dataclass
class Portal:
    tokens: TokenStore
    forms: FormTokens
    raw_dir: Path
    marts_dir: Path
    reference_dir: Path
    max_bytes: int
    env: Environment

    def page(self, name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(name).render(**context), status_code=status)

    def error(self, status: int, title: str, message: str, who: Principal | None = None) -> HTMLResponse:
        return self.page("error.html", status, title=title, message=message, who=who)


def create_app(*, max_bytes: int | None = None) -> FastAPI:
    settings = get_settings()
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals.update(family_labels=deposit.FAMILY_LABELS)
    forms = FormTokens(portal_secret(settings.secret_dir), deposit.portal_dir() / "formulaires.sqlite")
    portal = Portal(TokenStore(tokens_path()), forms, settings.raw_dir,
                    settings.marts_dir, settings.reference_dir, max_bytes or deposit.max_upload_bytes(), env)
    app = FastAPI(title="Portail de dépôt PTSM", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal

    def who_is(request: Request) -> Principal | None:
        try:
            return portal.tokens.verify(request.cookies.get(COOKIE, ""), scopes=(*READERS, DEPOSIT))
        except TokenFileError:
            return None

    def cross_site(request: Request) -> bool:
        """A form posted from another site: its Origin (or Sec-Fetch-Site) says so."""
        if request.headers.get("sec-fetch-site") == "cross-site":
            return True
        origin = request.headers.get("origin")
        return bool(origin) and origin != "null" and urlsplit(origin).netloc != request.headers.get("host")

    def unauthorised() -> HTMLResponse:
        return portal.error(401, "Connexion requise", "Jeton de dépôt inconnu, révoqué ou absent : connectez-vous avec "
                                                      "le jeton que la DMSMP vous a remis.")

    def form_sender(request: Request) -> Principal | HTMLResponse:
        """The guards of every form a signed-in user posts (deposit, confirmation), in their order: a valid token
        (else 401), then a form sent from this site (else 403). A page to return, or who sent the form."""
        who = who_is(request)
        if who is None:
            return unauthorised()
        if cross_site(request):
            return portal.error(403, "Requête refusée", "Formulaire envoyé depuis un autre site : refusé.", who)
        return who

    def replayed(who: Principal, form) -> HTMLResponse | None:
        """A form whose one-time token is missing, forged or already spent: its 403 page (None: the form is fresh)."""
        refused = portal.forms.spend(who.token_id, str(form.get("csrf", "")))
        return portal.error(403, "Formulaire refusé", refused, who) if refused else None

    def status_reader(request: Request) -> Principal | HTMLResponse:
        """The guards of the collection pages: a valid token (else 401) of the DMSMP or an ARS (else 403)."""
        who = who_is(request)
        if who is None:
            return unauthorised()
        if who.scope not in READERS:
            return portal.error(403, "Accès réservé", "L'état de la collecte est réservé à la DMSMP et aux ARS.", who)
        return who

    @app.exception_handler(Exception)
    async def any_error(request: Request, exc: Exception):  # never a bare 500: a French page, the cause in the log
        log.exception("portal error")
        return portal.error(500, "Erreur du portail", "Une erreur inattendue s'est produite ; rien n'a été enregistré. "
                                                      "Réessayez ; si cela se reproduit, prévenez la DMSMP.")

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        who = who_is(request)
        if who is None:
            return portal.page("login.html", 401 if request.cookies.get(COOKIE) else 200, who=None,
                               expired=bool(request.cookies.get(COOKIE)))
        families = deposit.families_for(who.scope)
        feedback = who.ptsm is not None and (feedback_dir(portal.marts_dir) / f"{who.ptsm}.html").is_file()
        return portal.page("home.html", who=who, families=families, csrf=portal.forms.issue(who.token_id),
                           today=date.today().isoformat(), feedback=feedback, max_mb=portal.max_bytes // (1024 * 1024),
                           history=deposit.deposits(_owner(who))[:10] if families else [])

    @app.post("/connexion")
    async def login(request: Request):
        if cross_site(request):
            return portal.error(403, "Requête refusée", "Formulaire envoyé depuis un autre site : refusé.")
        form = await request.form(max_files=0, max_fields=3)
        token = str(form.get("jeton", "")).strip()
        try:
            who = portal.tokens.verify(token, scopes=(*READERS, DEPOSIT))
        except TokenFileError:
            who = None
        if who is None:
            return unauthorised()
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            max_age=12 * 3600)
        return response

    @app.post("/deconnexion")
    def logout():
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.post("/depot")
    async def upload(request: Request):
        who = form_sender(request)
        if isinstance(who, Response):
            return who
        limit = portal.max_bytes + MULTIPART_OVERHEAD
        too_big = portal.error(413, "Fichier trop volumineux",
                               f"Le fichier dépasse la taille maximale ({portal.max_bytes // (1024 * 1024)} Mo) : il n'a "
                               "pas été lu. Un export réel pèse moins de 5 Mo : vérifiez que c'est le bon fichier.", who)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return too_big  # refused on its declared size, before reading anything
        limited = Request(request.scope, receive=limited_receive(request.receive, limit))
        try:
            form = await limited.form(max_files=1, max_fields=5)
        except TooLarge:
            return too_big
        except Exception:  # malformed multipart body
            return portal.error(400, "Envoi illisible", "Le formulaire reçu est incomplet ou illisible : recommencez.", who)
        refusal = replayed(who, form)
        if refusal:
            return refusal
        family = str(form.get("famille", ""))
        if family not in deposit.families_for(who.scope):
            allowed = ", ".join(deposit.FAMILY_LABELS[f] for f in deposit.families_for(who.scope)) or "aucune"
            return portal.error(403, "Famille non autorisée",
                                f"Ce jeton ne peut pas déposer « {deposit.FAMILY_LABELS.get(family, family)} » "
                                f"(familles autorisées : {allowed}). Le recensement, le statut des PTSM et l'enquête sont "
                                "des fichiers nationaux, déposés par la DMSMP.", who)
        upload = form.get("fichier")
        if not isinstance(upload, UploadFile):
            return portal.error(400, "Aucun fichier", "Choisissez le fichier à déposer.", who)
        try:
            extraction = date.fromisoformat(str(form.get("date_extraction", "")) or date.today().isoformat())
            name = deposit.safe_client_name(upload.filename)
            pending = await run_in_threadpool(deposit.receive, upload.file, token_id=who.token_id,
                                              owner=_owner(who), family=family, client_name=name,
                                              extraction=extraction, max_bytes=portal.max_bytes)
            report = await run_in_threadpool(deposit.check, pending)
        except ValueError:
            return portal.error(400, "Date invalide", "La date d'extraction doit être une date (AAAA-MM-JJ).", who)
        except deposit.DepositRefused as refusal:
            return portal.error(400 if "disque" not in str(refusal) else 507, "Dépôt refusé", str(refusal), who)
        finally:
            await upload.close()
        return portal.page("report.html", 200 if pending.acceptable else 422, who=who, report=report, pending=pending,
                           csrf=portal.forms.issue(who.token_id))

    @app.post("/confirmer")
    async def confirm(request: Request):
        who = form_sender(request)
        if isinstance(who, Response):
            return who
        form = await request.form(max_files=0, max_fields=3)
        refusal = replayed(who, form)
        if refusal:
            return refusal
        try:
            pending = deposit.load_pending(str(form.get("depot", "")), who.token_id)
            receipt = await run_in_threadpool(deposit.commit, pending, portal.raw_dir)
        except deposit.DepositRefused as refusal:
            return portal.error(507 if "disque" in str(refusal) else 400, "Dépôt non enregistré", str(refusal), who)
        return portal.page("receipt.html", who=who, receipt=receipt)

    @app.get("/retours", response_class=HTMLResponse)
    def feedback(request: Request):
        who = who_is(request)
        if who is None:
            return unauthorised()
        if who.ptsm is None:
            return portal.error(404, "Pas de page de retours", "Les pages de retours concernent un PTSM : connectez-vous "
                                                               "avec son jeton de dépôt.", who)
        page = feedback_dir(portal.marts_dir) / f"{who.ptsm}.html"
        if not page.is_file():
            return portal.error(404, "Aucun retour", "Le dernier rafraîchissement n'a relevé aucun problème dans vos "
                                                     "fichiers.", who)
        return HTMLResponse(page.read_text(encoding="utf-8"))

    def status_rows(who: Principal, region: str, status: str):
        rows = read_status(portal.marts_dir)
        if rows is None:
            return None
        if who.scope != NATIONAL:
            region = who.region or ""
        return [r for r in rows if (not region or r.region_code == region) and (not status or r.status == status)]

    @app.get("/collecte", response_class=HTMLResponse)
    def collection(request: Request, region: str = "", statut: str = ""):
        who = status_reader(request)
        if isinstance(who, Response):
            return who
        rows = status_rows(who, region, statut if statut in STATUSES else "")
        if rows is None:
            return portal.error(503, "État de la collecte indisponible", "Aucune publication ne contient encore l'état "
                                                                         "de la collecte : lancez un rafraîchissement.", who)
        grid: dict[str, dict[str, object]] = {}
        for row in rows:
            grid.setdefault(row.ptsm_id, {"region": row.region_code})[row.family] = row
        regions = sorted({r.region_code for r in read_status(portal.marts_dir) or []}) if who.scope == NATIONAL else []
        return portal.page("collection.html", who=who, grid=grid, families=FAMILY_ORDER, remind=to_remind(rows),
                           region=region if who.scope == NATIONAL else who.region, statut=statut, statuses=STATUSES,
                           regions=regions, names=_names(portal.reference_dir))

    @app.get("/collecte/relances.csv")
    def reminders_csv(request: Request, region: str = ""):
        who = status_reader(request)
        if isinstance(who, Response):
            return who
        rows = status_rows(who, region, "")
        if rows is None:
            return portal.error(503, "État de la collecte indisponible", "Lancez un rafraîchissement.", who)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["ptsm_id", "region_code", "famille", "statut", "dernier_fichier", "date_extraction_ou_vague",
                         "arrive_le", "lignes_chargees", "lignes_en_quarantaine", "probleme"])
        for statuses in to_remind(rows).values():
            for s in statuses:
                writer.writerow([s.ptsm_id, s.region_code, s.family, s.status, s.last_source_file or "", s.last_period,
                                 s.arrived_at.isoformat(sep=" ", timespec="minutes") if s.arrived_at else "",
                                 s.rows_loaded, s.rows_quarantined, s.problem()])
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="ptsm_a_relancer.csv"'})

    return app


def _owner(who: Principal) -> str:
    """Whose deposits: the PTSM of a deposit token, DMSMP for a national token."""
    return who.ptsm if who.scope == DEPOSIT and who.ptsm else "DMSMP"


def _names(reference_dir: Path) -> dict[str, str]:
    from pipelines.lib.catalogue.reference import registry_rows

    try:
        return {row["ptsm_id"]: row["ptsm_nom"] for row in registry_rows(reference_dir)}
    except OSError:
        return {}


def app_from_settings() -> FastAPI:
    """uvicorn factory (`ptsm portal`)."""
    return create_app()


__all__ = ["create_app", "app_from_settings", "REMIND"]
