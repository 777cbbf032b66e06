"""GX suites as blocking Dagster asset checks, each in its mart's step (expectations/marts/*.json,
pipelines/defs/checks/, pipelines/defs/transform/sql_assets.py)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from pipelines.defs.checks.suites import check_table, load_suites
from pipelines.defs.transform.sql_assets import build_sql_assets
from pipelines.lib.catalogue import vocab
from pipelines.lib.core.config import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "expectations" / "marts"
REFERENCE = PROJECT_ROOT / "data" / "reference"
SUITES = {s.name: s for s in load_suites(SUITES_DIR)}
SPEC_MARTS = [
    "ptsm_priority_coverage", "ptsm_public_coverage", "coordinator_vacancy_monthly", "coordinator_vacancy_national",
    "ptsm_cofunding", "survey_results", "ptsm_overview", "published_comparison", "quality_report",
]


def _csv_column(path: Path, column: str, **where: str) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [r[column] for r in csv.DictReader(handle) if all(r[k] == v for k, v in where.items())]


def _kwargs(suite_name: str, expectation_type: str) -> list[dict]:
    return [e["kwargs"] for e in SUITES[suite_name].document["expectations"] if e["type"] == expectation_type]


# --- the suite files themselves ---------------------------------------------------------------------------------


def test_every_spec_mart_has_a_suite():
    assert set(SPEC_MARTS) <= set(SUITES)


def test_every_mart_sql_file_has_a_suite():
    """A new mart without expectations would be published unchecked."""
    sql_marts = {p.stem for p in (PROJECT_ROOT / "sql" / "marts").glob("*.sql")}
    assert sql_marts and sql_marts <= set(SUITES)


@pytest.mark.parametrize("name", sorted(SUITES))
def test_suite_file_is_a_gx_expectation_suite(name):
    import great_expectations as gx

    document = SUITES[name].document
    suite = gx.ExpectationSuite(**document)
    assert suite.name == name
    assert len(suite.expectations) == len(document["expectations"]) > 0
    # every expectation says why it exists, in French, for whoever reads a failure
    assert all(e["meta"].get("why") for e in document["expectations"])


@pytest.mark.parametrize("name", sorted(SUITES))
def test_suite_columns_match_the_mart_sql_header(name):
    """The suite's column contract and the SQL file's `-- column` header must not drift apart."""
    sql = PROJECT_ROOT / "sql" / "marts" / f"{name}.sql"
    assert sql.exists(), f"expectations/marts/{name}.json checks a mart without its SQL file ({sql.name})"
    header_columns = re.findall(r"^--\s*column\s+([a-z0-9_]+)\s*:", sql.read_text(encoding="utf-8"), flags=re.M)
    (contract,) = _kwargs(name, "expect_table_columns_to_match_set")
    assert sorted(contract["column_set"]) == sorted(header_columns)


def test_region_value_sets_are_the_reference_regions():
    regions = sorted(_csv_column(REFERENCE / "regions.csv", "region_code"))
    with_region = {s for s in SUITES if re.search(r"^--\s*column\s+region_code\s*:",
                   (PROJECT_ROOT / "sql" / "marts" / f"{s}.sql").read_text(encoding="utf-8"), flags=re.M)}
    sets = {s: k["value_set"] for s in SUITES for k in _kwargs(s, "expect_column_values_to_be_in_set")
            if k["column"] == "region_code"}
    assert set(sets) == with_region  # every suite of a mart with a region_code column, and only those
    assert all(sorted(v) == regions for v in sets.values())


def test_public_and_figure_value_sets_follow_the_reference_files():
    (publics,) = [k["value_set"] for k in _kwargs("ptsm_public_coverage", "expect_column_values_to_be_in_set")
                  if k["column"] == "public"]
    assert sorted(publics) == sorted(vocab.labels("public"))
    figures = _csv_column(REFERENCE / "published_figures.csv", "figure_id")
    (figure_set,) = [k["value_set"] for k in _kwargs("published_comparison", "expect_column_values_to_be_in_set")
                     if k["column"] == "figure_id"]
    assert sorted(figure_set) == sorted(figures)
    assert _kwargs("published_comparison", "expect_table_row_count_to_equal") == [{"value": len(figures)}]


def test_registry_has_the_104_ptsm_the_suites_expect():
    ids = _csv_column(REFERENCE / "ptsm_registry.csv", "ptsm_id")
    assert len(ids) == len(set(ids)) == 104
    (regex,) = {k["regex"] for s in SUITES for k in _kwargs(s, "expect_column_values_to_match_regex")
                if k["column"] == "ptsm_id"}
    assert all(re.match(regex, i) for i in ids)


def test_every_mart_step_carries_its_suite_as_one_blocking_check():
    assets = build_sql_assets()
    specs = [spec for a in assets for spec in a.check_specs]
    expected = [(n, f"gx_{n}") for n in SUITES] + [("survey_results_region", "disclosure_audit")]
    assert sorted((s.asset_key.path[1], s.name) for s in specs) == sorted(expected)
    assert all(s.asset_key.path[0] == "marts" and s.blocking for s in specs)
    # in the step that builds the mart: one step per mart, no step of its own per check
    for asset in assets:
        assert {spec.asset_key for spec in asset.check_specs} <= set(asset.keys)


# --- running the checks --------------------------------------------------------------------------------------

REGISTRY_SQL = f"select ptsm_id, region_code from read_csv('{REFERENCE / 'ptsm_registry.csv'}', all_varchar = true)"
COVERAGE_HEADER = "".join(f"-- column {c}: {c}.\n" for c in ("ptsm_id", "region_code", "priority", "n_actions",
                                                              "n_actions_implemented", "covered"))

# 104 PTSM × 6 priorities; PTSM-01 has 2 actions on priority 1 (1 implemented), PTSM-02 has no workbook (nulls).
VALID_PRIORITY_COVERAGE = f"""
with r as ({REGISTRY_SQL}), p as (select unnest(range(1, 7))::integer as priority),
grid as (
    select r.ptsm_id, r.region_code, p.priority,
           case when r.ptsm_id = 'PTSM-02' then null when r.ptsm_id = 'PTSM-01' and p.priority = 1 then 2 else 0 end
               as n_actions,
           case when r.ptsm_id = 'PTSM-02' then null when r.ptsm_id = 'PTSM-01' and p.priority = 1 then 1 else 0 end
               as n_actions_implemented
    from r cross join p
)
select *, n_actions >= 1 as covered from grid order by ptsm_id, priority
"""

# 623 rows: (PTSM-01, 6) is gone and (PTSM-01, 5) became a second (PTSM-01, 4); PTSM-03 priority 2 claims
# 3 implemented actions out of 1.
BROKEN_PRIORITY_COVERAGE = f"""
select ptsm_id, region_code,
       case when ptsm_id = 'PTSM-01' and priority = 5 then 4 else priority end as priority,
       case when ptsm_id = 'PTSM-03' and priority = 2 then 1 else n_actions end as n_actions,
       case when ptsm_id = 'PTSM-03' and priority = 2 then 3 else n_actions_implemented end as n_actions_implemented,
       case when ptsm_id = 'PTSM-03' and priority = 2 then true else covered end as covered
