"""The report's thematic blind spots (ch. 4.1) and the rule "a PTSM addresses a theme" are written once
(pipelines/lib/catalogue/catalogue.py) and read by notebook 03 and by each PTSM's review (issue 24). Worked by hand on
a few action rows."""

from __future__ import annotations

import math

from pipelines.lib.catalogue import catalogue

ACTIONS = [
    {"ptsm_id": "PTSM-01", "thematiques": "prevention_suicide;logement"},
    {"ptsm_id": "PTSM-01", "thematiques": None},  # an action without theme
    {"ptsm_id": "PTSM-02", "thematiques": " emploi ; formation "},  # spaces around the codes
    {"ptsm_id": "PTSM-02", "thematiques": "logement"},
    {"ptsm_id": "PTSM-03", "thematiques": math.nan},  # how pandas gives an empty cell to the notebook
]


def test_which_ptsm_address_each_theme():
    assert catalogue.ptsm_by_theme(ACTIONS) == {"prevention_suicide": {"PTSM-01"}, "logement": {"PTSM-01", "PTSM-02"},
                                                "emploi": {"PTSM-02"}, "formation": {"PTSM-02"}}
    assert catalogue.ptsm_by_theme([]) == {}


def test_the_blind_spots_each_ptsm_misses_in_the_report_s_words():
    assert catalogue.thematic_blind_spots_missed(ACTIONS, "PTSM-01") == [
        "soins de premier recours", "soins sans consentement", "insertion (emploi)"]
    assert catalogue.thematic_blind_spots_missed(ACTIONS, "PTSM-02") == [
        "prévention", "soins de premier recours", "soins sans consentement"]
    every = ["prévention", "soins de premier recours", "soins sans consentement", "insertion (logement)",
             "insertion (emploi)"]
    assert catalogue.thematic_blind_spots_missed(ACTIONS, "PTSM-03") == every  # actions, none with a theme
    assert catalogue.thematic_blind_spots_missed(ACTIONS, "PTSM-04") == every  # no action at all


def test_the_review_and_notebook_03_read_that_rule_and_write_no_list_of_their_own():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    review = (root / "pipelines" / "lib" / "reviews" / "ptsm_reviews.py").read_text(encoding="utf-8")
    notebook = (root / "notebooks" / "03_couverture_priorites_publics.ipynb").read_text(encoding="utf-8")
    assert "thematic_blind_spots_missed(" in review and "ptsm_by_theme(" in notebook
    assert "soins de premier recours" not in review  # the report's words come from the catalogue
    for source in (review, notebook):  # (the notebook's prose may cite the report; its code holds no list)
        assert "premier_recours" not in source
