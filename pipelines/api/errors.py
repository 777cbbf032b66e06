"""Every failure answered as JSON `{"error": {"code", "message"}}`, in French, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelines.api.release import PublicationError
from pipelines.api.tokens import TokenFileError

log = logging.getLogger("ptsm.api")
RETRY_AFTER = "30"
MAX_MESSAGE_CHARS = 500  # an error echoes what the client sent: never more than this (a 100 kB name is not sent back)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS - 1] + "…"
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def api_error_response(exc: ApiError) -> JSONResponse:
    """The answer to an ApiError (the app's handler, and the direct path of pipelines/api/direct.py)."""
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(exc.status, exc.code, exc.message, headers or None)


def publication_error_response(exc: PublicationError) -> JSONResponse:
    return error_response(503, "no_publication", str(exc), {"Retry-After": RETRY_AFTER})


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return api_error_response(exc)

    @app.exception_handler(PublicationError)
    async def _publication_error(request: Request, exc: PublicationError):
        return publication_error_response(exc)

    @app.exception_handler(TokenFileError)
    async def _token_file_error(request: Request, exc: TokenFileError):
        message = f"Authentification indisponible : {exc}. L'administrateur doit réparer le fichier de jetons."
        return error_response(503, "token_file_unreadable", message, {"Retry-After": RETRY_AFTER})

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        problems = []
        code = "bad_request"
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())[1:]) or "requête"
            if field == "format":
                code = "bad_format"
                problems.append("format doit valoir csv, json ou parquet")
            else:
                problems.append(f"{field} : {err.get('msg', 'valeur invalide')}")
        return error_response(400, code, "Requête invalide : " + " ; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        codes = {404: "not_found", 405: "method_not_allowed"}
        messages = {404: "Ressource inconnue", 405: "Méthode non autorisée (voir l'en-tête Allow)"}
        message = messages.get(exc.status_code, str(exc.detail))
        return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), message,
                              dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return error_response(500, "internal_error", "Erreur interne ; elle a été journalisée côté serveur.")
