"""The per-mart access class is declared once (pipelines/lib/publish/mart_access.py) and matches the marts themselves."""

from __future__ import annotations

from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.publish.mart_access import ACCESS, NATIONAL, NEVER, REGIONAL, access_class, national_only
from pipelines.lib.warehouse.sql_files import load_models

MODELS = {m.name: m for m in load_models(PROJECT_ROOT / "sql", "marts")}


def test_every_mart_is_declared_and_nothing_else():
    assert sorted(ACCESS) == sorted(MODELS)


def test_regional_marts_are_exactly_those_with_a_region_code():
    """A regional reader gets its rows through `region_code`; a national mart is shared whole as context."""
    never = {m for m, access in ACCESS.items() if access == NEVER}  # internal (quality_report, collection_status)
    with_region = {name for name, model in MODELS.items() if "region_code" in model.columns} - never
    assert {m for m, access in ACCESS.items() if access == REGIONAL} == with_region
    assert {m for m, access in ACCESS.items() if access == NATIONAL} == set(MODELS) - with_region - never
    assert never == {"quality_report", "collection_status"}  # what the DMSMP alone reads


def test_quality_report_never_leaves_and_unknown_marts_fail_closed():
    assert access_class("quality_report") == NEVER
    assert access_class("a_new_mart_nobody_declared") == NEVER
    assert national_only(["ptsm_overview", "quality_report", "x"]) == {"quality_report", "x"}
