"""No count between 1 and 4 can be derived from the published survey marts (docs/contract.md §4, issue 20 §1).

The SQL model `survey_results_region` on hand-made answers seeded into an in-memory DuckDB (tests/sql_unit.py),
exact expected cells worked by hand; then the integer-programming audit (pipelines/lib/quality/disclosure_audit.py,
through the adapter survey_audit.py) on what the model publishes, on those tables, on random answers (hypothesis)
and, marked slow, on what a refresh publishes on the sample.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.lib.catalogue.catalogue import CATALOGUE_TABLES, reference_rows
from pipelines.lib.quality.secondary_suppression import protect
from pipelines.lib.quality.survey_audit import audit_survey, describe_cell
from tests.sql_unit import build_model

ROOT = Path(__file__).resolve().parents[1]

# every region has two PTSM except 94 (a single-PTSM region: no breakdown at all); 24 is the mirror region
REGISTRY = {"P75A": "75", "P75B": "75", "P84": "84", "P84B": "84", "P11": "11", "P11B": "11", "P93": "93",
            "P93B": "93", "P94": "94", "P24A": "24", "P24B": "24"}
LABELS = [
    ("moyens[ordinateur]", "oui", 1), ("moyens[telephone]", "oui", 1),
    ("rdv_ars", "oui", 1), ("rdv_ars", "non", 2),
    ("porteur", "ARS", 1), ("porteur", "Association", 2), ("porteur", "DAC", 3),
    ("porteur", "Établissement sanitaire", 4), ("porteur", "Autre", 5),
    ("contrat", "CDD", 1), ("contrat", "CDI", 2), ("contrat", "Autre", 3),
    ("duree_cdd", "1 an", 1), ("duree_cdd", "2 ans", 2),
    ("temps_travail", "Temps plein", 1), ("temps_travail", "Temps partiel", 2),
    ("quotite", "50", 50), ("quotite", "80", 80),
]


def generic_questions() -> tuple[str, list[tuple]]:
    """ref_survey_questions as the catalogue has it, without the roster rule (regional_note null everywhere): this
    module tests the generic suppression of any question on porteur, temps_travail and quotite, which the roster
    rule masks whole in a publication (tested in tests/test_roster_disclosure.py)."""
    columns, rows = reference_rows()["ref_survey_questions"]
    note = columns.index("regional_note")
    return CATALOGUE_TABLES["ref_survey_questions"], [(*r[:note], None, *r[note + 1:]) for r in rows]


def build(answers: list[tuple[str, str, str | None]], mirror: bool = True, protected: bool = True,
          questions: tuple[str, list[tuple]] | None = None) -> tuple[list[dict], list[dict]]:
    """Seed (ptsm_id, question, answer) rows for wave 2023 and build both survey marts (`protected`: then apply
    the audit-driven masking of quality.secondary_suppression, as a refresh does; False: the SQL's rules alone).

    `mirror`: the same answers are also given in region 24, so that a region under test is never the only one
    published (a lone published region holds the national figures and is masked whole: see
    test_a_lone_published_region_is_masked_whole). `questions`: the ref_survey_questions seed (default: without the
    roster rule, `generic_questions`)."""
    if mirror:
        answers = answers + [("P24A", question, answer) for _, question, answer in answers]
    con = duckdb.connect()
    seeds = {
        "ref_ptsm_registry": ("ptsm_id varchar, region_code varchar", list(REGISTRY.items())),
        "staging.survey_answer_labels": ("question varchar, answer varchar, position integer", LABELS),
        "staging.survey_answers_long": ("wave integer, ptsm_id varchar, question varchar, answer varchar",
                                        [(2023, *a) for a in answers]),
        "ref_survey_questions": questions or generic_questions(),
    }

    def rows(model: str) -> list[dict]:
        build_model(model, seeds, con=con)
        cursor = con.sql(f"select * from marts.{model.split('/')[1]}")
        return [dict(zip(cursor.columns, r)) for r in cursor.fetchall()]

    national = rows("marts/survey_results")  # first: the regional model reads the national results
    regional = rows("marts/survey_results_region")
    if protected:  # what a refresh publishes: the SQL's rules, then the audit-driven masking
        regional = protect(national, regional, sorted(set(REGISTRY.values()))).rows
    return regional, national


def respondents(ptsm: str, question: str, *answers: str | None) -> list[tuple]:
    return [(ptsm, question, a) for a in answers]


def published(rows, region, question):
    return {r["answer"]: (r["n"], r["denominator"]) for r in rows if r["region_code"] == region and r["question"] == question}


def audited(regional, national):
    """The solver's findings (not the roster rule's, which `generic_questions` leaves out of these tables)."""
    audit = audit_survey(national, regional, sorted(set(REGISTRY.values())))
    return [f.message(describe_cell(f.cell)) for f in audit.result.findings]


def test_every_row_of_the_grid_is_published_whatever_its_count():
    """One answer in region 75 only: every region of the registry has every (question, answer) row, masked."""
    rows, national = build(respondents("P75A", "rdv_ars", "oui"))
    assert len(rows) == 6 * len(LABELS)  # 6 regions
    assert published(rows, "84", "quotite") == {"50": (None, None), "80": (None, None)}
    assert all(r["suppressed"] for r in rows)
    assert audited(rows, national) == []


def test_a_single_ptsm_region_has_no_breakdown_and_says_why():
    """94 has one PTSM: even 6 answers (a denominator of 6 and a cell of 6) are masked, denominator included."""
    rows, national = build(respondents("P94", "rdv_ars", *["oui"] * 6))
    region = [r for r in rows if r["region_code"] == "94"]
    assert published(rows, "94", "rdv_ars") == {"oui": (None, None), "non": (None, None)}
    assert {r["note"] for r in region} == {
        "Région d'un seul PTSM : aucun résultat régional de l'enquête n'est publié, car son unique répondant serait "
        "reconnaissable."}
    assert {r["note"] for r in rows if r["region_code"] != "94"} == {None}
    assert audited(rows, national) == []


def test_a_conditional_question_is_masked_with_its_parent_cell():
    """Region 11: 6 full-timers, 2 part-timers (both at 80 %). Temps partiel 2 < 5 is masked, so Temps plein (the
    lone visible cell) is masked in second rank; quotite, asked of those 2, is masked whole, denominator too."""
    answers = respondents("P11", "temps_travail", *["Temps plein"] * 6, "Temps partiel", "Temps partiel") + \
        respondents("P11", "quotite", "80", "80")
    rows, national = build(answers)
    assert published(rows, "11", "temps_travail") == {"Temps plein": (None, 8), "Temps partiel": (None, 8)}
    assert published(rows, "11", "quotite") == {"50": (None, None), "80": (None, None)}
    assert audited(rows, national) == []


def test_a_parent_masked_in_second_rank_masks_its_conditional_question():
    """Region 84: CDD 5, CDI 6, Autre 1 (of 12). Autre is masked (1 < 5), then CDD, the smallest visible cell (a
    lone hidden cell is recomputable). duree_cdd: the 5 CDD all say "1 an", a cell of 5 that would be visible on
    its own; with CDD masked it is masked whole, since its denominator 5 is the CDD count."""
    answers = respondents("P84", "contrat", *["CDD"] * 5, *["CDI"] * 6, "Autre") + \
        respondents("P84", "duree_cdd", *["1 an"] * 5)
    rows, national = build(answers)
    assert published(rows, "84", "contrat") == {"CDD": (None, 12), "CDI": (6, 12), "Autre": (None, 12)}
    assert published(rows, "84", "duree_cdd") == {"1 an": (None, None), "2 ans": (None, None)}
    assert audited(rows, national) == []


def test_a_visible_parent_keeps_its_conditional_question():
    """Region 93: 5 part-timers at 80 %, 6 full-timers: both cells visible, quotite 80 = 5 of 5 visible."""
    answers = respondents("P93", "temps_travail", *["Temps plein"] * 6, *["Temps partiel"] * 5) + \
        respondents("P93", "quotite", *["80"] * 5)
    rows, national = build(answers)
    assert published(rows, "93", "temps_travail") == {"Temps plein": (6, 11), "Temps partiel": (5, 11)}
    assert published(rows, "93", "quotite") == {"50": (None, 5), "80": (5, 5)}
    assert audited(rows, national) == []


def test_a_lone_published_region_is_masked_whole():
    """Only region 11 has respondents (6 say oui, 6 non): the other regions hold 0, so the national figures are
    region 11's; its cells of 6 and its denominator are masked, or a small count of it would be the national one."""
    rows, national = build(respondents("P11", "rdv_ars", *["oui"] * 6, *["non"] * 6), mirror=False)
    assert published(rows, "11", "rdv_ars") == {"oui": (None, None), "non": (None, None)}
    rows, national = build(respondents("P11", "rdv_ars", *["oui"] * 6, *["non"] * 6))  # with region 24 beside it
    assert published(rows, "11", "rdv_ars") == {"oui": (6, 12), "non": (6, 12)}


