"""A factory: one asset per SQL file under sql/<layer>/; the file path is the asset key. A mart with a GX suite
under expectations/marts/ carries its blocking check in its own step (pipelines/defs/checks/factory.py); so does the
disclosure-protected mart its disclosure audit (pipelines/defs/checks/disclosure.py)."""

import hashlib
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.checks import mart_check_result, mart_check_spec, mart_suites
from pipelines.defs.checks.disclosure import disclosure_check_result, disclosure_check_spec
from pipelines.defs.checks.suites import SuiteFile
from pipelines.lib.core.config import get_settings
from pipelines.lib.quality.proof_memo import ProofMemo
from pipelines.lib.quality.secondary_suppression import protect_table
from pipelines.lib.quality.survey_audit import known_regions
from pipelines.lib.warehouse.sql_files import SCRATCH_SCHEMA, SqlModel, build_table, load_models

LAYERS = ("reference", "staging", "marts")
# the one mart masked further after its SQL: pipelines/lib/quality/secondary_suppression.py
DISCLOSURE_PROTECTED = ("marts", "survey_results_region")


def protected_code_version(sql_version: str, sources: list[Path]) -> str:
    """The code version of a mart whose published cells depend on Python as well as on its SQL: the SQL file's hash
    and the source of each module that masks it, so that Dagster shows "code changed" when the masking rule changes
    and not only when the SQL does."""
    digest = hashlib.sha256(sql_version.encode("utf-8"))
    for source in sources:
        digest.update(Path(source).read_bytes())
    return digest.hexdigest()[:16]


def _code_version(model: SqlModel) -> str:
    if (model.layer, model.name) != DISCLOSURE_PROTECTED:
        return model.code_version
    from pipelines.lib.quality import disclosure_audit, secondary_suppression, survey_audit

    return protected_code_version(model.code_version, [Path(m.__file__) for m in
                                                       (secondary_suppression, survey_audit, disclosure_audit)])


def _sql_asset(model: SqlModel, suite: SuiteFile | None = None) -> dg.AssetsDefinition:
    protected = (model.layer, model.name) == DISCLOSURE_PROTECTED
    checks = ([mart_check_spec(suite)] if suite else []) + ([disclosure_check_spec()] if protected else [])

    @dg.asset(
        key=dg.AssetKey([model.layer, model.name]),
        group_name=model.layer,
        deps=[dg.AssetKey(list(key)) for key in model.dependencies()],
        description=(model.description + (f"\n\nGrain : {model.grain}" if model.grain else "")) or None,
        metadata={"sql_file": str(model.path.relative_to(model.path.parents[2]))},
        code_version=_code_version(model),
        check_specs=checks or None,
    )
    def _asset(duckdb: DuckDBResource) -> dg.MaterializeResult:
        metadata = {}
        results = []
        with duckdb.get_connection() as con:
            rows = build_table(con, model, schema=SCRATCH_SCHEMA if model.layer == "marts" else None)
            if protected:
                # the SQL's local rules, then masking driven by the disclosure audit until it is clean (issue 20 §1)
                protection = protect_table(con, SCRATCH_SCHEMA, known_regions(con),
                                           memo=ProofMemo.beside(get_settings().db_path))
                metadata = {"secondary_cells_masked": len(protection.cells),
                            "secondary_denominators_masked": len(protection.denominators),
                            "regions_masked_whole": len(protection.whole_regions),
                            "secondary_seconds": round(protection.seconds, 2)}
            if suite:
                results.append(mart_check_result(con, suite))
            if protected:  # the audit of the final table, whatever the suite said: every verdict of the run
                results.append(disclosure_check_result(con))
        return dg.MaterializeResult(metadata={"rows": rows, **metadata}, check_results=results)

    return _asset


def build_sql_assets(sql_dir: Path | None = None, suites_dir: Path | None = None) -> list[dg.AssetsDefinition]:
    """One asset per SQL model of `sql_dir` (default: the environment's PTSM_SQL_DIR, read now), layer by layer; each
    mart with a suite in `suites_dir` (default: the environment's expectations/marts) checked by it in its step (a
    suite whose mart a copy of sql/ leaves out checks nothing)."""
    sql_dir = sql_dir or get_settings().sql_dir
    suites = mart_suites(suites_dir)
    return [_sql_asset(model, suites.get(model.name) if layer == "marts" else None)
            for layer in LAYERS for model in load_models(sql_dir, layer)]


def mart_names(sql_dir: Path | None = None) -> list[str]:
    """The marts of `sql_dir` (default: the environment's PTSM_SQL_DIR, read now), by name."""
    return [model.name for model in load_models(sql_dir or get_settings().sql_dir, "marts")]
