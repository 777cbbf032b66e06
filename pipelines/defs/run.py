"""Runs the refresh job in this process and turns Dagster's events into plain data for the printed summary.

The CLI (`ptsm refresh`) and the tests' shared materialisation call `run_refresh`, so both see the same run;
`pipelines.lib.quality.summary` prints the outcome without knowing about Dagster."""

from __future__ import annotations

import os
from contextlib import contextmanager

import dagster as dg

from pipelines.defs.instance import ephemeral_instance
from pipelines.lib.core import speedups
from pipelines.lib.quality.summary import CheckOutcome, RunOutcome


def run_refresh(defs: dg.Definitions, *, no_reports: bool, verbose: bool = False,
                tags: dict[str, str] | None = None) -> RunOutcome:
    """Materialise every asset (but the reports when `no_reports`) of `defs` (the code location built by the
    caller with `pipelines.definitions.defs_for(settings)`: the arrow points from the entry point to here)."""
    job = defs.resolve_job_def("ptsm_refresh_no_reports" if no_reports else "ptsm_refresh")
    # Dagster's console log is step by step; by default only warnings and errors reach the terminal.
    run_config = {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}}
    # With DAGSTER_HOME set the run is recorded in that instance (the UI shows every refresh); otherwise ephemeral
    # (Dagster's, its event log on one held connection: pipelines/defs/instance.py).
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else ephemeral_instance()
    # each asset still opens its own connection, but cheaply
    with instance, database_kept_open(defs.resources["duckdb"]), speedups.fewer_collections():
        result = job.execute_in_process(instance=instance, raise_on_error=False,
                                        run_config=run_config, tags=tags or None)
    return outcome_of(result)


@contextmanager
def database_kept_open(duckdb_resource):
    """Hold one connection to the warehouse for the whole run.

    Every asset opens and closes its own DuckDB connection (DuckDBResource). When the last connection to a
    file closes, DuckDB checkpoints and drops the database; the next asset then reloads it: ~60 ms per asset,
    about a hundred times per refresh. While this connection is open, DuckDB's instance cache hands each asset
    a connection to the already open database (~4 ms). It is made by the pipeline's own resource, so its
    configuration is the same as the assets' (DuckDB refuses mixed configurations in one process).
    """
    with duckdb_resource.get_connection():
        yield


def outcome_of(result) -> RunOutcome:
    """Files parsed, checks and failed steps of one run, read from its events."""
    outcome = RunOutcome(success=result.success)
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key, metadata = materialization.asset_key.path, materialization.metadata
            if key == ["raw", "file_ledger"]:  # its metadata totals every export family
                outcome.files_parsed += metadata["files_parsed"].value if "files_parsed" in metadata else 0
                outcome.files_unchanged += metadata["files_unchanged"].value if "files_unchanged" in metadata else 0
            elif key == ["publish", "marts_release"] and "resolved" in metadata:  # an earlier refusal resolved
                outcome.notes.append(metadata["resolved"].value)
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            failed = evaluation.metadata.get("failed_expectations")
            outcome.checks.append(CheckOutcome(
                name=f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
                passed=evaluation.passed,
                failed_expectations=list(failed.value or []) if failed is not None else []))
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            outcome.failed_steps.append((event.step_key, first_error_line(error)))
    return outcome


# Dagster's wrappers around the error user code raised: the line says what happened inside
WRAPPERS = ("DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError")
CHECK_FAILED = "DagsterAssetCheckFailedError"


def first_error_line(error) -> str:
    """The line an operator reads for a failed step, in the refresh summary and in the alert: the first line of the
    error that actually happened, not Dagster's wrapper around user code, without the exception's class path. A
    deliberate refusal (`dg.Failure`, e.g. the backtest's) reads as its French sentence; a crash keeps its
    exception's name, which says what kind of problem it is; a failed blocking check says so in French and names
    the checks (Dagster lists them on the lines after its English introduction)."""
    while error is not None and error.cls_name in WRAPPERS and error.cause is not None:
        error = error.cause
    if error is None:
        return "(erreur inconnue)"
    lines = [line.strip() for line in (error.message or "").strip().splitlines()]
    if error.cls_name == CHECK_FAILED and len(lines) > 1:
        return "contrôle bloquant en échec, rien n'est publié : " + " ; ".join(line for line in lines[1:] if line)
    head = lines[0] if lines else ""
    prefix, sep, rest = head.partition(": ")  # "dagster._core.definitions.events.Failure: <message>"
    if sep and prefix.split(".")[-1] == error.cls_name:
        head = rest if error.cls_name == "Failure" else f"{error.cls_name}: {rest}"
    if head.endswith(":") and len(lines) > 1:  # an introduction: add what follows
        head = f"{head} {lines[1]}"
    return head or error.cls_name or "(erreur inconnue)"