def test_an_oui_only_item_with_one_non_is_masked_whole():
    # region 75: 6 respondents, 5 with a computer, 1 without (staged as `non`, a label the mart does not publish)
    answers = respondents("P75A", "moyens[ordinateur]", "oui", "oui", "oui", "non") + \
        respondents("P75B", "moyens[ordinateur]", "oui", "oui")
    rows, national = build(answers)
    assert published(rows, "75", "moyens[ordinateur]") == {"oui": (None, 6)}
    assert audited(rows, national) == []


def test_six_of_six_stays_visible():
    rows, _ = build(respondents("P75A", "moyens[telephone]", *["oui"] * 6))
    assert published(rows, "75", "moyens[telephone]") == {"oui": (6, 6)}


def test_a_porteur_whose_other_categories_sum_to_one_hides_its_visible_cell():
    answers = respondents("P84", "porteur", *["Établissement sanitaire"] * 5, "DAC")
    rows, national = build(answers)
    assert published(rows, "84", "porteur") == {
        "ARS": (None, 6), "Association": (None, 6), "DAC": (None, 6), "Établissement sanitaire": (None, 6),
        "Autre": (None, 6)}
    assert audited(rows, national) == []


def test_a_hidden_zero_does_not_cost_a_visible_cell():
    # 10 respondents split 5/5 over two categories: the three empty ones are masked (0 < 5), the subtraction
    # gives 0, which discloses nobody, so the two cells of 5 stay published
    answers = respondents("P11", "porteur", *["ARS"] * 5, *["DAC"] * 5)
    rows, national = build(answers)
    assert published(rows, "11", "porteur") == {
        "ARS": (5, 10), "Association": (None, 10), "DAC": (5, 10), "Établissement sanitaire": (None, 10),
        "Autre": (None, 10)}
    assert audited(rows, national) == []