from ({VALID_PRIORITY_COVERAGE}) as valid
where not (ptsm_id = 'PTSM-01' and priority = 6)
"""


def _run(tmp_path: Path, sql: str) -> dg.ExecuteInProcessResult:
    """The mart and one built on it, from SQL files, through the pipeline's own SQL asset factory: the mart's step
    builds it in the scratch schema and runs its suite; `downstream` stands for everything built on a mart."""
    sql_dir, suites = tmp_path / "sql", tmp_path / "suites"
    (sql_dir / "marts").mkdir(parents=True)
    suites.mkdir()
    (sql_dir / "marts" / "ptsm_priority_coverage.sql").write_text(COVERAGE_HEADER + sql, encoding="utf-8")
    (sql_dir / "marts" / "downstream.sql").write_text(
        "-- column n: n.\nselect count(*) as n from marts.ptsm_priority_coverage\n", encoding="utf-8")
    shutil.copy(SUITES["ptsm_priority_coverage"].path, suites)
    return dg.materialize(build_sql_assets(sql_dir, suites),
                          resources={"duckdb": DuckDBResource(database=str(tmp_path / "w.duckdb"))},
                          raise_on_error=False)


def _evaluation(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == "gx_ptsm_priority_coverage"
    return evaluation


def test_valid_mart_passes_and_downstream_runs(tmp_path, capfd):
    result = _run(tmp_path, VALID_PRIORITY_COVERAGE)
    evaluation = _evaluation(result)
    assert evaluation.passed is True
    assert evaluation.metadata["failed_expectations"].value == []
    assert evaluation.metadata["rows"].value == 624
    assert evaluation.metadata["evaluated"].value == SUITES["ptsm_priority_coverage"].n_expectations
    assert result.success
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert materialized == {"ptsm_priority_coverage", "downstream"}
    assert "Calculating Metrics" not in capfd.readouterr().err


def test_broken_mart_fails_names_expectations_and_blocks_downstream(tmp_path):
    result = _run(tmp_path, BROKEN_PRIORITY_COVERAGE)
    evaluation = _evaluation(result)
    assert evaluation.passed is False
    failed = {f["expectation"]: f for f in evaluation.metadata["failed_expectations"].value}
    assert set(failed) == {
        "expect_table_row_count_to_equal",
        "expect_compound_columns_to_be_unique",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
    assert failed["expect_table_row_count_to_equal"]["observed_value"] == 623
    assert failed["expect_table_row_count_to_equal"]["expected_value"] == 624
    assert failed["expect_compound_columns_to_be_unique"]["unexpected_count"] == 2
    assert failed["expect_compound_columns_to_be_unique"]["column_list"] == ["ptsm_id", "priority"]
    pair = failed["expect_column_pair_values_a_to_be_greater_than_b"]
    assert (pair["column_A"], pair["column_B"], pair["unexpected_count"]) == ("n_actions", "n_actions_implemented", 1)
    assert pair["partial_unexpected_list"] == [[1, 3]]
    assert evaluation.metadata["unsuccessful"].value == 3
    # blocking: the run fails and nothing downstream of the mart is built
    assert result.success is False
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert materialized == {"ptsm_priority_coverage"}


# --- cross-row rules (meta.unexpected_rows), run directly on a DuckDB connection ------------------------------


def _national(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("create schema marts")
    conn.execute(
        "create table marts.coordinator_vacancy_national (snapshot_date date, n_ptsm integer, n_vacant integer,"
        " vacancy_rate double, coordinators_in_post integer, fte_in_post double)"
    )
    conn.executemany("insert into marts.coordinator_vacancy_national values (?, ?, ?, ?, ?, ?)", rows)
    return conn


def test_national_vacancy_contiguous_months_pass():
    conn = _national([("2021-01-31", 104, 26, 0.25, 80, 70.5), ("2021-02-28", 104, 52, 0.5, 54, 50.0),
                      ("2021-03-31", 104, 0, 0.0, 110, 100.0)])
    outcome = check_table(conn, "marts", SUITES["coordinator_vacancy_national"])
    assert (outcome.passed, outcome.rows, outcome.failed) == (True, 3, [])


def test_national_vacancy_gap_share_above_one_and_wrong_rate_fail():
    # March is missing (a gap), and in April 2021 the rate 1.5 is above 1 and is not 26 / 104.
    conn = _national([("2021-01-31", 104, 26, 0.25, 80, 70.5), ("2021-02-28", 104, 52, 0.5, 54, 50.0),
                      ("2021-04-30", 104, 26, 1.5, 80, 70.5)])
    outcome = check_table(conn, "marts", SUITES["coordinator_vacancy_national"])
    failed = {f["expectation"]: f for f in outcome.failed}
    assert set(failed) == {"expect_column_values_to_be_between", "snapshot_months_contiguous",
                           "vacancy_rate_is_n_vacant_over_n_ptsm"}
    assert failed["expect_column_values_to_be_between"]["column"] == "vacancy_rate"
    assert failed["expect_column_values_to_be_between"]["partial_unexpected_list"] == [1.5]
    assert failed["snapshot_months_contiguous"]["partial_unexpected_list"] == [
        {"first_d": "2021-01-31T00:00:00", "last_d": "2021-04-30T00:00:00", "n": 3}
    ]
    assert failed["vacancy_rate_is_n_vacant_over_n_ptsm"]["unexpected_count"] == 1


def test_missing_values_are_reported_as_json_null():
    conn = duckdb.connect()
    conn.execute("create schema marts")
    conn.execute("create table marts.quality_report (source_file varchar, row_number integer, field varchar,"
                 " value varchar, reason varchar)")
    conn.execute("insert into marts.quality_report values ('a.csv', 2, 'x', 'y', null), ('a.csv', 0, 'x', 'y', 'z')")
    outcome = check_table(conn, "marts", SUITES["quality_report"])
    failed = {(f["expectation"], f["column"]): f for f in outcome.failed}
    assert set(failed) == {("expect_column_values_to_not_be_null", "reason"),
                           ("expect_column_values_to_be_between", "row_number")}
    assert failed[("expect_column_values_to_not_be_null", "reason")]["partial_unexpected_list"] == [None]
    assert failed[("expect_column_values_to_be_between", "row_number")]["partial_unexpected_list"] == [0]


def test_empty_quality_report_passes():
    conn = duckdb.connect()
    conn.execute("create schema marts")
    conn.execute("create table marts.quality_report (source_file varchar, row_number integer, field varchar,"
                 " value varchar, reason varchar)")
    outcome = check_table(conn, "marts", SUITES["quality_report"])
    assert (outcome.passed, outcome.rows) == (True, 0)


def test_missing_column_is_reported_not_crashed():
    conn = duckdb.connect()
    conn.execute("create schema marts")
    conn.execute("create table marts.quality_report (source_file varchar, row_number integer, value varchar)")
    outcome = check_table(conn, "marts", SUITES["quality_report"])
    failed = {f["expectation"]: f for f in outcome.failed}
    assert outcome.passed is False
    assert "expect_table_columns_to_match_set" in failed
    assert 'column "reason"' in failed["expect_column_values_to_not_be_null"]["exception"]
    json.dumps(outcome.failed)  # metadata must be plain JSON
