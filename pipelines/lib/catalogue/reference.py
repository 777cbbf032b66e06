"""Reference tables -> DuckDB, and the one reader of the reference files (data/reference/*.csv: the PTSM registry,
the regions...) for Python code: everything else asks here (`registry_rows`, `regions`), so that a column renamed
or a setting (PTSM_REFERENCE_DIR) is followed in one place. Codes stay text ('01', '2A', '974').

Also the tables built from the catalogue (`pipelines.lib.catalogue.catalogue`) and the vocabularies
(`pipelines.lib.catalogue.vocab`), which SQL joins instead of writing values."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from pipelines.lib.warehouse.bulk import insert_tuples
from pipelines.lib.catalogue import catalogue
from pipelines.lib.catalogue.vocab import reference_rows
from pipelines.lib.core.config import get_settings

# table -> (csv file, typed columns); every other column stays varchar.
REFERENCE_TABLES = {
    "ref_regions": ("regions.csv", {}),
    "ref_departements": ("departements.csv", {"population": "bigint"}),
    "ref_arrondissements": ("arrondissements.csv", {"population": "bigint"}),
    "ref_ptsm_registry": ("ptsm_registry.csv", {}),
    "ref_published_figures": ("published_figures.csv", {}),
}


def load_reference_table(con: duckdb.DuckDBPyConnection, table: str, reference_dir: Path) -> int:
    filename, typed = REFERENCE_TABLES[table]
    path = reference_dir / filename
    relation = con.read_csv(str(path), all_varchar=True, header=True, delimiter=",", quotechar='"', encoding="utf-8")
    columns = relation.columns
    select = ", ".join(f'cast("{c}" as {typed[c]}) as "{c}"' if c in typed else f'"{c}"' for c in columns)
    con.register("_reference", relation)
    try:
        con.execute(f"create or replace table {table} as select {select} from _reference")
    finally:
        con.unregister("_reference")
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


# tables built from pipelines.lib.catalogue.vocab (vocabularies, priorities, blind spots, salary bands) and from the
# catalogue (survey questions and answers, status roles, the ARS funder group, tripartite sectors): their column types
VOCABULARY_TABLES = {
    "ref_vocabularies": "kind varchar, code varchar, label varchar, synonyms varchar, grp varchar, position integer",
    "ref_fte_salary_bands": "band varchar, lower_eur integer, upper_eur integer, position integer",
    **catalogue.CATALOGUE_TABLES,
}


def load_vocabulary_table(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """(Re)create one reference table from pipelines.lib.catalogue.vocab (the one reader of vocabularies.csv) or
    from the catalogue (the one reader of catalogue.toml)."""
    _, rows = {**reference_rows(), **catalogue.reference_rows()}[table]
    con.execute(f"create or replace table {table} ({VOCABULARY_TABLES[table]})")
    insert_tuples(con, table, rows)
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def registry_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select ptsm_id from ref_ptsm_registry").fetchall()}


def _reference_csv(filename: str, reference_dir: Path | None) -> list[dict[str, str]]:
    path = Path(reference_dir or get_settings().reference_dir) / filename
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def registry_rows(reference_dir: Path | None = None) -> list[dict[str, str]]:
    """The rows of ptsm_registry.csv (ptsm_id, ptsm_nom, region_code, perimeter...), in file order, as text."""
    return _reference_csv(REFERENCE_TABLES["ref_ptsm_registry"][0], reference_dir)


def regions(reference_dir: Path | None = None) -> dict[str, str]:
    """Region code -> French name (INSEE COG), in file order."""
    return {row["region_code"]: row["region_nom"] for row in _reference_csv(REFERENCE_TABLES["ref_regions"][0], reference_dir)}


def region_codes(reference_dir: Path | None = None) -> list[str]:
    return list(regions(reference_dir))
