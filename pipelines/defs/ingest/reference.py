"""Reference tables: one asset per CSV of data/reference (all in one step), loaded as they are, and the tables built by
pipelines.lib.catalogue.vocab (the one reader of pipelines/lib/vocabularies.csv) and pipelines.lib.catalogue.catalogue
(the one reader of catalogue.toml)."""


from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.catalogue.reference import REFERENCE_TABLES, VOCABULARY_TABLES, load_reference_table, load_vocabulary_table

GROUP = "reference"


VOCABULARY_DESCRIPTIONS = {
    "ref_vocabularies": "Controlled vocabularies of docs/contract.md §3 and decree priorities (pipelines/lib/vocabularies.csv, "
                        "read by pipelines.lib.catalogue.vocab), with their display order; grp = angle_mort marks the report's blind spots.",
    "ref_fte_salary_bands": "FTE salary bands of docs/contract.md §4 (pipelines.lib.catalogue.vocab.FTE_SALARY_BANDS): half-open [lower, upper).",
    "ref_survey_questions": "Survey questions in display order, how their answers are listed and who is asked "
                            "(condition), whether they have a regional breakdown (regional_note: none, the roster publishes their "
                            "subject per PTSM), from the catalogue (pipelines/lib/catalogue/catalogue.toml).",
    "ref_survey_answers": "The fixed answers of each survey question in display order, from the catalogue: a choice "
                          "question's vocabulary minus the codes its column excludes, oui/non, the FTE salary bands.",
    "ref_action_statuses": "What each action status means (current, implemented, not started, completed), from the catalogue.",
    "ref_funder_groups": "Funder groups and which one is ARS money, from the catalogue and the financeur vocabulary.",
    "ref_fte_salary_rule": "Which temps_travail answers are full time and part time for the FTE salary, from the catalogue.",
    "ref_tripartite_sectors": "The sectors an action must all include to be tripartite, from the catalogue.",
}


def _spec(table: str) -> dg.AssetSpec:
    if table in REFERENCE_TABLES:
        return dg.AssetSpec(dg.AssetKey(["reference", table]), group_name=GROUP, code_version="1",
                            description=f"data/reference/{REFERENCE_TABLES[table][0]} -> {table}")
    return dg.AssetSpec(dg.AssetKey(["reference", table]), group_name=GROUP, description=VOCABULARY_DESCRIPTIONS[table])


TABLES = [*REFERENCE_TABLES, *VOCABULARY_TABLES]


@dg.multi_asset(name="reference__tables", specs=[_spec(table) for table in TABLES], can_subset=True)
def reference_tables(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PtsmPaths):
    """Every reference table in one step, on one connection: each is a small load that no other table's load waits
    for, and a step of its own per table cost Dagster's orchestration of 13 more steps on every refresh (their
    start, success and log events) for nothing. Each table is still its own asset, materialised with its row count."""
    selected = context.selected_asset_keys
    with duckdb.get_connection() as con:
        for table in TABLES:
            key = dg.AssetKey(["reference", table])
            if key not in selected:
                continue
            rows = (load_reference_table(con, table, Path(paths.reference_dir)) if table in REFERENCE_TABLES
                    else load_vocabulary_table(con, table))
            yield dg.MaterializeResult(asset_key=key, metadata={"rows": rows})


reference_assets = [reference_tables]
