"""What a token may read: the access class of each mart (declared once, pipelines/lib/publish/mart_access.py), the
figures of published_comparison a region receives (pipelines/lib/publish/figure_access.py), and the masking of small
survey cells below national level.
"""

from __future__ import annotations

from pipelines.api import tokens
from pipelines.lib.core.disclosure_rule import THRESHOLD
from pipelines.lib.publish import mart_access
from pipelines.lib.publish.figure_access import FIGURES_MART, figures_for_region, read_figure_regions  # noqa: F401

NATIONAL_ONLY = "national_only"
REGIONAL = "regional"
NATIONAL = "national"
SMALL_CELL_THRESHOLD = THRESHOLD  # docs/contract.md §4: survey cells below national level with n < 5 are never shown


def reads_region(who: tokens.Principal, region: str | None) -> bool:
    """May `who` (a tokens.Principal) read a page of `region` (a regional profile, a PTSM review): a national token
    any region, a regional token its own only, any other scope (a deposit token, an unknown one) none. The one rule
    of both HTML routes (routes/profile.py, routes/review.py)."""
    if who.is_national:
        return True
    return who.scope == tokens.REGIONAL and who.region is not None and who.region == region


def access_class(mart: str, columns: list[str]) -> str:
    """`regional`, `national` or `national_only`; a regional mart that lost its region_code fails closed."""
    declared = mart_access.access_class(mart)
    if declared == mart_access.REGIONAL and "region_code" in columns:
        return REGIONAL
    if declared == mart_access.NATIONAL:
        return NATIONAL
    return NATIONAL_ONLY


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
