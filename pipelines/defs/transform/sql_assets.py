"""A factory: one asset per SQL file under sql/<layer>/; the file path is the asset key. A mart with a GX suite
under expectations/marts/ carries its blocking check in its own step (pipelines/defs/checks/factory.py); so does the
disclosure-protected mart its disclosure audit (pipelines/defs/checks/disclosure.py)."""

import hashlib
from graphlib import TopologicalSorter
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


def _spec(model: SqlModel) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey([model.layer, model.name]),
        group_name=model.layer,
        deps=[dg.AssetKey(list(key)) for key in model.dependencies()],
        description=(model.description + (f"\n\nGrain : {model.grain}" if model.grain else "")) or None,
        metadata={"sql_file": str(model.path.relative_to(model.path.parents[2]))},
        code_version=_code_version(model),
    )


def _sql_asset(model: SqlModel, suite: SuiteFile | None = None) -> dg.AssetsDefinition:
    protected = (model.layer, model.name) == DISCLOSURE_PROTECTED
    checks = ([mart_check_spec(suite)] if suite else []) + ([disclosure_check_spec()] if protected else [])

    # a multi-asset of one, named as Dagster names an asset's step (marts__<name>), for the spec `_spec` gives
    @dg.multi_asset(name=f"{model.layer}__{model.name}", specs=[_spec(model)], check_specs=checks or None)
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


def _layer_step(layer: str, models: list[SqlModel]) -> dg.AssetsDefinition:
    """The SQL models of one layer but the marts, built in one step, one after the other in the order of their
    dependencies, each its own asset with its row count. A step each cost Dagster's orchestration of 14 more steps
    on every refresh for tables that take milliseconds; the marts keep a step each, since each carries its
    blocking checks. A Python asset reading one of these tables would make a cycle between steps, which Dagster
    refuses when the code location loads: such a model would then need a step of its own again."""
    by_key = {(model.layer, model.name): model for model in models}
    order = list(TopologicalSorter({key: [d for d in model.dependencies() if d in by_key]
                                    for key, model in sorted(by_key.items())}).static_order())

    @dg.multi_asset(name=f"{layer}__sql_models", specs=[_spec(by_key[key]) for key in order], can_subset=True)
    def _step(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
        selected = context.selected_asset_keys
        with duckdb.get_connection() as con:
            for key in order:
                if dg.AssetKey(list(key)) in selected:
                    rows = build_table(con, by_key[key])
                    yield dg.MaterializeResult(asset_key=dg.AssetKey(list(key)), metadata={"rows": rows})

    return _step


def build_sql_assets(sql_dir: Path | None = None, suites_dir: Path | None = None) -> list[dg.AssetsDefinition]:
    """The assets of the SQL models of `sql_dir` (default: the environment's PTSM_SQL_DIR, read now), layer by layer:
    a step for each mart, checked there by its suite in `suites_dir` (default: the environment's expectations/marts;
    a suite whose mart a copy of sql/ leaves out checks nothing); one step for each other layer (`_layer_step`)."""
    sql_dir = sql_dir or get_settings().sql_dir
    suites = mart_suites(suites_dir)
    assets = []
    for layer in LAYERS:
        models = load_models(sql_dir, layer)
        if layer == "marts":
            assets += [_sql_asset(model, suites.get(model.name)) for model in models]
        elif len(models) > 1:
            assets.append(_layer_step(layer, models))
        else:
            assets += [_sql_asset(model) for model in models]
    return assets


def mart_names(sql_dir: Path | None = None) -> list[str]:
    """The marts of `sql_dir` (default: the environment's PTSM_SQL_DIR, read now), by name."""
    return [model.name for model in load_models(sql_dir or get_settings().sql_dir, "marts")]
