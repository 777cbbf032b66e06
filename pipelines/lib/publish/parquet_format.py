"""Parquet as published: fixed writer settings, so the same table gives the same bytes (a reproducible release)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lib.core.files import atomic_file

PARQUET_OPTIONS = dict(
    compression="zstd", compression_level=3, row_group_size=131_072, use_dictionary=True,
    write_statistics=True, version="2.6", data_page_version="1.0",
)


def write_parquet(table: pa.Table, path: Path, labels: dict[str, str]) -> Path:
    """Write `table` atomically; the input labels (synthetic or not, input, release) ride in the schema metadata."""
    metadata = {**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in sorted(labels.items())}}
    table = table.replace_schema_metadata(metadata)
    with atomic_file(path) as handle:
        pq.write_table(table, handle, **PARQUET_OPTIONS)
    return Path(path)
