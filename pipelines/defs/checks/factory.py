"""One blocking Dagster asset check per GX suite under expectations/marts/."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.checks.suites import SuiteFile, check_table, load_suites
from pipelines.lib.core.config import get_settings
from pipelines.lib.warehouse.sql_files import SCRATCH_SCHEMA


def _build_check(suite: SuiteFile) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["marts", suite.name]),
        name=f"gx_{suite.name}",
        blocking=True,
        description=f"Great Expectations suite {suite.path.name}: {suite.n_expectations} expectations.",
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        db = get_settings().db_path
        with duckdb.get_connection() as conn:  # marts are checked before they reach `marts`
            outcome = check_table(conn, SCRATCH_SCHEMA, suite, cache=db.with_name(db.name + ".gx-results.json"))
        return dg.AssetCheckResult(
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

    return _check


def build_mart_checks(directory: Path | None = None) -> list[dg.AssetChecksDefinition]:
    """Checks for every suite file; reading JSON is cheap, GX itself is imported when a check runs."""
    directory = directory or get_settings().expectations_dir / "marts"
    return [_build_check(suite) for suite in load_suites(directory)]
