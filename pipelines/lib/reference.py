"""Reference tables (data/reference/*.csv) -> DuckDB. Codes stay text ('01', '2A', '974')."""

from __future__ import annotations

from pathlib import Path

import duckdb

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


def registry_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select ptsm_id from ref_ptsm_registry").fetchall()}
