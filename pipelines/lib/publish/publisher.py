"""The publisher: the marts of the warehouse become one release (Parquet, French CSV, data dictionary), checked
by the backtest against the current one, then switched in (pipelines/lib/publish/release.py holds the layout).

Everything but the manifest is a pure function of the mart tables, the SQL headers and the input label, so the
same inputs give byte-identical files and the same release id. Plain Python: no Dagster here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Callable

import duckdb

from pipelines.lib.core.config import get_automation_settings, get_settings
from pipelines.lib.core.provenance import code_version
from pipelines.lib.publish import backtest, gates
from pipelines.lib.publish import release
from pipelines.lib.publish.datapackage import write_datapackage
from pipelines.lib.publish.dictionary import build_dictionary, write_dictionary
from pipelines.lib.publish.french_csv import write_csv
from pipelines.lib.publish.parquet_format import write_parquet
from pipelines.lib.warehouse.sql_files import SqlModel, load_models

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
DICTIONARY_TITLE = "Dictionnaire des données — marts de l'observatoire PTSM"


def _check_marts(con: duckdb.DuckDBPyConnection, marts: list[str], schema: str) -> None:
    bad = [m for m in [*marts, schema] if not IDENTIFIER.match(m)]
    if bad:
        raise ValueError(f"Not mart names: {bad}")
    present = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = ?",
                                         [schema]).fetchall()}
    missing = [m for m in marts if m not in present]
    if missing:
        raise ValueError(f"Marts absents de la base : {', '.join(f'{schema}.{m}' for m in missing)}.")


def column_types(con: duckdb.DuckDBPyConnection, schema: str, marts: list[str]) -> dict[str, list[tuple[str, str]]]:
    """mart -> [(column, DuckDB type)] in table order."""
    rows = con.execute(
        "select table_name, column_name, data_type from duckdb_columns()"
        " where schema_name = ? and list_contains(?, table_name) order by table_name, column_index",
        [schema, marts],
    ).fetchall()
    return {mart: [(c, t) for m, c, t in rows if m == mart] for mart in marts}


def publish_release(
    con: duckdb.DuckDBPyConnection,
    marts: list[str],
    marts_dir: Path,
    *,
    synthetic: bool,
    input_label: str,
    produced_at: dt.datetime | None = None,
    schema: str = "marts",
    keep: int | None = None,
    models: list[SqlModel] | None = None,
    accept_drop: bool = False,
    input_dir: str | None = None,
    before_switch: Callable[[], Any] | None = None,
    reports_dir: Path | None = None,
    run_id: str | None = None,
    registry_ptsm: int | None = None,
    accept_partial: bool = False,
    min_plan_share: float | None = None,
    recent_seconds: float | None = None,
) -> Path:
    """Write every `<schema>.<mart>` to a new release, backtest it, then point `marts_dir` at it; return it.

    Refused when synthetic over a non-synthetic publication (`release.SyntheticOverReal`), when the backtest
    finds a drop that is not accepted (`backtest.BacktestBlocked`), while the operator's hold is set, or when a
    release with nothing to compare with covers under `min_plan_share` of the `registry_ptsm` PTSM
    (`gates.PublicationHeld`, pipelines/lib/publish/gates.py); either way the previous release stays.
    """
    gates.refuse_when_held(marts_dir)  # before anything is written: the hold survives every run
    marts = sorted(dict.fromkeys(marts))
    _check_marts(con, marts, schema)
    if models is None:
        models = load_models(get_settings().sql_dir, "marts")
    labels = {"ptsm_synthetic": "true" if synthetic else "false", "ptsm_input": input_label}

    def fill(folder: Path) -> None:
        for mart in marts:
            table = con.sql(f"select * from {schema}.{mart} order by all").to_arrow_table()
            write_parquet(table, folder / f"{mart}.parquet", labels)
            write_csv(table, folder / f"{mart}.csv")
        write_dictionary(folder, build_dictionary(models, column_types(con, schema, marts)), synthetic=synthetic,
                         input_label=input_label, title=DICTIONARY_TITLE)
        write_datapackage(folder, synthetic=synthetic)  # datapackage.json (pipelines/lib/publish/datapackage.py)

    def annotate(folder: Path, previous: Path | None) -> dict[str, Any]:
        measures = backtest.measure(folder)
        baseline, previous_id, previous_files = None, None, None
        if previous is not None:
            manifest = release.read_manifest(previous)
            previous_id = previous.name
            if release.is_synthetic(manifest) == synthetic:  # a sample is no baseline for real exports
                baseline = manifest.get("measures") or backtest.measure(previous)
                previous_files = manifest.get("input_files")
        recent = recent_seconds if recent_seconds is not None else get_automation_settings().sensor_settle_seconds
        verdict = backtest.compare(baseline, measures, accept_drop=accept_drop, previous_id=previous_id,
                                   seen=lambda: gates.what_was_seen(input_dir, previous_files, recent_seconds=recent))
        entries = {"measures": measures, "backtest": verdict, "input_files": gates.input_files(input_dir)}
        if verdict["verdict"] in ("first", "not_compared") and registry_ptsm:
            # nothing to compare with: judged against the registry instead (a half copy published first)
            floor = min_plan_share if min_plan_share is not None else get_settings().first_release_min_plan_share
            entries["coverage"] = gates.first_release_coverage(measures, registry_ptsm, min_share=floor,
                                                               accept_partial=accept_partial)
        return entries

    extra = {"input_dir": input_dir} if input_dir else {}
    # traceability: the code (git commit, else package version) and the Dagster run that produced the release
    extra.update(code_commit=code_version(), run_id=run_id)
    return release.write_release(marts_dir, fill, synthetic=synthetic, input_label=input_label, marts=marts,
                                 produced_at=produced_at, extra=extra, annotate=annotate,
                                 before_switch=before_switch, keep=keep, reports_dir=reports_dir)


def promote_marts(con: duckdb.DuckDBPyConnection, marts: list[str], *, source: str | None = None,
                  target: str = "marts") -> None:
    """Copy the checked marts from the scratch schema into `target` in one transaction: readers of the warehouse
    see all of the previous marts or all of the new ones, and a refused publication never reaches `target`."""
    from pipelines.lib.warehouse.sql_files import SCRATCH_SCHEMA

    source = source or SCRATCH_SCHEMA
    marts = sorted(dict.fromkeys(marts))
    _check_marts(con, marts, source)
    if not IDENTIFIER.match(target):
        raise ValueError(f"Not a schema name: {target}")
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {target}")
        for mart in marts:
            con.execute(f"create or replace table {target}.{mart} as select * from {source}.{mart}")
        _copy_comments(con, marts, source, target)  # the descriptions stay readable in the warehouse
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _copy_comments(con: duckdb.DuckDBPyConnection, marts: list[str], source: str, target: str) -> None:
    tables = con.execute("select table_name, comment from duckdb_tables() where schema_name = ? and "
                         "list_contains(?, table_name) and comment is not null", [source, marts]).fetchall()
    for table, comment in tables:
        con.execute(f"comment on table {target}.{table} is {_literal(comment)}")
    columns = con.execute("select table_name, column_name, comment from duckdb_columns() where schema_name = ? and "
                          "list_contains(?, table_name) and comment is not null", [source, marts]).fetchall()
    for table, column, comment in columns:
        quoted = '"' + column.replace('"', '""') + '"'
        con.execute(f"comment on column {target}.{table}.{quoted} is {_literal(comment)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
