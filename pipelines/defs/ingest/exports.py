"""Raw layer: the only place that reads export files. One asset step reads every export family, because the
bookkeeping tables (`raw.file_ledger`, `raw.file_issues`) hold rows of all families: they are specs of this one
asset, so each table in the warehouse has exactly one writer in the graph."""


from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.catalogue.families import FAMILIES
from pipelines.lib.core.config import get_settings
from pipelines.lib.ingest.raw import ingest_family

GROUP = "raw"
BOOKKEEPING = {
    "file_ledger": "Every export file seen: family, size, sha256, date or wave, rows read, outcome (lu / quarantaine) and why.",
    "file_issues": "Problems found while reading a file: file, row, field, value, reason (to quarantine in marts.quality_report).",
}

_family_specs = {
    name: [dg.AssetSpec(key=dg.AssetKey(["raw", table]), group_name=GROUP,
                        description=f"Every source row of {name}/ as text, with file and row number.")
           for table in family.raw_tables]
    for name, family in FAMILIES.items()
}
_bookkeeping_specs = [dg.AssetSpec(key=dg.AssetKey(["raw", table]), group_name=GROUP, description=text)
                      for table, text in BOOKKEEPING.items()]


@dg.multi_asset(specs=[*(s for specs in _family_specs.values() for s in specs), *_bookkeeping_specs],
                name="raw_exports")
def raw_exports(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PtsmPaths):
    totals = {"files_seen": 0, "files_parsed": 0, "files_unchanged": 0, "files_quarantined": 0, "rows_loaded": 0}
    with duckdb.get_connection() as con:
        for name, family in FAMILIES.items():
            # real exports: a file marked synthetic (name, or bytes of a sample file) is refused, saying so
            refuse = not paths.uses_sample and not get_settings().accept_synthetic_exports
            stats = ingest_family(con, family, paths.input_dir,
                                  refuse_synthetic_of=Path(paths.sample_dir) if refuse else None)
            context.log.info(
                f"{name}: {stats.files_seen} files, {stats.files_parsed} parsed, {stats.files_unchanged} unchanged, "
                f"{stats.files_quarantined} quarantined, {stats.files_removed} removed")
            counts = {key: getattr(stats, key) for key in totals}
            for key in totals:
                totals[key] += counts[key]
            for spec in _family_specs[name]:
                yield dg.MaterializeResult(asset_key=spec.key, metadata={"family": name, **counts})
    for spec in _bookkeeping_specs:
        yield dg.MaterializeResult(asset_key=spec.key, metadata={
            "input_dir": str(paths.input_dir), "synthetic_sample": paths.uses_sample, **totals})


raw_assets = [raw_exports]
