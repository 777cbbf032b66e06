"""Reference tables (data/reference/*.csv) -> DuckDB. Codes stay text ('01', '2A', '974')."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.lib.warehouse.bulk import insert_tuples
from pipelines.lib.catalogue.vocab import reference_rows

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


# tables built from pipelines.lib.catalogue.vocab (vocabularies, priorities, blind spots, salary bands): their column types
VOCABULARY_TABLES = {
    "ref_vocabularies": "kind varchar, code varchar, label varchar, synonyms varchar, grp varchar, position integer",
    "ref_fte_salary_bands": "band varchar, lower_eur integer, upper_eur integer, position integer",
}


def load_vocabulary_table(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """(Re)create one reference table from pipelines.lib.catalogue.vocab, the one reader of vocabularies.csv."""
    _, rows = reference_rows()[table]
    con.execute(f"create or replace table {table} ({VOCABULARY_TABLES[table]})")
    insert_tuples(con, table, rows)
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def registry_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select ptsm_id from ref_ptsm_registry").fetchall()}
