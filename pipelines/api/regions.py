"""The region codes the API and `ptsm token create` accept (data/reference/regions.csv)."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.catalogue.reference import regions


def read_regions(reference_dir: Path) -> dict[str, str]:
    return regions(Path(reference_dir))
