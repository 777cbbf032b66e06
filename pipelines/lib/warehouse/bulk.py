"""Bulk inserts of Python tuples into DuckDB through Arrow.

`executemany` runs one prepared insert per row (~4 ms each here): thousands of ledger rows after a first
load of years of snapshots took tens of seconds. One Arrow table and one `insert ... select` take milliseconds.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa


def insert_tuples(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], names: list[str] | None = None) -> None:
    """Insert `rows` (tuples in the table's column order, as `executemany` would take them, or in the order of
    `names` when given: a table whose columns were added over time may not have them in code order) into `table`."""
    if not rows:
        return
    columns = [pa.array(list(values)) for values in zip(*rows)]
    batch = pa.table(columns, names=[f"c{i}" for i in range(len(columns))])
    con.register("_bulk_rows", batch)
    try:
        target = f"{table} ({', '.join(names)})" if names else table
        con.execute(f"insert into {target} select * from _bulk_rows")
    finally:
        con.unregister("_bulk_rows")
