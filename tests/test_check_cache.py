"""Issue 22 §3: a refresh whose marts did not change reuses the GX result of each identical table instead of importing
GX and validating again (pipelines/defs/checks/suites.py). Reuse must never hide a failure: any change of the table's
values or types, or of the suite, validates again; the `unexpected_rows` queries always run. Real DuckDB, real GX."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines.defs.checks.suites import SuiteFile, check_table, forget_process_results, table_fingerprint

DOCUMENT = {"name": "mart_t", "expectations": [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "ptsm_id"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "n", "min_value": 0, "max_value": 10}}],
    "meta": {"unexpected_rows": [{"name": "no_negative_total", "description": "total négatif",
                                  "query": "select * from {batch} where n < -100"}]}}


def _suite(document=DOCUMENT) -> SuiteFile:
    return SuiteFile(name="mart_t", path=Path("mart_t.json"), document=document)


@pytest.fixture(autouse=True)
def nothing_validated_before():
    """Each test starts as a new process would: no GX result of this process's earlier validations to reuse."""
    forget_process_results()
    yield
    forget_process_results()


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema scratch")
    con.execute("create table scratch.mart_t as select * from (values ('PTSM-01', 3), ('PTSM-02', 7)) v(ptsm_id, n)")
    return con


@pytest.mark.slow  # imports GX and validates several times (a few seconds)
def test_identical_content_reuses_the_result_and_any_change_validates_again(con, tmp_path):
    cache = tmp_path / "warehouse.duckdb.gx-results.json"
    first = check_table(con, "scratch", _suite(), cache=cache)
    assert (first.passed, first.evaluated, first.rows, first.reused) == (True, 3, 2, None)
    stored = json.loads(cache.read_text(encoding="utf-8"))["mart_t"]

    again = check_table(con, "scratch", _suite(), cache=cache)
    assert (again.passed, again.evaluated, again.rows, again.reused) == (True, 3, 2, stored["at"])

    con.execute("update scratch.mart_t set n = 12 where ptsm_id = 'PTSM-02'")  # out of range: must fail
    changed = check_table(con, "scratch", _suite(), cache=cache)
    assert changed.reused is None and changed.passed is False
    assert [(f["expectation"], f["column"], f["unexpected_count"]) for f in changed.failed] == \
        [("expect_column_values_to_be_between", "n", 1)]
    # the failing result is reused while the table stays as it is: still a failure
    assert check_table(con, "scratch", _suite(), cache=cache).passed is False

    con.execute("update scratch.mart_t set n = 7 where ptsm_id = 'PTSM-02'")
    assert check_table(con, "scratch", _suite(), cache=cache).reused == stored["at"]  # this process remembers it
    con.execute("update scratch.mart_t set n = 8 where ptsm_id = 'PTSM-02'")
    check_table(con, "scratch", _suite(), cache=cache)
    con.execute("update scratch.mart_t set n = 7 where ptsm_id = 'PTSM-02'")
    forget_process_results()  # as a new process would: the cache file alone, which keeps the last validation only
    back = check_table(con, "scratch", _suite(), cache=cache)
    assert back.passed is True and back.reused is None

    stricter = json.loads(json.dumps(DOCUMENT))
    stricter["expectations"][1]["kwargs"]["max_value"] = 5
    suite_changed = check_table(con, "scratch", _suite(stricter), cache=cache)
    assert suite_changed.reused is None and suite_changed.passed is False


@pytest.mark.slow  # validates twice with GX
def test_another_installation_reuses_this_process_s_result_for_identical_content_only(con, tmp_path):
    """Two installations (two warehouses, two cache files) in one process: the second reuses the first's GX result for
    the same table and suite, and records it in its own cache file; a table differing by one value is validated."""
    first = check_table(con, "scratch", _suite(), cache=tmp_path / "one.gx-results.json")
    assert (first.passed, first.reused) == (True, None)
    at = json.loads((tmp_path / "one.gx-results.json").read_text(encoding="utf-8"))["mart_t"]["at"]

    other = tmp_path / "two.gx-results.json"
    again = check_table(con, "scratch", _suite(), cache=other)
    assert (again.passed, again.evaluated, again.rows, again.reused) == (True, 3, 2, at)
    assert json.loads(other.read_text(encoding="utf-8"))["mart_t"]["at"] == at  # now this installation's own

    con.execute("update scratch.mart_t set n = 11 where ptsm_id = 'PTSM-01'")  # out of range in a third warehouse
    third = check_table(con, "scratch", _suite(), cache=tmp_path / "three.gx-results.json")
    assert third.reused is None and third.passed is False
    assert [(f["column"], f["unexpected_count"]) for f in third.failed] == [("n", 1)]


