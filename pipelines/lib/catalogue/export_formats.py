"""The export formats of docs/contract.md §2 described once, column by column, for the people who produce the files.

The templates (`ptsm template`), the Table Schemas (`schemas/`) and the validator's "how to fix" hints are all
generated from these definitions and from the vocabularies, so that they cannot disagree with what the refresh
reads (the sheets and columns come from the catalogue, catalogue.toml; the accepted values from `vocabularies.csv`).
"""

from __future__ import annotations

from functools import lru_cache

from pipelines.lib.catalogue import catalogue
from pipelines.lib.catalogue.catalogue import Column, Sheet
from pipelines.lib.catalogue.reference import registry_rows
from pipelines.lib.catalogue.vocab import load_vocabularies, vocabulary_rows
from pipelines.lib.core.config import PROJECT_ROOT

__all__ = ["Column", "Sheet", "SHEETS", "accepted_values", "accepted_spellings", "column", "hint", "registry"]


REPOSITORY_REFERENCE = PROJECT_ROOT / "data" / "reference"  # the templates list the shipped registry

SURVEY = catalogue.sheet("enquete_coordonnateurs", "survey")
ROSTER = catalogue.sheet("coordonnateurs", "roster")
ACTIONS = catalogue.sheet("fiches_actions", "actions")
FUNDING = catalogue.sheet("fiches_actions", "funding")
MILESTONES = catalogue.sheet("statut_ptsm", "milestones")

SHEETS: tuple[Sheet, ...] = catalogue.sheets()


def sheets_of(family: str) -> list[Sheet]:
    return [s for s in SHEETS if s.family == family]


def column(family: str, name: str) -> Column | None:
    """The definition of a column (by canonical or sheet-prefixed name, e.g. `actions.statut`)."""
    table, _, bare = name.rpartition(".")
    for sheet in sheets_of(family):
        if table and table not in (sheet.sheet, sheet.table):
            continue
        for col in sheet.columns:
            if col.name == bare:
                return col
    return None


def accepted_values(kind: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """The labels of a vocabulary, in file order, without the codes a column excludes: what a drop-down offers."""
    vocab = load_vocabularies()[kind]
    return [vocab.labels[code] for code in vocab.codes if code not in exclude]


def list_key(column: Column) -> str:
    """The drop-down list a column uses: its vocabulary, or the part of it the column accepts."""
    return column.vocabulary + "".join(f" sans {code}" for code in column.exclude) if column.vocabulary else column.kind


def accepted_spellings(kind: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """Every spelling the refresh accepts for a vocabulary as written in vocabularies.csv (code, label, synonyms)."""
    spellings: list[str] = []
    for row in vocabulary_rows():
        if row["kind"] == kind and row["code"] not in exclude:
            for value in [row["code"], row["label"], *[s for s in row["synonyms"].split("|") if s]]:
                if value not in spellings:
                    spellings.append(value)
    return spellings


@lru_cache(maxsize=1)
def registry() -> list[tuple[str, str]]:
    """(ptsm_id, name) of the 104 PTSM, in registry order."""
    return [(row["ptsm_id"], row["ptsm_nom"]) for row in registry_rows(REPOSITORY_REFERENCE)]


def hint(family: str, field: str) -> str:
    """How to fix a value of this column, in French, for the validator and the feedback pages."""
    col = column(family, field)
    if col is None:
        return ""
    if col.kind in ("choice", "choices"):
        values = accepted_values(col.vocabulary, col.exclude)
        shown = ", ".join(values[:8]) + (" ..." if len(values) > 8 else "")
        return f"{col.description} Valeurs acceptées : {shown} (liste complète dans la feuille Lisez-moi du modèle)."
    if col.kind == "ptsm":
        return f"{col.description} Voir la liste des 104 identifiants dans le modèle (ptsm template)."
    if col.kind in ("date", "datetime"):
        return f"{col.description} Formats acceptés : AAAA-MM-JJ ou JJ/MM/AAAA, ou une vraie date Excel."
    return f"{col.description}" + (f" Exemple : {col.example}." if col.example else "")
