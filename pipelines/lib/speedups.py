"""Process-wide import settings for `ptsm refresh` (measured in benchmarks/, see BENCHMARKS.md).

GX imports altair, which imports jsonschema, whose format checker imports `rfc3987_syntax` when it is
installed (it comes with the Jupyter packages) and builds a Lark grammar at import time: ~1.7 s of every
refresh, for the `iri` string format that no schema of this project uses. The refresh process hides that
module, so jsonschema simply skips that one format. Only the refresh process calls `apply()`: the API, the
notebook kernels and the tests keep the full jsonschema.

`database_kept_open()` keeps the DuckDB warehouse open for the length of a run (see its docstring).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

SKIPPED_MODULES = ("rfc3987_syntax",)


def apply() -> None:
    """Call before anything imports jsonschema (a no-op if it already has)."""
    if "jsonschema" in sys.modules:
        return
    for name in SKIPPED_MODULES:
        sys.modules.setdefault(name, None)  # `import rfc3987_syntax` now raises ImportError


@contextmanager
def database_kept_open():
    """Hold one connection to the warehouse for the whole run.

    Every asset opens and closes its own DuckDB connection (DuckDBResource). When the last connection to a
    file closes, DuckDB checkpoints and drops the database; the next asset then reloads it: ~60 ms per asset,
    about a hundred times per refresh. While this connection is open, DuckDB's instance cache hands each asset
    a connection to the already open database (~4 ms). It is made by the pipeline's own resource, so its
    configuration is the same as the assets' (DuckDB refuses mixed configurations in one process).
    """
    from pipelines.defs.resources import build_resources

    with build_resources()["duckdb"].get_connection():
        yield
