"""Who may receive each mart: the one declaration read by the regional export and by the API.

- `regional`: the mart has a `region_code` column; a region (ORS export, regional token) gets its own rows only.
- `national`: a national aggregate without `region_code`, shared whole as context with every region.
- `never`: never leaves the observatory (export) and is served to national tokens only (API): it may carry raw
  values copied from the exports.
A mart missing from this table is treated as `never` (fail closed) and a test flags it.
"""

from __future__ import annotations

from typing import Iterable

REGIONAL, NATIONAL, NEVER = "regional", "national", "never"

ACCESS: dict[str, str] = {
    "action_progress": REGIONAL,
    "collection_status": NEVER,  # who sent what, refusal reasons quoting raw values: DMSMP/ARS portal pages only
    "coordinator_employer_monthly": REGIONAL,  # each PTSM's employer by month, no name: the reviews' post history
    "coordinator_posts_national": NATIONAL,
    "coordinator_vacancy_monthly": REGIONAL,
    "coordinator_vacancy_national": NATIONAL,
    "population_coverage": NATIONAL,
    "priority_coverage_monthly": NATIONAL,
    "ptsm_actions": REGIONAL,
    "ptsm_cofunding": REGIONAL,
    "ptsm_funding": REGIONAL,
    "ptsm_milestones_monthly": NATIONAL,
    "ptsm_overview": REGIONAL,
    "ptsm_plan_history": REGIONAL,
    "ptsm_priority_coverage": REGIONAL,
    "ptsm_public_coverage": REGIONAL,
    "published_comparison": NATIONAL,
    "quality_report": NEVER,
    "survey_results": NATIONAL,
    "survey_results_region": REGIONAL,
    "survey_wave_comparison": NATIONAL,
}


def access_class(mart: str) -> str:
    return ACCESS.get(mart, NEVER)


def national_only(marts: Iterable[str]) -> frozenset[str]:
    """The marts a regional reader never receives."""
    return frozenset(m for m in marts if access_class(m) == NEVER)
