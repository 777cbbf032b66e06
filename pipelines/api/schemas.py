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
    status: str = Field(description="`ok` ; `degraded` quand l'API répond mais qu'un problème attend "
                                    "l'administrateur (voir `problems`) ; `error` (503) quand rien ne peut être servi.")
    release_id: str
    produced_at: str | None = Field(description="Date de production de la publication (ISO 8601, UTC).")
    synthetic: bool = Field(description="Vrai quand les marts viennent de l'échantillon synthétique.")
    input: str | None = Field(description="`sample` ou `raw`.")
    n_marts: int
    problems: list[str] = Field(default_factory=list, description="Problèmes en cours, en français.")


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
    total: int = Field(description="Nombre de lignes correspondant aux filtres, toutes pages confondues.")
    limit: int | None
    offset: int
    links: dict[str, str] = Field(description="`next` / `prev` : liens relatifs vers les pages voisines.")
    rows: list[dict[str, Any]]


class Dictionary(BaseModel):
    release_id: str
    marts: dict[str, Any] = Field(description="Pour chaque mart : description, grain, colonnes (nom, type, description).")


class CatalogueColumn(BaseModel):
    name: str
    type: str | None
    description: str | None


class CatalogueEntry(BaseModel):
    name: str
    title: str
    description: str
    grain: str | None
    columns: list[CatalogueColumn]
    update_frequency: str
    producer: str
    licence: dict[str, str] = Field(description="Licence Ouverte / Etalab 2.0 pour les marts ; usage interne pour quality_report.")
    access: str = Field(description="`regional`, `national` ou `national_only` (jetons nationaux seulement).")
    last_release: str | None = Field(description="Date de production de la dernière publication (ISO 8601).")
    files: dict[str, str]


class Catalogue(BaseModel):
    release_id: str
    produced_at: str | None
    synthetic: bool
    producer: str
    update_frequency: str
    datapackage: str
    marts: list[CatalogueEntry]


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
        404: "Mart, région ou profil inconnu.",
        414: "URL trop longue (8 Kio au plus).",
        429: "Trop de requêtes pour ce jeton, ou sans jeton valide depuis cette adresse, ou trop d'octets "
             "envoyés à ce jeton (voir Retry-After).",
        431: "En-têtes de la requête trop volumineux (16 Kio au plus).",
        503: "Aucune publication utilisable, mart indisponible, ou fichier de jetons illisible (voir Retry-After).",
    }
    codes = sorted(set(codes) | {414, 429, 431})  # the request limits of limits.py apply to every route
    return {code: {"model": ErrorBody, "description": descriptions[code]} for code in codes}
