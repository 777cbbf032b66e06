"""Run the GX Core suites of expectations/marts/ against DuckDB tables (plain Python, no Dagster).

A suite file is a GX 1.x ExpectationSuite serialisation. Facts GX cannot express on a pandas batch
(cross-row rules such as "months contiguous") live in the suite's ``meta.unexpected_rows`` as
``{"name", "description", "query"}``: a DuckDB ``select`` over ``{batch}`` that returns the offending rows,
mirroring GX's UnexpectedRowsExpectation (which only runs on SQL datasources, not on pandas).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.lib.core.process_memory import ProcessMemory

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
PARTIAL_LIMIT = 10
_GX_LOCK = threading.Lock()
# GX results this process validated, by validation key (`_validation_key`), for another installation's identical
# tables (pipelines/lib/core/process_memory.py): a few refreshes' worth of suites (21 a refresh)
_PROCESS_RESULTS = ProcessMemory(kept=512)


@dataclass(frozen=True)
class SuiteFile:
    name: str
    path: Path
    document: dict[str, Any]

    @property
    def unexpected_rows(self) -> list[dict[str, str]]:
        return list((self.document.get("meta") or {}).get("unexpected_rows") or [])

    @property
    def n_expectations(self) -> int:
        return len(self.document.get("expectations") or []) + len(self.unexpected_rows)


@dataclass
class Outcome:
    """What a check reports: passed, how many expectations ran, and the failing ones with observed values.
    `reused` is the time of the GX validation whose result was reused for identical content (see `check_table`)."""

    passed: bool
    evaluated: int
    rows: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    reused: str | None = None


def load_suites(directory: Path) -> list[SuiteFile]:
    """Read every <name>.json suite; the file stem, the suite name and the mart name must agree."""
    suites = []
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        name = path.stem
        if not IDENTIFIER.match(name):
            raise ValueError(f"Suite file {path} is not named after a mart (lowercase identifier expected).")
        if document.get("name") != name:
            raise ValueError(f"Suite {path} is named {document.get('name')!r}; it must be named {name!r} like its file.")
        for extra in (document.get("meta") or {}).get("unexpected_rows") or []:
            if "{batch}" not in extra.get("query", "") or not extra.get("name"):
                raise ValueError(f"Suite {path}: unexpected_rows entry {extra!r} needs a name and a query over {{batch}}.")
        suites.append(SuiteFile(name=name, path=path, document=document))
    return suites


@lru_cache(maxsize=1)
def _gx_context():
    """One ephemeral GX context per process (importing GX costs seconds; nine checks share it)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    datasource = context.data_sources.add_pandas("marts")
    return gx, context, datasource


@lru_cache(maxsize=None)
def _batch_definition(name: str):
    _, _, datasource = _gx_context()
    return datasource.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("whole")


def _jsonable(value: Any) -> Any:
    """Turn GX / numpy / pandas values into plain JSON values for Dagster metadata."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    return str(value)


def _exception_message(exception_info: Any) -> str | None:
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    messages = [i.get("exception_message") for i in infos if isinstance(i, dict) and i.get("raised_exception")]
    return "; ".join(m for m in messages if m) or None


def _describe_gx_failure(result: Any) -> dict[str, Any]:
    config = result.expectation_config
    kwargs = dict(config.kwargs)
    entry: dict[str, Any] = {"expectation": config.type}
    for key in ("column", "column_list", "column_A", "column_B"):
        if key in kwargs:
            entry[key] = kwargs[key]
    body = result.result or {}
    for key in ("observed_value", "unexpected_count", "element_count"):
        if key in body:
            entry[key] = body[key]
    if "partial_unexpected_list" in body:
        entry["partial_unexpected_list"] = body["partial_unexpected_list"][:PARTIAL_LIMIT]
    for key in ("value", "value_set", "min_value", "max_value", "regex"):
        if key in kwargs and key != "value_set":
            entry[f"expected_{key}"] = kwargs[key]
    why = (config.meta or {}).get("why")
    if why:
        entry["why"] = why
    message = _exception_message(result.exception_info)
    if message:
        entry["exception"] = message
    return _jsonable(entry)


def validate_frame(suite: SuiteFile, frame) -> tuple[int, list[dict[str, Any]]]:
    """Validate a pandas frame with the suite's GX expectations; return (evaluated, failures).

    GX's BASIC result format: the observed value, the counts and the first unexpected values, all a failure's
    description reads (`_describe_gx_failure`); the default SUMMARY also counts and indexes the unexpected values,
    metrics nothing reads, which cost ~1 s of CPU a refresh over the 21 suites."""
    with _GX_LOCK:
        gx, _, _ = _gx_context()
        expectation_suite = gx.ExpectationSuite(
            name=suite.name, expectations=list(suite.document.get("expectations") or [])
        )
        batch = _batch_definition(suite.name).get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(expectation_suite, result_format="BASIC")
    failures = [_describe_gx_failure(r) for r in result.results if not r.success]
    return len(result.results), failures


def run_unexpected_rows(
    conn: duckdb.DuckDBPyConnection, relation: str, suite: SuiteFile
) -> tuple[int, list[dict[str, Any]]]:
    """Run the suite's DuckDB unexpected-rows queries against `relation`; a query returning rows fails."""
    failures = []
    for extra in suite.unexpected_rows:
        query = extra["query"].replace("{batch}", relation)
        try:
            # most queries find nothing: a row is asked for first, and the frame of the failure is built only
            # when there is one (48 empty frames cost ~40 ms of every refresh)
            if conn.execute(query).fetchone() is None:
                continue
            frame = conn.execute(query).df()
        except duckdb.Error as error:
            failures.append({"expectation": extra["name"], "why": extra.get("description"), "exception": str(error)})
            continue
        if len(frame):
            failures.append(
                _jsonable(
                    {
                        "expectation": extra["name"],
                        "why": extra.get("description"),
                        "unexpected_count": len(frame),
                        "partial_unexpected_list": frame.head(PARTIAL_LIMIT).to_dict(orient="records"),
                    }
                )
            )
    return len(suite.unexpected_rows), failures


