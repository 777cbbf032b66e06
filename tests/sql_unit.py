"""The SQL unit tier (STYLE tier (a)): one SQL model, built by the project's own loader on an in-memory DuckDB whose
upstream tables are seeded from a few inline rows, compared with an expected table.

    rows = build_model("staging/current_workbooks", {
        "staging.action_workbooks": ("source_file varchar, file_date date, ptsm_id varchar", [
            ("a_2022-01-01.xlsx", "2022-01-01", "PTSM-01"),
        ]),
    })

Only the tables a model reads need seeding; each seed names its columns with their DuckDB types, so a test reads as
the table it describes. The reference tables built from the catalogue and the vocabularies (ref_action_statuses,
ref_survey_answers...) are loaded from there unless a test seeds them: they are the rules, not the data. Values are given as Python literals (dates as ISO text, lists as Python lists).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.lib.catalogue.reference import VOCABULARY_TABLES, load_vocabulary_table
from pipelines.lib.warehouse.sql_files import LAYER_SCHEMA, build_table, load_models

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
Seed = tuple[str, list[tuple]]  # ("column type, column type...", rows)


def seed(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list[tuple]) -> None:
    """Create `table` (schema.name or a main-schema name) with `columns` and insert `rows`."""
    if "." in table:
        con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(f"create or replace table {table} ({columns})")
    if rows:
        placeholders = ", ".join("?" for _ in rows[0])
        con.executemany(f"insert into {table} values ({placeholders})", [list(row) for row in rows])


def build_model(model: str, seeds: dict[str, Seed], *, order_by: str = "all",
                con: duckdb.DuckDBPyConnection | None = None) -> list[tuple]:
    """Seed the upstream tables, build `model` ("layer/name") with `build_table`, return its rows ordered by
    `order_by` (every column by default, so the comparison does not depend on the engine's row order)."""
    layer, name = model.split("/")
    sql_model = next((m for m in load_models(SQL_DIR, layer) if m.name == name), None)
    if sql_model is None:
        raise FileNotFoundError(f"no SQL model {model} under {SQL_DIR}")
    con = con or duckdb.connect()
    for table, (columns, rows) in seeds.items():
        seed(con, table, columns, rows)
    for layer_name, table in sql_model.dependencies():
        if layer_name == "reference" and table in VOCABULARY_TABLES and table not in seeds:
            load_vocabulary_table(con, table)
    build_table(con, sql_model)
    return con.execute(f"select * from {sql_model.table} order by {order_by}").fetchall()


def columns_of(model: str, con: duckdb.DuckDBPyConnection) -> list[str]:
    layer, name = model.split("/")
    schema = LAYER_SCHEMA[layer]
    return [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
        [schema, name]).fetchall()]
