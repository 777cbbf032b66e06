"""What a token may read: the access class of each mart, and the rows of a mart a regional token receives.

Three classes: `national_only` (never leaves the observatory: raw values of the exports), `regional` (has a
`region_code`: a regional token gets its region's rows) and `national` (national aggregates, open to every
token). `published_comparison` has no region_code but mixes national figures with figures about one region,
département or PTSM: a regional token receives the national figures and its own region's only. Which region a
figure is about comes from the figure definitions (`scope` of data/reference/published_figures.csv).
"""

from __future__ import annotations

import csv
from pathlib import Path

from pipelines.lib.publish import NATIONAL_MARTS, NEVER_EXPORTED

NATIONAL_ONLY = "national_only"
REGIONAL = "regional"
NATIONAL = "national"
FIGURES_MART = "published_comparison"
FIGURES_FILE = "published_figures.csv"
SMALL_CELL_THRESHOLD = 5  # SPEC §4: survey cells below national level with n < 5 are never shown
UNKNOWN_REGION = "?"  # a figure whose scope names nothing we know: national tokens only


def access_class(mart: str, columns: list[str]) -> str:
    if mart in NEVER_EXPORTED:
        return NATIONAL_ONLY
    if "region_code" in columns:
        return REGIONAL
    if mart in NATIONAL_MARTS or mart == FIGURES_MART:
        return NATIONAL
    return NATIONAL_ONLY  # an unknown mart without region_code: not opened to regions by accident


def read_figure_scopes(reference_dir: Path) -> dict[str, str]:
    """figure_id -> scope text (`national`, `region 84`, `PTSM-47`, `PTSM-75; PTSM-13`)."""
    path = Path(reference_dir) / FIGURES_FILE
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["figure_id"]: (row.get("scope") or "").strip() for row in csv.DictReader(fh)}


def figure_regions(scope: str, regions_of_ptsm: dict[str, str]) -> frozenset[str] | None:
    """The regions a figure is about (None = a national figure)."""
    if scope.lower() == "national":
        return None
    regions = set()
    for item in (part.strip() for part in scope.split(";")):
        if item.lower().startswith("region "):
            regions.add(item[7:].strip())
        else:
            regions.add(regions_of_ptsm.get(item, UNKNOWN_REGION))
    return frozenset(regions or {UNKNOWN_REGION})


def figures_for_region(scopes: dict[str, str], regions_of_ptsm: dict[str, str], region: str) -> list[str]:
    """The figure ids a token of `region` may read: national ones and those about its region alone.

    A figure absent from the definitions is not listed (so not served): unknown means not proven harmless."""
    allowed = []
    for figure_id, scope in sorted(scopes.items()):
        regions = figure_regions(scope, regions_of_ptsm)
        if regions is None or regions == {region}:
            allowed.append(figure_id)
    return allowed


def masked_columns(columns: list[str]) -> dict[str, str]:
    """Column -> SQL expression, for marts of small survey cells below national level (n and region_code).

    The rule reads the numbers themselves (n < 5, denominator < 5), never only a `suppressed` flag, so a mart
    that forgot the flag, or a flag that is wrong, still cannot show a small count."""
    if not ("n" in columns and "region_code" in columns):
        return {}
    hidden_parts = ['"n" is null', f'"n" < {SMALL_CELL_THRESHOLD}']
    if "denominator" in columns:
        hidden_parts += ['"denominator" is null', f'"denominator" < {SMALL_CELL_THRESHOLD}']
    if "suppressed" in columns:
        hidden_parts.append('coalesce("suppressed", true)')
    hidden = "(" + " or ".join(hidden_parts) + ")"
    expressions = {"n": f'case when {hidden} then null else "n" end'}
    if "share" in columns:
        expressions["share"] = f'case when {hidden} then null else "share" end'
    if "denominator" in columns:
        expressions["denominator"] = (
            f'case when "denominator" < {SMALL_CELL_THRESHOLD} then null else "denominator" end')
    if "suppressed" in columns:
        expressions["suppressed"] = hidden
    return expressions