def test_the_unexpected_rows_queries_always_run(con, tmp_path):
    cache = tmp_path / "cache.json"
    con.execute("update scratch.mart_t set n = -500 where ptsm_id = 'PTSM-01'")
    # a result stored for exactly this table and suite, as a previous run would have left it (GX part only)
    from pipelines.defs.checks.suites import _validation_key

    _, fingerprint = table_fingerprint(con, "scratch", "mart_t")
    cache.write_text(json.dumps({"mart_t": {"key": _validation_key(_suite(), fingerprint), "evaluated": 2,
                                            "failures": [], "at": "2026-12-01T06:00:00+00:00"}}), encoding="utf-8")
    outcome = check_table(con, "scratch", _suite(), cache=cache)
    assert outcome.reused == "2026-12-01T06:00:00+00:00"
    assert outcome.passed is False and [f["expectation"] for f in outcome.failed] == ["no_negative_total"]


@pytest.mark.parametrize(("before", "after"), [
    ("select 'NULL'::varchar as a", "select null::varchar as a"),  # a null is not the string 'NULL'
    ("select 1::integer as a", "select 1::double as a"),            # same text, another type
    ("select 1 as a union all select 1", "select 1 as a"),          # a duplicate row counts
    ("select 'x' as a", "select 'x' as b"),                         # a renamed column
    ("select 1.5::decimal(10, 2) as a", "select 1.5::decimal(12, 2) as a"),  # the type's parameters
    ("select date '2024-01-31' as a", "select timestamp '2024-01-31' as a"),  # same day, another type
    ("select [1, 2] as a", "select [1, 2]::bigint[] as a"),         # the list's element type
    ("select {'k': 1} as a", "select {'k': 1::bigint} as a"),       # a struct's field type
])
def test_the_fingerprint_sees_every_difference(before, after):
    con = duckdb.connect()
    con.execute(f"create table t as {before}")
    one = table_fingerprint(con, "main", "t")
    con.execute(f"create or replace table t as {after}")
    assert table_fingerprint(con, "main", "t") != one


def test_the_fingerprint_ignores_row_order():
    con = duckdb.connect()
    con.execute("create table t as select * from (values (1, 'a'), (2, 'b')) v(n, s)")
    one = table_fingerprint(con, "main", "t")
    con.execute("create or replace table t as select * from (values (2, 'b'), (1, 'a')) v(n, s)")
    assert table_fingerprint(con, "main", "t") == one


def test_the_unexpected_rows_queries_report_rows_and_errors_exactly(con):
    """A query finding nothing is no failure; one finding rows reports how many and which; one that cannot run
    reports its error (the frame of a failure is built only when a first row exists)."""
    from pipelines.defs.checks.suites import run_unexpected_rows

    suite = _suite({"name": "mart_t", "expectations": [], "meta": {"unexpected_rows": [
        {"name": "nothing", "query": "select * from {batch} where n > 100"},
        {"name": "above_two", "description": "n > 2", "query": "select ptsm_id, n from {batch} where n > 2 order by n"},
        {"name": "broken", "query": "select no_such_column from {batch}"}]}})
    evaluated, failures = run_unexpected_rows(con, "scratch.mart_t", suite)
    assert evaluated == 3
    assert [f["expectation"] for f in failures] == ["above_two", "broken"]
    assert failures[0]["unexpected_count"] == 2 and failures[0]["why"] == "n > 2"
    assert failures[0]["partial_unexpected_list"] == [{"ptsm_id": "PTSM-01", "n": 3}, {"ptsm_id": "PTSM-02", "n": 7}]
    assert "no_such_column" in failures[1]["exception"]
