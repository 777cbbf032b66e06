"""Reference tables: one asset per CSV of data/reference (plus the vocabularies), loaded as they are."""


from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.reference import REFERENCE_TABLES, load_reference_table
from pipelines.lib.vocab import vocabulary_file

GROUP = "reference"


def _reference_asset(table: str) -> dg.AssetsDefinition:
    filename = REFERENCE_TABLES[table][0]

    @dg.asset(key=dg.AssetKey(["reference", table]), group_name=GROUP, description=f"data/reference/{filename} -> {table}",
              code_version="1")
    def _asset(duckdb: DuckDBResource, paths: PtsmPaths) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            rows = load_reference_table(con, table, Path(paths.reference_dir))
        return dg.MaterializeResult(metadata={"rows": rows})

    return _asset


@dg.asset(key=dg.AssetKey(["reference", "ref_vocabularies"]), group_name=GROUP,
          description="Controlled vocabularies of SPEC §3 (pipelines/lib/vocabularies.csv), with their order.")
def ref_vocabularies(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        con.execute(
            """
            create or replace table ref_vocabularies as
            select
                kind, code, label, synonyms, grp,
                (row_number() over (partition by kind order by line))::integer as position
            from (
                select *, row_number() over () as line
                from read_csv(?, all_varchar = true, header = true, delimiter = ',', quote = '"')
            )
            """,
            [str(vocabulary_file())],
        )
        rows = con.execute("select count(*) from ref_vocabularies").fetchall()[0][0]
    return dg.MaterializeResult(metadata={"rows": rows})


reference_assets = [_reference_asset(table) for table in REFERENCE_TABLES] + [ref_vocabularies]
