"""Turning an Arrow table into the three served formats: French CSV, JSON and Parquet."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math

import pyarrow as pa
import pyarrow.parquet as pq

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


def _number(value: float) -> str:
    """Decimal comma, never an exponent (French Excel would read `1e-05` as text)."""
    if math.isnan(value) or math.isinf(value):
        return ""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",")


def french_cell(value) -> str:
    """One cell as French Excel reads it; text that could start a formula is neutralised with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(table: pa.Table) -> bytes:
    """UTF-8 with BOM, `;` separator, CRLF, decimal comma: what French Excel opens without a wizard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([french_cell(name) for name in table.column_names])
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for row in zip(*columns):
        writer.writerow([french_cell(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _json_value(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def to_json(table: pa.Table, meta: dict) -> bytes:
    """`{...meta, "columns": [...], "rows": [{...}]}`; dates as ISO text, NaN as null."""
    names = table.column_names
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [{n: _json_value(v) for n, v in zip(names, row)} for row in zip(*columns)]
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
