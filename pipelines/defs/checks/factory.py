"""One blocking Dagster asset check per GX suite under expectations/marts/, run inside its mart's own step.

The check is a check spec of the mart's asset (pipelines/defs/transform/sql_assets.py), not an asset check of its
own: it validates the table the step has just built, in the scratch schema, on the step's connection. A step of
its own per check cost Dagster's orchestration of 21 more steps on every refresh (their start, success, planned
evaluation and log events: ~0.4 s of CPU a refresh) for no gain, since a check cannot run before its mart is built
and its GX result is reused when the table is unchanged anyway (suites.check_table). Blocking is Dagster's: a
failing blocking check fails the mart's step after recording the evaluation, so nothing downstream runs and the
previous publication stays in place."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.defs.checks.suites import SuiteFile, check_table, load_suites
from pipelines.lib.core.config import get_settings
from pipelines.lib.warehouse.sql_files import SCRATCH_SCHEMA


def check_name(suite: SuiteFile) -> str:
    return f"gx_{suite.name}"


def mart_check_spec(suite: SuiteFile) -> dg.AssetCheckSpec:
    """The blocking check of the mart `suite` is named after."""
    return dg.AssetCheckSpec(
        name=check_name(suite),
        asset=dg.AssetKey(["marts", suite.name]),
        blocking=True,
        description=f"Great Expectations suite {suite.path.name}: {suite.n_expectations} expectations.",
    )


def mart_check_result(conn: duckdb.DuckDBPyConnection, suite: SuiteFile) -> dg.AssetCheckResult:
    """Validate the mart as built in the scratch schema (marts are checked before they reach `marts`)."""
    db = get_settings().db_path
    outcome = check_table(conn, SCRATCH_SCHEMA, suite, cache=db.with_name(db.name + ".gx-results.json"))
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["marts", suite.name]),
        check_name=check_name(suite),
        passed=outcome.passed,
        description=(f"Résultat GX de la validation du {outcome.reused} réutilisé : table identique (mêmes "
                     f"valeurs, même suite, même version de GX)") if outcome.reused else None,
        metadata={
            "reused_validation": outcome.reused or "",
            "failed_expectations": dg.MetadataValue.json(outcome.failed),
            "evaluated": outcome.evaluated,
            "unsuccessful": len(outcome.failed),
            "rows": outcome.rows,
            "suite": suite.path.name,
        },
    )


def mart_suites(directory: Path | None = None) -> dict[str, SuiteFile]:
    """Every suite file of `directory` (default: the environment's expectations/marts), by mart name; reading JSON
    is cheap, GX itself is imported when a check runs."""
    directory = directory or get_settings().expectations_dir / "marts"
    return {suite.name: suite for suite in load_suites(directory)}
