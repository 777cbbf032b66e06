"""Raw layer assets: the only place that reads export files (one asset per export family)."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.families import FAMILIES
from pipelines.lib.ingest import ingest_family

GROUP = "raw"


def _raw_asset(family_name: str) -> dg.AssetsDefinition:
    family = FAMILIES[family_name]
    specs = [
        dg.AssetSpec(key=dg.AssetKey(["raw", table]), group_name=GROUP,
                     description=f"Every source row of {family_name}/ as text, with file and row number.")
        for table in family.raw_tables
    ]

    @dg.multi_asset(specs=specs, name=f"raw_{family_name}")
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PtsmPaths):
        with duckdb.get_connection() as con:
            stats = ingest_family(con, family, paths.input_dir)
        context.log.info(
            f"{family_name}: {stats.files_seen} files, {stats.files_parsed} parsed, {stats.files_unchanged} unchanged, "
            f"{stats.files_quarantined} quarantined, {stats.files_removed} removed"
        )
        metadata = {
            "input_dir": str(paths.input_dir),
            "synthetic_sample": paths.uses_sample,
            "files_seen": stats.files_seen,
            "files_parsed": stats.files_parsed,
            "files_unchanged": stats.files_unchanged,
            "files_quarantined": stats.files_quarantined,
            "rows_loaded": stats.rows_loaded,
        }
        for spec in specs:
            yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)

    return _asset


raw_assets = [_raw_asset(name) for name in FAMILIES]
