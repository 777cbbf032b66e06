"""Turning an Arrow table into the three served formats: French CSV, JSON and Parquet."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.lib.publish.french_csv import csv_bytes

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}

# The publisher's own writer, so a CSV from the API reads exactly like the published `<mart>.csv`.
to_csv = csv_bytes


def _json_value(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _json_column(column: pa.ChunkedArray) -> list:
    """A column's values as JSON values (`_json_value` of each), converted a column at a time: text, integers and
    booleans are JSON already; only floats, decimals and dates need a look at each value."""
    kind = column.type
    if pa.types.is_date32(kind):  # Arrow's text of a date is its ISO form, as date.isoformat()
        return column.cast(pa.string()).to_pylist()
    values = column.to_pylist()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind) \
            or pa.types.is_boolean(kind):
        return values
    if pa.types.is_floating(kind) and pc.all(pc.is_finite(column)).as_py() is not False:
        return values  # no NaN nor infinity: every float is JSON already (nulls stay None)
    return [_json_value(v) for v in values]


def to_json(table: pa.Table, meta: dict) -> bytes:
    """`{...meta, "columns": [...], "rows": [{...}]}`; dates as ISO text, NaN as null."""
    names = table.column_names
    columns = [_json_column(table.column(i)) for i in range(table.num_columns)]
    rows = [dict(zip(names, row)) for row in zip(*columns)]
    body = {**meta, "columns": names, "n_rows": len(rows), "rows": rows}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def to_parquet(table: pa.Table, meta: dict) -> bytes:
    """The filtered rows as Parquet, with the release id kept in the file's metadata."""
    schema_meta = dict(table.schema.metadata or {})
    schema_meta.update({f"ptsm.{k}".encode(): str(v).encode() for k, v in meta.items()})
    table = table.replace_schema_metadata(schema_meta)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()