def test_a_region_cell_that_leaves_a_small_national_remainder_is_masked():
    """rdv_ars oui: 93 has 7 (visible on its own), 11 has 2 (hidden, n < 5), the mirror region 24 has 9 (visible);
    national 18 - 7 - 9 would give 11's 2, so 93's oui is hidden; it would then be 13 - 6 from its own group, so
    93's non is hidden too. 11's non (5) is hidden as the lone visible cell beside its hidden 2."""
    answers = respondents("P93", "rdv_ars", *["oui"] * 7, *["non"] * 6) + \
        respondents("P11", "rdv_ars", "oui", "oui", *["non"] * 5)
    rows, national = build(answers)
    assert published(rows, "93", "rdv_ars") == {"oui": (None, 13), "non": (None, 13)}
    assert published(rows, "24", "rdv_ars") == {"oui": (9, 20), "non": (11, 20)}
    assert published(rows, "11", "rdv_ars") == {"oui": (None, 7), "non": (None, 7)}  # its lone hidden cell
    assert audited(rows, national) == []


def test_the_audit_fails_when_one_masking_is_removed():
    """The same table with 93's oui published again: national 18 - 7 (93) - 9 (24) = 2 pins 11's oui."""
    answers = respondents("P93", "rdv_ars", *["oui"] * 7, *["non"] * 6) + \
        respondents("P11", "rdv_ars", "oui", "oui", *["non"] * 5)
    rows, national = build(answers)
    leaking = [{**r, "n": 7, "share": 7 / 13, "suppressed": False}
               if (r["region_code"], r["question"], r["answer"]) == ("93", "rdv_ars", "oui") else r for r in rows]
    assert audited(leaking, national) == [
        "2023, région 11, rdv_ars = « oui » : la case masquée vaut exactement 2 d'après ce qui est publié"]


