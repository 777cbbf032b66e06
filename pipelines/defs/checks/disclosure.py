"""The disclosure audit as a blocking check of every release (issue 20 §1, issue 19 §6).

It runs on the survey marts as built in the scratch schema, before anything is published, in the step of
survey_results_region (pipelines/defs/transform/sql_assets.py), right after the audit-driven masking and on the
same connection: a masked survey count that a reader could pin between 1 and 4 (pipelines/lib/quality/survey_audit.py)
fails the check, the release is not published and the previous publication stays in place; the refresh summary names
each such cell in French. So does a published regional value of a question whose subject the roster publishes per
PTSM (porteur, temps_travail, quotite: `survey_audit.roster_questions_published`), which the solver, seeing only the
survey, would not catch. In the mart's step, it also runs when the mart's GX suite fails there: the operator reads
both verdicts of one run.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines.lib.core.config import get_settings
from pipelines.lib.quality.proof_memo import ProofMemo
from pipelines.lib.quality.survey_audit import audit_marts, known_regions
from pipelines.lib.warehouse.sql_files import SCRATCH_SCHEMA

CHECK_NAME = "disclosure_audit"
AUDITED = dg.AssetKey(["marts", "survey_results_region"])


def disclosure_check_spec() -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=CHECK_NAME,
        asset=AUDITED,
        blocking=True,
        description="Secret statistique : aucun effectif d'enquête de 1 à 4 ne peut être retrouvé, par programmation "
                    "linéaire en nombres entiers, à partir de survey_results et survey_results_region (toutes vagues, "
                    "toutes régions) ; aucune case régionale d'une question dont le recensement publie le sujet par "
                    "PTSM (porteur, temps de travail, quotité : catalogue, roster_published).",
    )


def disclosure_check_result(conn: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    # a table proved safe by the same code before is not proved again (quality/proof_memo.py); a leak always is
    audit = audit_marts(conn, known_regions(conn), schema=SCRATCH_SCHEMA, memo=ProofMemo.beside(get_settings().db_path))
    failures = [f"Secret statistique rompu : {message}" for message in audit.messages()]
    return dg.AssetCheckResult(
        asset_key=AUDITED,
        check_name=CHECK_NAME,
        passed=not failures,
        metadata={
            "failed_expectations": dg.MetadataValue.json(failures),
            "cells_audited": audit.result.audited,
            "cells_safe": audit.result.safe,
            "seconds": round(audit.seconds, 2),
        },
    )
