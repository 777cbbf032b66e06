"""The export formats as Table Schema (the convention of schema.data.gouv.fr and its Validata validator).

One `schema.json` per family and sheet under `schemas/<family>/<sheet>/`, generated from the same definitions as
the templates (pipelines/lib/catalogue/export_formats.py) with the vocabularies as `enum` constraints, so that a producer can
validate a CSV with `frictionless validate --schema schemas/…/schema.json file.csv`. Regenerate with
`python -m pipelines.lib.producers.table_schema` (a test fails when the committed files are stale).

The refresh accepts what people type (decimal comma, `12 500,50 €`, `JJ/MM/AAAA` or `AAAA-MM-JJ` dates, `Oui`/`oui`),
which one Table Schema type with one format cannot say: such columns are strings with a `pattern` stating exactly
the accepted forms, and the vocabularies list their accepted spellings in the usual casings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipelines.lib.catalogue import export_formats as ef
from pipelines.lib.core.config import PROJECT_ROOT
from unidecode import unidecode

SCHEMAS_DIR = PROJECT_ROOT / "schemas"
SPACE = "[ \u00a0\u202f]"
NUMBER = (f"[+-]?([0-9]{{1,3}}({SPACE}[0-9]{{3}})+|[0-9]+)([.,][0-9]{{3}})*([.,][0-9]+)?{SPACE}?(€|EUR)?"
          f"|[+-]?[0-9]*[.,][0-9]+{SPACE}?(€|EUR)?")
DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}/[0-9]{2}/[0-9]{4}"
DATETIME = (f"([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|[0-9]{{2}}/[0-9]{{2}}/[0-9]{{4}})"
            f"([ T][0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}})?)?")
YES = ["Oui", "Non", "O", "N", "Yes", "No", "Y", "1", "0", "VRAI", "FAUX", "TRUE", "FALSE"]
PATTERNS = {
    "integer": "[+-]?[0-9]+",
    "number": NUMBER,
    "date": DATE,
    "datetime": DATETIME,
    "priorities": "[1-6]([;,/ ]+[1-6])*",
}
SPECIAL = {  # columns whose accepted forms are narrower than their kind's
    "quotite": f"[1-9][0-9]({SPACE}?%)?",
    "etp": f"0|1|0?[.,][0-9]+|1[.,]0+|[1-9][0-9]?([.,][0-9]+)?{SPACE}?%|100{SPACE}?%",
    "annee": "20[0-9]{2}|2100",
    "annee_debut": "20[0-9]{2}|2100",
    "annee_fin": "20[0-9]{2}|2100",
}


def casings(values: list[str]) -> list[str]:
    """Each accepted spelling as written, in lower and upper case, capitalised, and without accents."""
    out: list[str] = []
    for value in values:
        for variant in (value, value.lower(), value.upper(), value[:1].upper() + value[1:].lower(), unidecode(value),
                        unidecode(value).lower()):
            if variant not in out:
                out.append(variant)
    return out


def field(column: ef.Column) -> dict[str, object]:
    spec: dict[str, object] = {"name": column.name, "title": column.name, "description": column.description,
                               "type": "string"}
    if column.example:
        spec["example"] = column.example
    constraints: dict[str, object] = {}
    if column.filled:
        constraints["required"] = True
    if column.kind == "choice":
        constraints["enum"] = casings(ef.accepted_spellings(column.vocabulary, column.exclude))
    elif column.kind == "ptsm":
        constraints["enum"] = [p for p, _ in ef.registry()]
    elif column.kind == "yes_no":
        constraints["enum"] = casings(YES)
    elif column.kind == "ticked":
        constraints["enum"] = casings(YES)
    elif column.kind == "choices":
        one = "|".join(_escape(v) for v in casings(ef.accepted_spellings(column.vocabulary, column.exclude)))
        constraints["pattern"] = f"({one})( *; *({one}))* *;?"
    elif column.name in SPECIAL:
        constraints["pattern"] = SPECIAL[column.name]
    elif column.kind in PATTERNS:
        constraints["pattern"] = PATTERNS[column.kind]
    if "pattern" in constraints:  # validators anchor the pattern as ^…$: the group keeps alternatives inside it
        constraints["pattern"] = f"({constraints['pattern']})"
    if constraints:
        spec["constraints"] = constraints
    return spec


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in ".^$*+?()[]{}|\\/" else ch for ch in text)


def schema(sheet: ef.Sheet) -> dict[str, object]:
    return {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "name": f"ptsm-{sheet.family}-{sheet.sheet}".replace("_", "-"),
        "title": sheet.title,
        "description": f"{sheet.title} : format d'export attendu par l'observatoire des PTSM (DMSMP). Nom du fichier : "
                       f"{sheet.file_pattern}. Les en-têtes sont comparés sans tenir compte de la casse ni des accents ; "
                       "les colonnes en plus sont conservées et ignorées.",
        "version": "1.0.0",
        "missingValues": [""],
        "fieldsMatch": "partial",  # matched by name, any order: extra columns (LimeSurvey) and absent optional ones allowed
        "fields": [field(c) for c in sheet.columns],
    }


def write_schemas(out: Path = SCHEMAS_DIR) -> list[Path]:
    written = []
    for sheet in ef.SHEETS:
        path = out / sheet.family / sheet.sheet / "schema.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema(sheet), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMAS_DIR):
        print(written_path)