def test_large_groups_stay_published():
    rows, _ = build(respondents("P93", "rdv_ars", *["oui"] * 7, *["non"] * 6))
    assert published(rows, "93", "rdv_ars") == {"oui": (7, 13), "non": (6, 13)}


PTSM = sorted(REGISTRY)
ANSWERS = {"moyens[ordinateur]": ["oui", "non"], "moyens[telephone]": ["oui", "non"], "rdv_ars": ["oui", "non", None],
           "porteur": ["ARS", "Association", "DAC", "Établissement sanitaire", "Autre"],
           "contrat": ["CDD", "CDI", "Autre"], "temps_travail": ["Temps plein", "Temps partiel"]}
CONDITIONAL = {"duree_cdd": ("contrat", "CDD", ["1 an", "2 ans"]), "quotite": ("temps_travail", "Temps partiel", ["50", "80"])}


def _person(ptsm: str, profile: int) -> list[tuple]:
    """One respondent answering every question (as in a real survey), their answers read from `profile`'s digits in
    mixed radix; the conditional questions only when the parent answer applies."""
    rows, chosen = [], {}
    for question, answers in {**ANSWERS, **{q: c[2] for q, c in CONDITIONAL.items()}}.items():
        profile, digit = divmod(profile, len(answers))
        chosen[question] = answers[digit]
    for question in ANSWERS:
        rows.append((ptsm, question, chosen[question]))
    for question, (parent, parent_answer, _) in CONDITIONAL.items():
        if chosen[parent] == parent_answer:
            rows.append((ptsm, question, chosen[question]))
    return rows


def test_a_chained_inference_the_local_rules_miss_is_masked_by_the_audit_driven_step():
    """Found by random answers (5 of 100 random tables of `_person` respondents leaked after the SQL rules alone).
    Region 24: 11 respondents, porteur DAC 5 visible, the rest masked; 75 and 84 (3 and 4 respondents, masked whole)
    are all DAC, so national DAC 12 - 5 = 7 says they hold no Établissement sanitaire, and the national 1 is 24's.
    The audit-driven step masks 24's DAC (its cheapest blur: 24 may then hold DAC 6 and Établissement sanitaire 0,
    75 and 84 the 1), and nothing else."""
    people = [("P24B", 51453, 5), ("P84", 22591, 4), ("P75A", 80006, 3), ("P24B", 33917, 5), ("P24B", 86617, 1)]
    answers = [row for ptsm, profile, k in people for _ in range(k) for row in _person(ptsm, profile)]
    local, national = build(answers, mirror=False, protected=False)
    assert published(local, "24", "porteur")["DAC"] == (5, 11)
    assert audited(local, national) == [
        "2023, région 24, porteur = « Établissement sanitaire » : la case masquée vaut exactement 1 d'après ce qui "
        "est publié"]
    rows, national = build(answers, mirror=False)
    assert published(rows, "24", "porteur") == {answer: (None, 11) for answer in published(local, "24", "porteur")}
    assert audited(rows, national) == []
    before = {(r["region_code"], r["question"], r["answer"]): r for r in local}
    changed = {(r["region_code"], r["question"], r["answer"]) for r in rows
               if r != before[(r["region_code"], r["question"], r["answer"])]}
    assert changed == {("24", "porteur", "DAC")}


# ------------------------------------------------------------------ what a refresh publishes on the sample


@pytest.mark.slow
def test_the_sample_publication_passes_the_audit(sample_release):
    con = duckdb.connect()

    def rows(mart: str) -> list[dict]:
        cursor = con.sql(f"select * from read_parquet('{sample_release.marts / mart}.parquet')")
        return [dict(zip(cursor.columns, r)) for r in cursor.fetchall()]

    regional = rows("survey_results_region")
    # the fixed grid: 2 waves x 18 regions of the registry x every label, whatever the counts
    national = rows("survey_results")
    labels = len({(r["question"], r["answer"]) for r in national})
    assert len(regional) == 2 * 18 * labels
    audit = audit_survey(national, regional)
    assert audit.result.findings == [] and audit.result.audited > 1000
