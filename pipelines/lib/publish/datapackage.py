"""The catalogue of a release: per mart its title, description, grain, typed and described columns, licence,
producer and update frequency; written into every release as a Frictionless Data Package (`datapackage.json`,
so `frictionless validate <release>/datapackage.json` checks every published CSV against its schema) and served
by the API's catalogue endpoint.

Everything comes from the release's own `dictionary.json` (itself generated from the SQL headers): one source
for the column descriptions. The descriptor carries no date so that the release id (a hash of the content)
stays the same when identical marts are published again; the release date is in `manifest.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.lib.core.config import MONTHLY_REFRESH_DAY, MONTHLY_REFRESH_HOUR
from pipelines.lib.core.files import write_atomic

DATAPACKAGE = "datapackage.json"
PRODUCER = "Délégation ministérielle à la santé mentale et à la psychiatrie (DMSMP) — observatoire des PTSM"
UPDATE_FREQUENCY = (f"mensuelle (actualisation DMSMP le {MONTHLY_REFRESH_DAY} de chaque mois à {MONTHLY_REFRESH_HOUR} h, "
                    "heure de Paris) et à chaque nouvel envoi de fichiers")
OPEN_LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0 (Etalab)",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
# quality_report quotes raw values of the exports: kept inside the observatory, never under an open licence
INTERNAL_LICENCE = {
    "name": "usage-interne",
    "title": "Usage interne de l'observatoire : non diffusé (valeurs brutes des fichiers reçus)",
    "path": "https://www.legifrance.gouv.fr/codes/section_lc/LEGITEXT000031366350/LEGISCTA000031367685/",
}
INTERNAL_MARTS = ("quality_report", "collection_status")
_FIELD_TYPES = {
    "BIGINT": {"type": "integer"}, "INTEGER": {"type": "integer"}, "SMALLINT": {"type": "integer"},
    "HUGEINT": {"type": "integer"}, "UBIGINT": {"type": "integer"},
    "DOUBLE": {"type": "number", "decimalChar": ","}, "FLOAT": {"type": "number", "decimalChar": ","},
    "BOOLEAN": {"type": "boolean", "trueValues": ["vrai"], "falseValues": ["faux"]},
    "DATE": {"type": "date"},
    "TIMESTAMP": {"type": "datetime", "format": "%Y-%m-%d %H:%M:%S"},
    "VARCHAR": {"type": "string"},
}
_ARROW_TYPES = {"int64": "BIGINT", "int32": "INTEGER", "double": "DOUBLE", "float": "FLOAT", "bool": "BOOLEAN",
                "date32[day]": "DATE", "string": "VARCHAR", "large_string": "VARCHAR"}


def field_type(sql_type: str) -> dict[str, Any]:
    """A Frictionless field type for a column type (DuckDB name, or an Arrow name from older dictionaries)."""
    name = _ARROW_TYPES.get(sql_type, sql_type).upper()
    if name.startswith("DECIMAL"):
        return {"type": "number", "decimalChar": ","}
    if name.endswith("[]"):
        return {"type": "string"}  # lists are written `a;b;c` in one CSV cell
    return dict(_FIELD_TYPES.get(name, {"type": "any"}))


def title_of(description: str) -> str:
    """A short title: the description up to its first colon, comma or parenthesis."""
    for stop in (" : ", ", ", " ("):
        if stop in description:
            description = description.split(stop, 1)[0]
    return description.rstrip(" .")


def licence_of(mart: str) -> dict[str, str]:
    return dict(INTERNAL_LICENCE if mart in INTERNAL_MARTS else OPEN_LICENCE)


def catalogue_entries(dictionary: dict, marts: list[str]) -> list[dict[str, Any]]:
    """Per mart: name, title, description, grain, columns (name, type, French description), licence..."""
    entries = []
    for mart in marts:
        entry = dictionary.get(mart, {})
        description = entry.get("description") or mart
        entries.append({
            "name": mart,
            "title": title_of(description),
            "description": description,
            "grain": entry.get("grain"),
            "columns": [{"name": c["name"], "type": c.get("type"), "description": c.get("description")}
                        for c in entry.get("columns", [])],
            "update_frequency": UPDATE_FREQUENCY,
            "producer": PRODUCER,
            "licence": licence_of(mart),
            "files": {"csv": f"{mart}.csv", "parquet": f"{mart}.parquet"},
        })
    return entries


def descriptor(dictionary: dict, marts: list[str], *, synthetic: bool | None = None) -> dict[str, Any]:
    """The Data Package: one tabular resource per mart's French CSV (`;`, decimal comma, vrai/faux, BOM)."""
    resources = []
    for entry in catalogue_entries(dictionary, marts):
        fields = []
        for column in entry["columns"]:
            spec = {"name": column["name"], **field_type(column["type"] or "")}
            if column["description"]:
                spec["description"] = column["description"]
            fields.append(spec)
        resources.append({
            "name": entry["name"],
            "title": entry["title"],
            "description": f"{entry['description']} Grain : {entry['grain'] or 'non précisé'}. "
                           f"Même contenu, typé, dans {entry['files']['parquet']}.",
            "path": entry["files"]["csv"],
            "type": "table",
            "scheme": "file",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig",
            "dialect": {"csv": {"delimiter": ";", "quoteChar": '"', "lineTerminator": "\r\n"}},
            "schema": {"fields": fields, "missingValues": [""]},
            "licenses": [entry["licence"]],
        })
    package = {
        "name": "ptsm-observatoire",
        "title": "Observatoire des projets territoriaux de santé mentale (PTSM) — marts publiés",
        "description": ("Indicateurs des 104 PTSM : plans d'actions, financements, coordonnateurs, enquête auprès "
                        "des coordonnateurs (secret statistique sous le niveau national : n < 5 masqué). "
                        f"Fréquence de mise à jour : {UPDATE_FREQUENCY}. Date de publication : manifest.json."),
        "licenses": [OPEN_LICENCE],
        "contributors": [{"title": PRODUCER, "role": "publisher"}],
        "keywords": ["santé mentale", "PTSM", "psychiatrie", "territoires"],
        "resources": resources,
    }
    if synthetic:
        package["description"] += " ATTENTION : données synthétiques (échantillon de démonstration), pas des données réelles."
    return package


def write_datapackage(release_dir: Path, *, synthetic: bool | None = None) -> Path:
    """Write `datapackage.json` beside the marts of a release being built (before its checksums are taken)."""
    release_dir = Path(release_dir)
    dictionary = json.loads((release_dir / "dictionary.json").read_text(encoding="utf-8"))
    marts = sorted(m for m in dictionary if (release_dir / f"{m}.csv").exists())
    return write_atomic(release_dir / DATAPACKAGE,
                        json.dumps(descriptor(dictionary, marts, synthetic=synthetic), ensure_ascii=False, indent=2)
                        + "\n")
