"""The OpenAPI description of the release being served, and /docs as a static page generated from it.

`/v1/marts/{name}` is described once per mart (`/v1/marts/ptsm_overview`, ...) with the parameters that mart
really takes: `region` only on regional marts, `ptsm` only where there is a ptsm_id, one filter per column with
the column's type. /docs needs no CDN: it is plain HTML written from the same document (works offline).
"""

from __future__ import annotations

import copy
import html

from fastapi import FastAPI

from pipelines.api import access
from pipelines.api.query import RESERVED
from pipelines.api.release import PublicationError

MART_PATH = "/v1/marts/{name}"
_JSON_TYPES = {"int": {"type": "integer"}, "uint": {"type": "integer"}, "double": {"type": "number"},
               "float": {"type": "number"}, "bool": {"type": "boolean"},
               "date32": {"type": "string", "format": "date"}, "string": {"type": "string"}}


def _column_schema(arrow_type: str) -> dict:
    return next((dict(v) for k, v in _JSON_TYPES.items() if arrow_type.startswith(k)), {"type": "string"})


def _mart_operation(template: dict, mart: str, columns: list[tuple[str, str]], description: str | None,
                    regions: list[str], ptsm_ids: list[str]) -> dict:
    operation = copy.deepcopy(template)
    names = [n for n, _ in columns]
    kind = access.access_class(mart, names)
    operation["operationId"] = f"get_mart_{mart}"
    operation["summary"] = f"{mart} — {description}" if description else mart
    parameters = []
    for parameter in operation["parameters"]:
        name = parameter["name"]
        if name == "name":
            continue
        if name == "region" and kind != access.REGIONAL:
            continue
        if name == "ptsm" and "ptsm_id" not in names:
            continue
        if name == "region":
            parameter["schema"] = {"type": "string", "enum": regions}
        if name == "ptsm":
            parameter["schema"] = {"type": "string", "enum": ptsm_ids}
        parameters.append(parameter)
    for column, arrow_type in columns:
        if column in RESERVED:
            continue
        parameters.append({"name": column, "in": "query", "required": False, "schema": _column_schema(arrow_type),
                           "description": f"Filtre d'égalité sur {column} ({arrow_type}) ; répéter pour « ou »."})
    operation["parameters"] = parameters
    if kind == access.NATIONAL_ONLY:
        operation["description"] = "Réservé aux jetons nationaux."
    return operation


def install(app: FastAPI, region_codes: list[str]) -> None:
    base_openapi = app.openapi

    def openapi_for_current_release() -> dict:
        """FastAPI's cached schema is copied, never mutated; rebuilt per call from the served release."""
        schema = copy.deepcopy(base_openapi())
        state = app.state.api
        try:
            release = state.load_current()
        except PublicationError:  # no (usable) release: the generic description stays
            return schema
        paths = schema["paths"]
        template = paths.pop(MART_PATH)["get"]
        for mart in release.marts:
            description = (release.dictionary.get(mart) or {}).get("description")
            paths[f"/v1/marts/{mart}"] = {"get": _mart_operation(
                template, mart, release.columns.get(mart, []), description, [*region_codes, "all"],
                sorted(release.regions_of_ptsm))}
        for parameter in paths["/v1/geo/ptsm.geojson"]["get"]["parameters"]:
            if parameter["name"] == "region":
                parameter["schema"] = {"type": "string", "enum": [*region_codes, "all"]}
        for item in paths.values():
            item.pop("head", None)
        return schema

    app.openapi = openapi_for_current_release


def docs_page(schema: dict) -> str:
    """A self-contained French page listing every endpoint and parameter (no script, no CDN)."""
    out = [
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>{html.escape(schema['info']['title'])} — documentation</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}"
        "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
        "h2{border-top:2px solid #2b5797;padding-top:.5rem;font-size:1.1rem}</style></head><body>",
        f"<h1>{html.escape(schema['info']['title'])} <small>v{html.escape(schema['info']['version'])}</small></h1>",
        f"<p>{html.escape(schema['info'].get('description', ''))}</p>",
        "<p>Description machine : <a href='/openapi.json'>/openapi.json</a> (OpenAPI 3). Cette page est générée "
        "à partir de ce document et fonctionne hors ligne.</p>",
    ]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            out.append(f"<h2 id='{html.escape(operation.get('operationId', path))}'><code>{method.upper()} "
                       f"{html.escape(path)}</code></h2>")
            out.append(f"<p>{html.escape(operation.get('summary', ''))}</p>")
            if operation.get("description"):
                out.append(f"<p>{html.escape(operation['description'])}</p>")
            parameters = operation.get("parameters", [])
            if parameters:
                out.append("<table><tr><th>paramètre</th><th>où</th><th>type</th><th>description</th></tr>")
                for p in parameters:
                    schema_p = p.get("schema", {})
                    kind = schema_p.get("type") or " | ".join(s.get("type", "") for s in schema_p.get("anyOf", []))
                    if schema_p.get("enum"):
                        kind += " : " + ", ".join(map(str, schema_p["enum"][:30])) + (
                            " …" if len(schema_p["enum"]) > 30 else "")
                    out.append(f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{html.escape(p['in'])}</td>"
                               f"<td>{html.escape(kind)}</td><td>{html.escape(p.get('description', ''))}</td></tr>")
                out.append("</table>")
            codes = ", ".join(f"{code} ({html.escape(r.get('description', ''))})"
                              for code, r in operation.get("responses", {}).items())
            out.append(f"<p>Réponses : {codes}</p>")
    out.append("</body></html>")
    return "\n".join(out)
