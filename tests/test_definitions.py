"""The code location loads, and its asset graph matches the committed snapshot (an accidental re-key shows as a diff).

Update the snapshot on purpose with: PTSM_UPDATE_SNAPSHOT=1 uv run pytest tests/test_definitions.py"""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("snapshots") / "asset_graph.json"


def _graph() -> dict:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
        }
    checks = sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys)
    jobs = sorted(job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__"))
    schedules = sorted(s.name for s in defs.schedules or [])
    sensors = sorted(s.name for s in defs.sensors or [])
    return {"assets": assets, "checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors}


def test_asset_graph_matches_snapshot():
    current = _graph()
    if os.environ.get("PTSM_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_every_mart_has_a_blocking_check_and_feeds_the_publication():
    current = _graph()
    marts = [key for key in current["assets"] if key.startswith("marts/")]
    names = {key.removeprefix("marts/") for key in marts}
    # docs/contract.md §4 (indicators, then time marts), written out here; the project adds marts of its own
    assert {"ptsm_priority_coverage", "ptsm_public_coverage", "coordinator_vacancy_monthly",
            "coordinator_vacancy_national", "ptsm_cofunding", "survey_results", "ptsm_overview", "published_comparison",
            "quality_report", "survey_wave_comparison", "ptsm_plan_history", "priority_coverage_monthly",
            "action_progress"} <= names
    # README "New mart": one sql/marts/<name>.sql per mart, nothing else
    assert names == {p.stem for p in (Path(__file__).resolve().parents[1] / "sql" / "marts").glob("*.sql")}
    assert sorted(current["assets"]["publish/marts_release"]["deps"]) == sorted(marts)
    # the other checks are the two non-blocking freshness checks on the publication (pipelines/defs/freshness.py)
    others = {c for c in current["checks"] if not c.startswith("marts/")}
    assert others == {"publish/marts_release:marts_freshness", "publish/marts_release:monthly_exports_arrived"}
    assert {check.split(":")[0] for check in current["checks"] if check not in others} == set(marts)


def test_every_table_has_one_writer_and_sql_reads_the_bookkeeping_tables_directly():
    graph = _graph()["assets"]
    for table in ("raw/file_ledger", "raw/file_issues", "staging/row_issues", "staging/synonym_usage"):
        assert table in graph, table
    # a SQL model that reads a bookkeeping table depends on that table, not on every table of the writer
    assert graph["staging/milestones"]["deps"] == ["staging/latest_file_selection", "staging/milestone_rows"]
    assert "raw/file_ledger" in graph["staging/latest_file_selection"]["deps"]
    assert {"raw/file_issues", "staging/row_issues", "staging/latest_file_selection", "staging/workbook_selection",
            "staging/survey_row_selection"} <= set(graph["marts/quality_report"]["deps"])
    assert "staging/synonym_usage" in graph["staging/unused_synonyms"]["deps"]


def test_a_sql_asset_code_version_is_the_hash_of_its_file(tmp_path, monkeypatch):
    import hashlib
    import shutil

    from pipelines.defs.transform.sql_assets import build_sql_assets
    from pipelines.lib.core.config import PROJECT_ROOT

    def versions() -> dict[str, str]:
        return {key.to_user_string(): version for asset in build_sql_assets()
                for key, version in asset.code_versions_by_key.items()}

    overview = PROJECT_ROOT / "sql" / "marts" / "ptsm_overview.sql"
    assert versions()["marts/ptsm_overview"] == hashlib.sha256(overview.read_bytes()).hexdigest()[:16]
    # "code changed" in the UI: an edited SQL file gets a new version, the others keep theirs
    shutil.copytree(PROJECT_ROOT / "sql", tmp_path / "sql")
    edited = tmp_path / "sql" / "marts" / "ptsm_overview.sql"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    monkeypatch.setenv("PTSM_SQL_DIR", str(tmp_path / "sql"))
    after = versions()
    assert after["marts/ptsm_overview"] == hashlib.sha256(edited.read_bytes()).hexdigest()[:16]
    monkeypatch.delenv("PTSM_SQL_DIR")
    original = versions()
    assert after["marts/ptsm_overview"] != original["marts/ptsm_overview"]
    assert {k: v for k, v in after.items() if k != "marts/ptsm_overview"} == \
        {k: v for k, v in original.items() if k != "marts/ptsm_overview"}


def test_a_code_location_built_for_another_sql_folder_builds_waits_for_and_publishes_its_marts(tmp_path):
    """`build_defs(settings)` for a copy of sql/ without one mart: no asset builds it (its suite, left
    in expectations/, checks nothing), and the publication neither waits for it nor lists it (it did, from the folder read at import, when only the SQL assets followed the settings)."""
    import dataclasses
    import shutil

    import dagster as dg

    from pipelines.definitions import build_defs, defs
    from pipelines.lib.core.config import PROJECT_ROOT, get_settings

    shutil.copytree(PROJECT_ROOT / "sql", tmp_path / "sql")
    (tmp_path / "sql" / "marts" / "published_comparison.sql").unlink()
    other = build_defs(dataclasses.replace(get_settings(), sql_dir=tmp_path / "sql"))

    def graph(location) -> tuple[set[str], set[str]]:
        nodes = location.resolve_asset_graph()
        publication = nodes.get(dg.AssetKey(["publish", "marts_release"]))
        return ({k.to_user_string() for k in nodes.get_all_asset_keys() if nodes.get(k).is_materializable},
                {k.to_user_string() for k in publication.parent_keys})

    keys, waits_for = graph(other)
    default_keys, default_waits_for = graph(defs)
    assert "marts/published_comparison" in default_keys and "marts/published_comparison" in default_waits_for
    assert "marts/published_comparison" not in keys and "marts/published_comparison" not in waits_for
    assert waits_for == default_waits_for - {"marts/published_comparison"}


def test_schedule_is_monthly_in_paris_time():
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def("dmsmp_monthly_refresh")
    assert schedule.execution_timezone == "Europe/Paris"
    assert schedule.cron_schedule == "0 6 2 * *"


# The raw-folder sensor is tested in tests/test_automation_sensor.py.


def test_the_masked_survey_mart_changes_version_when_its_python_masking_changes(tmp_path):
    """survey_results_region's published cells are decided by its SQL and by the audit-driven masking in Python
    (pipelines/lib/quality/secondary_suppression.py): an edit of either must show as "code changed", the SQL's hash
    alone would hide a change of the masking rule."""
    from pipelines.defs.transform.sql_assets import build_sql_assets, protected_code_version

    versions = {key.to_user_string(): version for asset in build_sql_assets()
                for key, version in asset.code_versions_by_key.items()}
    from pipelines.lib.core.config import PROJECT_ROOT
    from pipelines.lib.warehouse.sql_files import load_models

    sql_only = next(m for m in load_models(PROJECT_ROOT / "sql", "marts") if m.name == "survey_results_region")
    assert versions["marts/survey_results_region"] != sql_only.code_version
    # any other mart keeps the hash of its SQL alone
    overview = next(m for m in load_models(PROJECT_ROOT / "sql", "marts") if m.name == "ptsm_overview")
    assert versions["marts/ptsm_overview"] == overview.code_version
    module = tmp_path / "masking.py"
    module.write_text("THRESHOLD = 5\n", encoding="utf-8")
    before = protected_code_version("abc", [module])
    module.write_text("THRESHOLD = 11\n", encoding="utf-8")
    assert protected_code_version("abc", [module]) != before
    assert protected_code_version("abd", [module]) != protected_code_version("abc", [module])


def test_the_masked_survey_mart_waits_for_the_national_results_its_masking_reads():
    """The audit-driven masking of survey_results_region, and the disclosure audit after it, read survey_results as
    built in the same run (its SQL reads it too); its two checks, the GX suite and the disclosure audit, run in its
    own step, after the masking, so that a failing suite never hides the audit's verdict."""
    import dagster as dg

    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    region, national = dg.AssetKey(["marts", "survey_results_region"]), dg.AssetKey(["marts", "survey_results"])
    assert national in graph.get(region).parent_keys
    checks = {key.name for key in graph.get(region).check_keys}
    assert checks == {"gx_survey_results_region", "disclosure_audit"}
    job = defs.resolve_job_def("ptsm_refresh_no_reports")
    steps = {node.name for node in job.nodes_in_topological_order}
    assert "marts__survey_results_region" in steps
    assert not [s for s in steps if s.endswith(("_disclosure_audit", "_gx_survey_results_region"))], steps


def test_the_reference_tables_are_one_asset_each_loaded_in_one_step(tmp_path):
    """One step loads every reference table (a step each cost Dagster's orchestration for nothing), each table still
    its own asset with its row count; a selection of one table loads that table alone."""
    import dagster as dg
    import duckdb
    from dagster_duckdb import DuckDBResource

    from pipelines.defs.ingest.reference import reference_tables
    from pipelines.defs.resources import PtsmPaths
    from pipelines.definitions import defs
    from pipelines.lib.catalogue.reference import REFERENCE_TABLES, VOCABULARY_TABLES
    from pipelines.lib.core.config import PROJECT_ROOT

    job = defs.resolve_job_def("ptsm_refresh_no_reports")
    steps = {node.name for node in job.nodes_in_topological_order}
    assert "reference__tables" in steps and not [s for s in steps if s.startswith("reference__ref_") and
                                                 s.removeprefix("reference__") in REFERENCE_TABLES]
    expected = {dg.AssetKey(["reference", t]) for t in [*REFERENCE_TABLES, *VOCABULARY_TABLES]}
    assert set(reference_tables.keys) == expected

    resources = {"duckdb": DuckDBResource(database=str(tmp_path / "w.duckdb")),
                 "paths": PtsmPaths(**{field: str(tmp_path) for field in ("raw_dir", "sample_dir", "marts_dir",
                                                                          "reports_dir", "secret_dir", "notebooks_dir")},
                                    reference_dir=str(PROJECT_ROOT / "data" / "reference"))}
    regions = dg.AssetKey(["reference", "ref_regions"])
    result = dg.materialize([reference_tables], selection=[regions], resources=resources)
    (only,) = result.get_asset_materialization_events()
    assert only.asset_key == regions and only.materialization.metadata["rows"].value == 18
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("select count(*) from ref_regions").fetchone() == (18,)
        assert con.execute("select count(*) from duckdb_tables() where table_name = 'ref_vocabularies'").fetchone() == (0,)


def test_a_layer_s_sql_models_are_built_in_one_step_in_the_order_of_their_dependencies(tmp_path):
    """The staging models run in one step (a step each cost Dagster's orchestration for tables of milliseconds), in
    the order their SQL reads each other whatever their names say; each is still its own asset, and a selection of
    some builds those alone. The marts keep a step each, for their blocking checks."""
    import dagster as dg
    import duckdb
    from dagster_duckdb import DuckDBResource

    from pipelines.defs.transform.sql_assets import build_sql_assets
    from pipelines.definitions import defs

    steps = [node.name for node in defs.resolve_job_def("ptsm_refresh_no_reports").nodes_in_topological_order]
    assert [s for s in steps if not s.startswith("marts__")] == [
        "raw_exports", "reference__tables", "reference__ref_ptsm_perimeter", "staging_rows", "staging__sql_models",
        "publish__marts_release"]
    assert len([s for s in steps if s.startswith("marts__")]) == 21

    sql, suites = tmp_path / "sql", tmp_path / "suites"
    (sql / "staging").mkdir(parents=True)
    (sql / "marts").mkdir()
    suites.mkdir()
    (sql / "staging" / "a_total.sql").write_text("select sum(n) as total from staging.m_doubled\n")
    (sql / "staging" / "m_doubled.sql").write_text("select 2 * n as n from staging.z_numbers\n")
    (sql / "staging" / "z_numbers.sql").write_text("select unnest(range(1, 5)) as n\n")
    (step,) = build_sql_assets(sql, suites)
    resources = {"duckdb": DuckDBResource(database=str(tmp_path / "w.duckdb"))}
    result = dg.materialize([step], resources=resources)
    assert [e.asset_key.path[-1] for e in result.get_asset_materialization_events()] == [
        "z_numbers", "m_doubled", "a_total"]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("select total from staging.a_total").fetchone() == (20,)  # 2 × (1 + 2 + 3 + 4)
        con.execute("drop table staging.a_total")
    only = dg.materialize([step], selection=[dg.AssetKey(["staging", "a_total"])], resources=resources)
    assert [e.asset_key.path[-1] for e in only.get_asset_materialization_events()] == ["a_total"]
