"""The data dictionary (dictionary.json, DICTIONNAIRE.md), written straight from the SQL files' headers.

Descriptions come from `sql/marts/<mart>.sql` as parsed by `pipelines.lib.warehouse.sql_files` (`-- mart:`, `-- grain:`,
`-- column x:`); the column order and types come from the published tables. No timestamp: a dictionary is a pure
function of its inputs, so a release stays reproducible byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from pipelines.lib.core.files import write_atomic
from pipelines.lib.publish.french_csv import CSV_NOTE
from pipelines.lib.warehouse.sql_files import SqlModel

DICTIONARY_JSON = "dictionary.json"
DICTIONARY_MD = "DICTIONNAIRE.md"


def build_dictionary(models: Iterable[SqlModel], columns: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """`{mart: {description, grain, columns: [{name, type, description}]}}` for each mart of `columns`
    (mart -> [(column, type)] in table order)."""
    by_name = {model.name: model for model in models}
    dictionary: dict[str, Any] = {}
    for mart, typed in columns.items():
        model = by_name.get(mart)
        described = model.columns if model else {}
        dictionary[mart] = {
            "description": model.description.strip() if model else "",
            "grain": model.grain.strip() if model else "",
            "columns": [{"name": c, "type": t, "description": described.get(c, "").strip()} for c, t in typed],
        }
    return dictionary


def _md_cell(text: str) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def render_dictionary(dictionary: dict[str, Any], *, synthetic: bool, input_label: str, title: str) -> str:
    """The French data dictionary (DICTIONNAIRE.md)."""
    origin = (
        "**Données SYNTHÉTIQUES** (échantillon de démonstration généré par le dépôt) : ne pas diffuser comme "
        "données réelles."
        if synthetic
        else "Données issues des exports reçus par la DMSMP."
    )
    lines = [f"# {title}", "", origin, f"Entrée : `{input_label}`.", "", CSV_NOTE, ""]
    for mart, entry in dictionary.items():
        lines += [f"## `{mart}`", "", entry["description"] or "(description absente)", ""]
        if entry["grain"]:
            lines += [f"Grain : {entry['grain']}", ""]
        lines += ["| colonne | type | description |", "|---|---|---|"]
        lines += [f"| `{c['name']}` | {c['type']} | {_md_cell(c['description'])} |" for c in entry["columns"]]
        lines.append("")
    return "\n".join(lines)


def write_dictionary(folder: Path, dictionary: dict[str, Any], *, synthetic: bool, input_label: str,
                     title: str) -> list[Path]:
    return [
        write_atomic(folder / DICTIONARY_JSON, json.dumps(dictionary, ensure_ascii=False, indent=2, sort_keys=True) + "\n"),
        write_atomic(folder / DICTIONARY_MD, render_dictionary(dictionary, synthetic=synthetic, input_label=input_label,
                                                               title=title)),
    ]
