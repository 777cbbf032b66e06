"""Staging assets in Python: type raw rows, fold vocabularies, pseudonymise names, quarantine bad rows.

Which file counts (latest roster, latest workbook per PTSM...) is decided in SQL (`sql/staging/`)."""


from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.families import FAMILIES
from pipelines.lib.pseudonym import load_or_create_key
from pipelines.lib.reference import registry_ids
from pipelines.lib.staging import FAMILY_TABLES, stage_family

GROUP = "staging"


def _staging_asset(family_name: str) -> dg.AssetsDefinition:
    raw_keys = [dg.AssetKey(["raw", t]) for t in FAMILIES[family_name].raw_tables]
    specs = [
        dg.AssetSpec(key=dg.AssetKey(["staging", table]), group_name=GROUP,
                     deps=[*raw_keys, dg.AssetKey(["reference", "ref_ptsm_registry"])],
                     description=f"Typed rows of {family_name}/ with canonical codes (valid rows only).")
        for table in FAMILY_TABLES[family_name]
    ]

    @dg.multi_asset(specs=specs, name=f"staging_{family_name}")
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PtsmPaths):
        key = load_or_create_key(Path(paths.secret_dir))
        with duckdb.get_connection() as con:
            stats = stage_family(con, family_name, registry_ids(con), key)
        context.log.info(f"{family_name}: {stats.files_typed} files typed, {stats.files_unchanged} unchanged, "
                         f"{stats.rows_staged} rows staged, {stats.rows_quarantined} rows with problems")
        for spec in specs:
            yield dg.MaterializeResult(asset_key=spec.key, metadata={
                "files_typed": stats.files_typed, "files_unchanged": stats.files_unchanged,
                "rows_staged": stats.rows_staged, "rows_with_problems": stats.rows_quarantined,
            })

    return _asset


staging_assets = [_staging_asset(name) for name in FAMILIES]
