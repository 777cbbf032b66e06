"""Process-wide import settings for `ptsm refresh` (measured in benchmarks/, see BENCHMARKS.md).

GX imports altair, which imports jsonschema, whose format checker imports `rfc3987_syntax` when it is
installed (it comes with the Jupyter packages) and builds a Lark grammar at import time: ~1.7 s of every
refresh, for the `iri` string format that no schema of this project or of its dependencies uses (none of the
installed packages' JSON schemas has an `iri` or `iri-reference` format). A process that runs refreshes hides that
module, so jsonschema simply skips that one format: `ptsm refresh`, and every process that imports the code location
(pipelines/definitions.py: Dagster's daemon, UI and run workers, and the test processes, whose collection this made
~4 CPU-seconds faster each). The API, the portal and the notebook kernels keep the full jsonschema.

Keeping the warehouse open for the length of a run is Dagster-side: `pipelines.defs.run.database_kept_open`.

`fewer_collections()` is for the run itself, once everything is imported (so the import floor of
benchmarks/floors.py, which calls `apply()` only, is not changed by it).
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager
from typing import Iterator

SKIPPED_MODULES = ("rfc3987_syntax",)


def apply() -> None:
    """Call before anything imports jsonschema (a no-op if it already has)."""
    if "jsonschema" in sys.modules:
        return
    for name in SKIPPED_MODULES:
        sys.modules.setdefault(name, None)  # `import rfc3987_syntax` now raises ImportError


# Objects allocated, less freed, between two collections of the youngest generation (Python's default: 700).
RUN_GC_THRESHOLD = 10_000


@contextmanager
def fewer_collections(threshold: int = RUN_GC_THRESHOLD) -> Iterator[None]:
    """Run the block with the objects that exist now frozen and young collections rarer; restore both after.

    A run allocates hundreds of thousands of small objects (Dagster's events, their records and serialisations)
    while the process holds millions of long-lived ones (modules, the code location, Dagster's definitions). With
    Python's defaults the collector ran ~170 times during a warm refresh and re-scanned those long-lived objects,
    ~0.2 s of CPU for almost no garbage (measured with gc.callbacks, BENCHMARKS.md round 6); frozen, they are
    never scanned, and collections every 10,000 allocations free the run's own cycles all the same."""
    before = gc.get_threshold()
    ours = gc.get_freeze_count() == 0  # a process that froze objects itself keeps them frozen, and its own unfreeze
    if ours:
        gc.freeze()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if ours:
            gc.unfreeze()
