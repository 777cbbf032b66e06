"""Which published figures a region may receive: `published_comparison` has no region_code, but some of its
figures are about one region, département or PTSM (Gironde funding, the Nouvelle-Aquitaine total...).

The region of each figure is declared with its definition: column `region_code` of
data/reference/published_figures.csv (empty = national; several codes joined by `;` when a figure names PTSM
of several regions; it restates the `scope` column through the registry, and a test keeps the two in step).
A region receives the national figures and the figures about itself alone; a figure that is in no definition is
not proven harmless, so it goes to national readers only. Used by the API and by `ptsm export --region`.
"""

from __future__ import annotations

import csv
from pathlib import Path

FIGURES_MART = "published_comparison"
FIGURES_FILE = "published_figures.csv"


def read_figure_regions(reference_dir: Path) -> dict[str, frozenset[str]]:
    """figure_id -> the regions it is about (empty: a national figure)."""
    with open(Path(reference_dir) / FIGURES_FILE, encoding="utf-8", newline="") as fh:
        return {
            row["figure_id"]: frozenset(c.strip() for c in (row.get("region_code") or "").split(";") if c.strip())
            for row in csv.DictReader(fh)
        }


def figures_for_region(figure_regions: dict[str, frozenset[str]], region: str) -> list[str]:
    """The figure ids a reader of `region` may receive: national ones, and those about `region` alone."""
    return sorted(f for f, regions in figure_regions.items() if not regions or regions == {region})
