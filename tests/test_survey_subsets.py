"""A survey answer outside the survey's own subset of a vocabulary (issue 19 §1): `porteur = Cabinet de conseil`
exists in the `porteur` vocabulary for the roster only. It is set aside with a French reason at staging, and the
national publication goes on (it used to make `answers_add_up_to_denominator` fail and publish nothing)."""

from __future__ import annotations

import csv
import shutil

import pytest

from pipelines.lib.catalogue import families as fam
from tests.pipeline_runner import MINI_EXPORTS, materialise

REGISTRY = {f"PTSM-{i:02d}" for i in range(1, 105)}
RESERVED = "valeur réservée au recensement des coordonnateurs"


def test_survey_typer_refuses_a_roster_only_employer_with_a_french_reason():
    typed, problems = fam.type_survey_row({"id": "7", "submitdate": "2022-06-01", "ptsm_id": "PTSM-01",
                                           "porteur": "Consultant"}, REGISTRY)  # a synonym of Cabinet de conseil
    assert typed["porteur"] is None
    assert [(q.field, q.value, q.reason) for q in problems] == [("porteur", "Consultant", RESERVED)]


def test_roster_typer_still_accepts_it():
    _, problems = fam.type_roster_row({"ptsm_id": "PTSM-01", "coordonnateur": "X", "etp": "1",
                                       "date_debut": "2021-01-01", "porteur": "Cabinet de conseil"}, REGISTRY)
    assert problems == []


@pytest.mark.slow
def test_a_roster_only_porteur_in_the_survey_is_quarantined_and_publication_goes_on(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(MINI_EXPORTS, raw)
    survey = raw / "enquete_coordonnateurs" / "enquete_2022.csv"
    with survey.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["porteur"] = "Cabinet de conseil"
    with survey.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run = materialise(tmp_path / "site", raw)
    assert run.returncode == 0, run.output
    assert run.query("select field, value, reason from marts.quality_report where field = 'porteur'") == [
        ("porteur", "Cabinet de conseil", RESERVED)]
    assert (run.marts / "survey_results.parquet").exists()
