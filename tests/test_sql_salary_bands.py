"""SQL unit tier: the FTE salary band of survey_answers_long comes from ref_fte_salary_bands, which is built from
pipelines.lib.catalogue.vocab (the one home of the bands); docs/contract.md §4: FTE = salary (full time) or salary × 100 / quotite
(part time), half-open bands."""

from __future__ import annotations

import duckdb

from pipelines.lib.catalogue.reference import load_vocabulary_table
from tests.sql_unit import build_model

RESPONSES = ("wave integer, response_id integer, ptsm_id varchar, contrat varchar, duree_cdd varchar, "
             "temps_travail varchar, quotite integer, metier_precedent varchar, experience varchar, diplome varchar, "
             "porteur varchar, autres_missions boolean, missions_realisables boolean, poste_lie boolean, "
             "enveloppe boolean, rdv_ars boolean, moyens_ordinateur boolean, moyens_telephone boolean, "
             "moyens_vehicule boolean, moyens_aucun boolean, salaire_net double")


def response(response_id: int, temps_travail: str | None, quotite: int | None, salaire_net: float | None) -> tuple:
    return (2023, response_id, "PTSM-01", "CDI", None, temps_travail, quotite, None, None, None, None,
            None, None, None, None, None, False, False, False, True, salaire_net)


def test_fte_salary_bands_on_their_edges():
    con = duckdb.connect()
    load_vocabulary_table(con, "ref_fte_salary_bands")
    rows = build_model("staging/survey_answers_long", {"staging.survey_responses": (RESPONSES, [
        response(1, "Temps plein", None, 1999.99),   # just under the first bound
        response(2, "Temps plein", None, 2000),      # a lower bound is inclusive
        response(3, "Temps partiel", 80, 1840),      # 1840 × 100 / 80 = 2300 exactly: next band
        response(4, "Temps partiel", 50, 1249.5),    # 2499: still 2300-2499
        response(5, "Temps partiel", 50, 1500),      # 3000: the open last band
        response(6, "Temps partiel", 0, 1500),       # quotite 0: no FTE salary, no band
        response(7, "Temps plein", None, None),      # no salary: no band
    ])}, con=con)
    # a list, not a dict: a salary matching two bands (a closed upper bound) would show as a second row
    bands = sorted((rid, answer or "") for _, rid, _, question, answer in rows if question == "salaire_etp_tranche")
    assert bands == [(1, "<2000"), (2, "2000-2299"), (3, "2300-2499"), (4, "2300-2499"), (5, ">=3000"), (6, ""), (7, "")]
