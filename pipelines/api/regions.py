"""The region codes the API and `ptsm token create` accept (data/reference/regions.csv)."""

from __future__ import annotations

import csv
from pathlib import Path


def read_regions(reference_dir: Path) -> dict[str, str]:
    with open(Path(reference_dir) / "regions.csv", encoding="utf-8", newline="") as fh:
        return {row["region_code"]: row["region_nom"] for row in csv.DictReader(fh)}
