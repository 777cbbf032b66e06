"""A hand-written `collection_status` publication for the tests of its readers (portal page, freshness alert): the
columns are those of the mart's own SQL header, so a fixture cannot drift from what the refresh publishes."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

SQL = Path(__file__).resolve().parents[1] / "sql" / "marts" / "collection_status.sql"
COLUMNS = re.findall(r"^-- column (\w+):", SQL.read_text(encoding="utf-8"), re.M)


def write_collection_status(target: Path, values_sql: str) -> Path:
    """`values_sql`: the rows as SQL `values` tuples, in the mart's column order; written as Parquet at `target`."""
    duckdb.sql(f"copy (select * from (values {values_sql}) as t ({', '.join(COLUMNS)})) to '{target}' (format parquet)")
    return target
