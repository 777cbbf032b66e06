"""build_table, the one builder of every SQL model: each model is built in one transaction (a model that fails
leaves the table it replaces as it was) and creates the macros it calls (a macro lives in the database)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.lib.warehouse.sql_files import build_table, load_models


def _models(tmp_path: Path, files: dict[str, str], macros: dict[str, str] = {}) -> dict[str, object]:
    for folder, texts in (("marts", files), ("macros", macros)):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (tmp_path / folder / f"{name}.sql").write_text(text, encoding="utf-8")
    return {model.name: model for model in load_models(tmp_path, "marts")}


def _macros(con) -> set[str]:
    return {name for (name,) in con.execute(
        "select function_name from duckdb_functions() where function_type = 'macro' and not internal").fetchall()}


def test_a_model_that_fails_its_documentation_leaves_the_previous_table_as_it_was(tmp_path):
    good = _models(tmp_path / "a", {"t": "-- mart: T.\n-- column x: X.\nselect 1 as x union all select 2"})["t"]
    # the same table, now producing a column the header does not describe: refused after the create
    bad = _models(tmp_path / "b", {"t": "-- mart: T.\n-- column x: X.\nselect 7 as x, 8 as y"})["t"]
    con = duckdb.connect()
    assert build_table(con, good) == 2
    with pytest.raises(ValueError, match="columns without a description: y"):
        build_table(con, bad)
    assert con.execute("select * from marts.t order by x").fetchall() == [(1,), (2,)]
    assert build_table(con, good) == 2  # and the connection is usable again (no transaction left open)


def test_a_model_creates_the_macros_it_calls_and_only_those(tmp_path):
    models = _models(tmp_path, {
        "plain": "-- mart: P.\n-- column x: X.\n-- a comment naming twice_it(x) is not a call\nselect 1 as x",
        "calling": "-- mart: C.\n-- column x: X.\nselect twice_it(21) as x, disclosure_threshold() as t",
    }, macros={"twice_it": "create or replace macro twice_it(v) as 2 * v", "unused": "create or replace macro unused() as 0"})
    models["calling"].columns["t"] = "T."
    con = duckdb.connect()
    build_table(con, models["plain"])
    assert not {"twice_it", "unused", "disclosure_threshold"} & _macros(con)
    build_table(con, models["calling"])
    assert con.execute("select x, t from marts.calling").fetchall() == [(42, 5)]
    assert {"twice_it", "disclosure_threshold"} <= _macros(con) and "unused" not in _macros(con)


def test_a_macro_file_may_define_macros_under_other_names(tmp_path):
    # sql/macros/two_proportion_test.sql defines two_proportion_p_value and a helper: a model calling either one
    # gets the whole file, on a fresh database (found by a first load that failed on a missing macro)
    models = _models(tmp_path, {
        "calling": "-- mart: C.\n-- column p: P.\nselect halve_it(8) as p",
    }, macros={"arith": "create or replace macro double_it(v) as 2 * v;\ncreate or replace macro halve_it(v) as v / 2"})
    assert build_table(duckdb.connect(), models["calling"]) == 1
    assert models["calling"].calls(tmp_path / "macros" / "arith.sql")
