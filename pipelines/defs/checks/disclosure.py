"""The disclosure audit as a blocking check of every release (issue 20 §1, issue 19 §6).

It runs on the survey marts as built in the scratch schema, before anything is published: a masked survey count
that a reader could pin between 1 and 4 (pipelines/lib/quality/survey_audit.py) fails the check, the release is
not published and the previous publication stays in place; the refresh summary names each such cell in French.
So does a published regional value of a question whose subject the roster publishes per PTSM (porteur, temps_travail,
quotite: `survey_audit.roster_questions_published`), which the solver, seeing only the survey, would not catch.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.lib.core.config import get_settings
from pipelines.lib.quality.proof_memo import ProofMemo
from pipelines.lib.quality.survey_audit import audit_marts, known_regions
from pipelines.lib.warehouse.sql_files import SCRATCH_SCHEMA

CHECK_NAME = "disclosure_audit"


@dg.asset_check(
    asset=dg.AssetKey(["marts", "survey_results_region"]),
    name=CHECK_NAME,
    blocking=True,
    additional_deps=[dg.AssetKey(["marts", "survey_results"])],
    description="Secret statistique : aucun effectif d'enquête de 1 à 4 ne peut être retrouvé, par programmation "
                "linéaire en nombres entiers, à partir de survey_results et survey_results_region (toutes vagues, "
                "toutes régions) ; aucune case régionale d'une question dont le recensement publie le sujet par PTSM "
                "(porteur, temps de travail, quotité : catalogue, roster_published).",
)
def disclosure_audit_check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        # a table proved safe by the same code before is not proved again (quality/proof_memo.py); a leak always is
        audit = audit_marts(conn, known_regions(conn), schema=SCRATCH_SCHEMA,
                            memo=ProofMemo.beside(get_settings().db_path))
    failures = [f"Secret statistique rompu : {message}" for message in audit.messages()]
    return dg.AssetCheckResult(
        passed=not failures,
        metadata={
            "failed_expectations": dg.MetadataValue.json(failures),
            "cells_audited": audit.result.audited,
            "cells_safe": audit.result.safe,
            "seconds": round(audit.seconds, 2),
        },
    )
