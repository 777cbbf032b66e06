"""Response shapes published in the OpenAPI description (and checked by the schemathesis fuzz test)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Code stable, en anglais, pour les programmes (ex. `unknown_mart`).")
    message: str = Field(description="Explication en français pour les personnes.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: str = Field(description="`ok` quand une publication complète est servie.")
    release_id: str
    produced_at: str | None = Field(description="Date de production de la publication (ISO 8601, UTC).")
    synthetic: bool = Field(description="Vrai quand les marts viennent de l'échantillon synthétique.")
    input: str | None = Field(description="`sample` ou `raw`.")
    n_marts: int


class MartInfo(BaseModel):
    name: str
    description: str | None
    grain: str | None
    regional: bool = Field(description="Le mart a une colonne `region_code` et se filtre par région.")
    national_only: bool = Field(description="Réservé aux jetons nationaux.")
    accessible: bool = Field(description="Accessible avec le jeton utilisé.")
    columns: list[str]
    formats: list[str]


class MartList(BaseModel):
    release_id: str
    produced_at: str | None
    synthetic: bool
    marts: list[MartInfo]


class MartRows(BaseModel):
    mart: str
    release_id: str
    produced_at: str | None
    synthetic: bool
    region: str = Field(description="Code région filtré, ou `all` pour la vue nationale.")
    ptsm: str | None
    columns: list[str]
    n_rows: int
    rows: list[dict[str, Any]]


class Dictionary(BaseModel):
    release_id: str
    marts: dict[str, Any] = Field(description="Pour chaque mart : description, grain, colonnes (nom, type, description).")


class GeoFeatureCollection(BaseModel):
    type: str
    release_id: str
    produced_at: str | None
    synthetic: bool
    region: str
    features: list[dict[str, Any]]


def error_responses(*codes: int) -> dict:
    descriptions = {
        400: "Requête invalide (format, région, PTSM ou paramètre inconnu).",
        401: "Jeton absent ou invalide.",
        403: "Jeton sans droit sur cette région ou sur la vue nationale.",
        404: "Mart inconnu.",
        503: "Aucune publication complète disponible.",
    }
    return {code: {"model": ErrorBody, "description": descriptions[code]} for code in codes}