def table_fingerprint(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[int, str]:
    """Rows and a sha256 of the table's column types and of every row as JSON, in a canonical order: two tables
    with the same fingerprint hold the same values (null and the string 'NULL' differ, so do 1 and 1.0's types)."""
    # the relation's own column types, as duckdb_columns() spells them (same strings), without scanning the
    # catalogue's every column of every table (~3 ms a table, once per check and refresh)
    relation = conn.sql(f"select * from {schema}.{table}")
    types = ",".join(f"{name} {kind}" for name, kind in zip(relation.columns, relation.types))
    rows, digest = conn.execute(
        f"select count(*), sha256(coalesce(string_agg(to_json(t)::varchar, chr(10) order by to_json(t)::varchar), '')) "
        f"from {schema}.{table} as t").fetchone()
    return int(rows), hashlib.sha256(f"{types}\n{digest}".encode()).hexdigest()


def _validation_key(suite: SuiteFile, fingerprint: str) -> str:
    """What a GX result depends on: the table's content, the suite, GX's version and this module (which reads GX's
    results); a change of any of them validates again."""
    parts = [fingerprint, json.dumps(suite.document, sort_keys=True, ensure_ascii=False), _gx_version(),
             _this_module_digest()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@lru_cache(maxsize=1)
def _gx_version() -> str:
    """GX's installed version, read once a process: importlib.metadata scans the installed packages on each call
    (a few ms, once per check and refresh), and an installed package does not change under a running refresh."""
    from importlib.metadata import version

    return version("great_expectations")


@lru_cache(maxsize=1)
def _this_module_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _read_cache(cache: Path) -> dict[str, Any]:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_cache(cache: Path, name: str, entry: dict[str, Any]) -> None:
    with _GX_LOCK:
        data = _read_cache(cache)
        data[name] = entry  # one entry per suite: the last validation, never a growing file
        temporary = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(temporary, cache)


def forget_process_results() -> None:
    """Validate again what this process validated before (a test of the cache file itself starts from nothing)."""
    _PROCESS_RESULTS.clear()


def check_table(conn: duckdb.DuckDBPyConnection, schema: str, suite: SuiteFile, cache: Path | None = None) -> Outcome:
    """Validate the table `<schema>.<suite name>` read through `conn` with its suite.

    With `cache` (a JSON file beside the warehouse), the GX result of a table whose content, suite, GX version and
    this module are the same as at its last validation is that result again: GX is deterministic on identical
    input, and importing it and validating cost most of a refresh whose marts did not change. So is a result this
    process validated for another installation under the same key (`_PROCESS_RESULTS`); the cache file then records it
    as its own. The check still runs (its `unexpected_rows` queries always do); the outcome says which validation it
    reused."""
    if not (IDENTIFIER.match(schema) and IDENTIFIER.match(suite.name)):
        raise ValueError(f"Not a plain identifier: {schema}.{suite.name}")
    relation = f"{schema}.{suite.name}"
    extra_count, extra_failures = run_unexpected_rows(conn, relation, suite)
    key = None
    if cache is not None:
        rows, fingerprint = table_fingerprint(conn, schema, suite.name)
        key = _validation_key(suite, fingerprint)
        entry = _read_cache(cache).get(suite.name)
        if not (entry and entry.get("key") == key):
            entry = _PROCESS_RESULTS.get(key)
            if entry is not None:  # validated by this process for another installation: this one's cache gets it
                _write_cache(cache, suite.name, entry)
        if entry and entry.get("key") == key:
            failed = list(entry["failures"]) + extra_failures
            return Outcome(passed=not failed, evaluated=entry["evaluated"] + extra_count, rows=rows, failed=failed,
                           reused=entry.get("at"))
    frame = conn.execute(f"select * from {relation}").df()
    gx_count, gx_failures = validate_frame(suite, frame)
    if cache is not None:
        entry = {"key": key, "evaluated": gx_count, "failures": gx_failures,
                 "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        _write_cache(cache, suite.name, entry)
        _PROCESS_RESULTS.put(key, entry)
    failed = gx_failures + extra_failures
    return Outcome(passed=not failed, evaluated=gx_count + extra_count, rows=len(frame), failed=failed)
