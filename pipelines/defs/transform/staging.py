"""Staging assets in Python: type raw rows, fold vocabularies, pseudonymise names, quarantine bad rows.

Which file counts (latest roster, latest workbook per PTSM...) is decided in SQL (`sql/staging/`). One asset step
stages every family, because the bookkeeping tables (`staging.row_issues`, `staging.synonym_usage`) hold rows of all
families: they are specs of this one asset, so each table in the warehouse has exactly one writer in the graph."""


from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.catalogue.families import FAMILIES
from pipelines.lib.staging.pseudonym import load_or_create_key
from pipelines.lib.catalogue.reference import registry_ids
from pipelines.lib.staging.typing_rows import FAMILY_TABLES, stage_family

GROUP = "staging"
BOOKKEEPING = {
    "row_issues": "Rows set aside while typing, with file, sheet, row, field, value and reason (to marts.quality_report).",
    "synonym_usage": "How often each vocabulary synonym was met, per staged file (for staging.unused_synonyms).",
}
_RAW_INPUTS = [dg.AssetKey(["raw", t]) for family in FAMILIES.values() for t in family.raw_tables]
_INPUTS = [*_RAW_INPUTS, dg.AssetKey(["raw", "file_ledger"]), dg.AssetKey(["reference", "ref_ptsm_registry"])]

_family_specs = {
    name: [dg.AssetSpec(key=dg.AssetKey(["staging", table]), group_name=GROUP,
                        deps=[*(dg.AssetKey(["raw", t]) for t in FAMILIES[name].raw_tables),
                              dg.AssetKey(["raw", "file_ledger"]), dg.AssetKey(["reference", "ref_ptsm_registry"])],
                        description=f"Typed rows of {name}/ with canonical codes (valid rows only).")
           for table in FAMILY_TABLES[name]]
    for name in FAMILIES
}
_bookkeeping_specs = [dg.AssetSpec(key=dg.AssetKey(["staging", table]), group_name=GROUP, deps=_INPUTS, description=text)
                      for table, text in BOOKKEEPING.items()]


@dg.multi_asset(specs=[*(s for specs in _family_specs.values() for s in specs), *_bookkeeping_specs],
                name="staging_rows")
def staging_rows(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PtsmPaths):
    key = load_or_create_key(Path(paths.secret_dir))
    totals = {"files_typed": 0, "files_unchanged": 0, "rows_staged": 0, "rows_with_problems": 0}
    with duckdb.get_connection() as con:
        registry = registry_ids(con)
        for name in FAMILIES:
            stats = stage_family(con, name, registry, key)
            context.log.info(f"{name}: {stats.files_typed} files typed, {stats.files_unchanged} unchanged, "
                             f"{stats.rows_staged} rows staged, {stats.rows_quarantined} rows with problems")
            counts = {"files_typed": stats.files_typed, "files_unchanged": stats.files_unchanged,
                      "rows_staged": stats.rows_staged, "rows_with_problems": stats.rows_quarantined}
            for k in totals:
                totals[k] += counts[k]
            for spec in _family_specs[name]:
                yield dg.MaterializeResult(asset_key=spec.key, metadata={"family": name, **counts})
    for spec in _bookkeeping_specs:
        yield dg.MaterializeResult(asset_key=spec.key, metadata=totals)


staging_assets = [staging_rows]
