"""The two floors a refresh cannot beat, each run as its own process by benchmarks/run.py.

    python benchmarks/floors.py import          # import the libraries a refresh imports, nothing else
    python benchmarks/floors.py parse DIR       # read every export file under DIR with the pipeline's readers

The parse floor reads each file with `pipelines.lib.ingest.readers.read_tabular`, exactly as ingestion does, and
keeps nothing: no hashing, no typing, no database.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# Third-party libraries a `ptsm refresh --no-reports` process imports (checked against sys.modules at the
# end of a refresh; the notebook libraries run in their own kernels and are not in the list).
REFRESH_LIBRARIES = ["dagster", "dagster_duckdb", "duckdb", "pandas", "pyarrow", "python_calamine",
                     "great_expectations", "unidecode"]


def import_floor() -> float:
    started = time.perf_counter()
    import pipelines.lib.core.speedups as speedups  # the same import-time settings as the refresh

    speedups.apply()
    for name in REFRESH_LIBRARIES:
        __import__(name)
    return time.perf_counter() - started


def parse_floor(root: Path) -> tuple[float, int, int]:
    from pipelines.lib.catalogue.families import FAMILIES
    from pipelines.lib.ingest.readers import FileRejected, read_tabular

    started = time.perf_counter()
    files = rows = 0
    for family in FAMILIES.values():
        folder = root / family.name
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_dir() or path.name.startswith((".", "~$")) or path.suffix.lower() not in family.suffixes:
                continue
            files += 1
            try:
                tables = read_tabular(path, key_column=family.key_column, sheets=family.sheets)
            except FileRejected:
                continue
            rows += sum(len(t.rows) for t in tables.values())
    return time.perf_counter() - started, files, rows


def main(argv: list[str]) -> int:
    if argv[:1] == ["import"]:
        print(f"import floor: {import_floor():.3f} s in-process")
        return 0
    if argv[:1] == ["parse"] and len(argv) == 2:
        seconds, files, rows = parse_floor(Path(argv[1]))
        print(f"parse floor: {files} files, {rows} rows, {seconds:.3f} s in-process")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
