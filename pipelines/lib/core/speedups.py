"""Process-wide import settings for `ptsm refresh` (measured in benchmarks/, see BENCHMARKS.md).

GX imports altair, which imports jsonschema, whose format checker imports `rfc3987_syntax` when it is
installed (it comes with the Jupyter packages) and builds a Lark grammar at import time: ~1.7 s of every
refresh, for the `iri` string format that no schema of this project uses. The refresh process hides that
module, so jsonschema simply skips that one format. Only the refresh process calls `apply()`: the API, the
notebook kernels and the tests keep the full jsonschema.

Keeping the warehouse open for the length of a run is Dagster-side: `pipelines.defs.run.database_kept_open`.
"""

from __future__ import annotations

import sys

SKIPPED_MODULES = ("rfc3987_syntax",)


def apply() -> None:
    """Call before anything imports jsonschema (a no-op if it already has)."""
    if "jsonschema" in sys.modules:
        return
    for name in SKIPPED_MODULES:
        sys.modules.setdefault(name, None)  # `import rfc3987_syntax` now raises ImportError
