"""French-Excel CSV: the one writer of the published `<mart>.csv`, the regional exports and the API's `format=csv`.

UTF-8 with BOM, `;` separator, CRLF, decimal comma, `vrai`/`faux`, ISO dates, and text that a spreadsheet would run
as a formula prefixed with `'` (CSV injection). Numbers stay numbers: a negative number keeps its minus sign.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from pipelines.lib.core.files import write_atomic

TRUE_TEXT, FALSE_TEXT = "vrai", "faux"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = b"\xef\xbb\xbf"

CSV_NOTE = (
    "Les fichiers CSV s'ouvrent dans Excel en français : encodage UTF-8 avec BOM, séparateur `;`, virgule décimale "
    "(`1234,5`), dates `AAAA-MM-JJ`, booléens `vrai` / `faux`, cellule vide = valeur manquante (inconnue ou masquée). "
    "Une cellule de texte qui commence par `=`, `+`, `-`, `@`, une tabulation ou un retour chariot est précédée "
    "d'une apostrophe `'` pour qu'Excel ne l'exécute pas comme une formule. Les fichiers Parquet portent les "
    "valeurs exactes et leurs types."
)


def neutralise(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def format_cell(value: Any) -> str:
    """One value as French-Excel CSV text; numbers stay numbers (a negative number keeps its minus sign)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return np.format_float_positional(value, trim="-").replace(".", ",")
    if isinstance(value, decimal.Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralise(";".join(format_cell(v) for v in value))
    return neutralise(str(value))


def column_texts(column: pa.ChunkedArray) -> list[str]:
    """One column's cells as French-Excel text, exactly `format_cell` of each value, converted a column at a time
    (the type is known once per column: the API formats every filtered answer with it, see pipelines/api/formats)."""
    kind = column.type
    values = column.to_pylist()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return ["" if v is None else ("'" + v if v.startswith(FORMULA_PREFIXES) else v) for v in values]
    if pa.types.is_integer(kind):
        return ["" if v is None else str(v) for v in values]
    if pa.types.is_boolean(kind):
        return ["" if v is None else (TRUE_TEXT if v else FALSE_TEXT) for v in values]
    if pa.types.is_date(kind):
        return ["" if v is None else v.isoformat() for v in values]
    if pa.types.is_floating(kind):
        return [_float_text(v) for v in values]
    return [format_cell(v) for v in values]


def _float_text(value: float | None) -> str:
    """`format_cell` of a float without numpy's formatter when `repr` already is positional: both print the
    shortest digits that read back as the same float, so only the exponent form needs numpy."""
    if value is None:
        return ""
    text = repr(value)
    if "e" in text or "n" in text:  # exponent, nan or inf: the general rule
        return format_cell(value)
    return (text[:-2] if text.endswith(".0") else text).replace(".", ",")


def csv_bytes(table: pa.Table) -> bytes:
    """The whole table as French-Excel CSV bytes (BOM included)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(name) for name in table.column_names])
    writer.writerows(zip(*(column_texts(table.column(i)) for i in range(table.num_columns))))
    return BOM + buffer.getvalue().encode("utf-8")


def write_csv(table: pa.Table, path: Path) -> Path:
    """Write `table` to `path` as French-Excel CSV, atomically."""
    return write_atomic(path, csv_bytes(table))
