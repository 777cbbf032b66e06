"""A survey question whose subject the roster publishes per PTSM has no regional breakdown (docs/contract.md §4:
survey breakdowns below national level suppress any cell with n < 5, and no count 1-4 may be derivable from what is
published, by any reasoning a solver can do from everything the observatory publishes).

The roster's marts publish, without any name, each PTSM's employer (porteur) by month (coordinator_employer_monthly,
the PTSM reviews) and its FTE by month (coordinator_vacancy_monthly, coordinator_employer_monthly, the reviews: an
FTE of 1 is full time, 0.8 a part-time rate of 80 %). The contract type (coordinator_posts_national) and the ARS
funding (its national median) are national only. So the survey's `porteur`, `temps_travail` and `quotite` are
questions a reader can cross with the roster; `contrat`, `duree_cdd`, the salary and `diplome` are not.

What is checked: the leak on a hand-made table (the SQL model on seeded answers, the integer-programming audit given
the roster's facts, worked by hand); the rule on every region and wave of the sample release, and that it comes from
the catalogue (removing an entry fails here); the blocking audit refusing a table that breaks it; `diplome` keeping
its normal suppression.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.lib.catalogue.catalogue import CATALOGUE_TABLES, reference_rows, regional_breakdown_notes
from pipelines.lib.quality.disclosure_audit import audit_report
from pipelines.lib.quality.secondary_suppression import protect
from pipelines.lib.quality.survey_audit import audit_survey, survey_facts
from tests.sql_unit import build_model
from tests.test_disclosure import LABELS, REGISTRY, generic_questions, published, respondents

# the questions whose subject the roster's published marts give per PTSM (module docstring), written out here
ROSTER_QUESTIONS = {"porteur", "temps_travail", "quotite"}
REGIONS = sorted(set(REGISTRY.values()))


def build(answers, questions=None, labels=LABELS):
    """The two survey marts on `answers` (wave 2023), the audit-driven masking applied as a refresh applies it.
    `questions`: the ref_survey_questions seed; None = the catalogue's (the rules as published)."""
    con = duckdb.connect()
    seeds = {
        "ref_ptsm_registry": ("ptsm_id varchar, region_code varchar", list(REGISTRY.items())),
        "staging.survey_answer_labels": ("question varchar, answer varchar, position integer", labels),
        "staging.survey_answers_long": ("wave integer, ptsm_id varchar, question varchar, answer varchar",
                                        [(2023, *a) for a in answers]),
    }
    if questions is not None:
        seeds["ref_survey_questions"] = questions

    def rows(model):
        build_model(model, seeds, con=con)
        cursor = con.sql(f"select * from marts.{model.split('/')[1]}")
        return [dict(zip(cursor.columns, r)) for r in cursor.fetchall()]

    national = rows("marts/survey_results")
    regional = rows("marts/survey_results_region")
    return protect(national, regional, REGIONS).rows, national


# Region 75 (PTSM P75A, P75B): 10 respondents; porteur Association 2, Établissement sanitaire 3, DAC 5; all 10 say
# oui to rdv_ars. Region 24 (P24A, P24B) gives the same answers, so that 75 is not the only region published.
ANSWERS = [
    *respondents("P75A", "porteur", "Association", "Association", *["Établissement sanitaire"] * 3),
    *respondents("P75B", "porteur", *["DAC"] * 5),
    *respondents("P75A", "rdv_ars", *["oui"] * 10),
]
ANSWERS += [("P24A" if ptsm == "P75A" else "P24B", q, a) for ptsm, q, a in ANSWERS]
# what the roster publishes for region 75 at the survey's date (coordinator_employer_monthly summed over its PTSM):
# people in post per porteur; a respondent is one of them, so the survey's count of an answer is at most this
ROSTER_75 = {"ARS": 0, "Association": 2, "DAC": 5, "Établissement sanitaire": 3, "Autre": 0}


def with_roster_facts(national, regional):
    """The audit's facts plus the roster's for region 75: survey count of each porteur <= people in post there."""
    cells, sums, protected = survey_facts(national, regional, REGIONS)
    for answer, in_post in ROSTER_75.items():
        slack = ("roster", "75", answer)
        cells[slack] = None
        sums.append(([(2023, "75", "porteur", answer), slack], in_post))
    return audit_report(cells, sums, protected)


def test_the_roster_and_the_regional_denominator_pin_a_masked_porteur_cell():
    """Without the rule (ref_survey_questions with no regional_note), the model publishes, for 75's porteur, DAC 5
    and the denominator 10, and masks Association 2, Établissement sanitaire 3 and the zeros. The audit, which sees
    only the survey, calls this safe: national Association 4 = 75 + 24, and 75's masked cells adding up to 10 - 5 = 5
    allow 75 to hold Association 0 and Établissement sanitaire 5.

    The roster says region 75 has 2 coordinators employed by an association, 3 by a hospital, 5 by a DAC, none by
    the ARS or another employer. Then 75's masked cells are Association + Établissement sanitaire = 5 with
    Association <= 2 and Établissement sanitaire <= 3: Association is exactly 2 and Établissement sanitaire 3, two
    counts of 1-4; and through the national counts (Association 4, Établissement sanitaire 6) region 24's are 2 and
    3 as well, though nothing of 24's roster is used (the same solver, given those five inequalities, finds all four).

    With the rule (the catalogue's `roster_published` on porteur), 75's porteur has no count and no denominator:
    Association may be anything from 0 to 2, and the solver with the roster's facts finds nothing."""
    before, national = build(ANSWERS, questions=generic_questions())
    assert published(before, "75", "porteur") == {
        "ARS": (None, 10), "Association": (None, 10), "DAC": (5, 10), "Établissement sanitaire": (None, 10),
        "Autre": (None, 10)}
    assert audit_survey(national, before, REGIONS).result.findings == []  # the survey alone: safe
    leaks = {(f.cell, f.low, f.high) for f in with_roster_facts(national, before).findings}
    assert leaks == {((2023, region, "porteur", "Association"), 2, 2) for region in ("75", "24")} | {
        ((2023, region, "porteur", "Établissement sanitaire"), 3, 3) for region in ("75", "24")}

    after, national = build(ANSWERS)
    assert published(after, "75", "porteur") == {answer: (None, None) for answer in ROSTER_75}
    assert with_roster_facts(national, after).findings == []
    assert audit_survey(national, after, REGIONS).messages() == []
    # rdv_ars, which the roster does not publish, keeps its breakdown
    assert published(after, "75", "rdv_ars") == {"oui": (10, 10), "non": (None, 10)}


def test_every_row_of_a_roster_question_stays_in_the_grid_secret_with_its_reason():
    rows, _ = build(ANSWERS)
    notes = regional_breakdown_notes()
    for r in rows:
        if r["question"] in ROSTER_QUESTIONS and r["region_code"] != "94":  # 94: the single-PTSM note comes first
            assert (r["n"], r["share"], r["denominator"], r["suppressed"]) == (None, None, None, True)
            assert r["note"] == notes[r["question"]]
    porteur_75 = notes["porteur"]
    assert porteur_75.startswith("Pas de résultat régional pour cette question : l'employeur (porteur)")
    assert "recensement des coordonnateurs" in porteur_75 and "1 à 4" in porteur_75
    assert "_" not in "".join(notes.values())  # no internal name (the page check refuses them)
    # every region keeps its 5 porteur rows (fixed grid): the presence of a row says nothing
    assert sum(r["question"] == "porteur" for r in rows) == 5 * len(REGIONS)


def test_the_catalogue_names_exactly_the_questions_the_roster_publishes():
    assert set(regional_breakdown_notes()) == ROSTER_QUESTIONS
    columns, questions = reference_rows()["ref_survey_questions"]
    assert "regional_note" in CATALOGUE_TABLES["ref_survey_questions"]
    note = columns.index("regional_note")
    assert {q[0] for q in questions if q[note]} == ROSTER_QUESTIONS


def test_the_blocking_audit_refuses_a_published_cell_of_a_roster_question():
    """A table that publishes 75's porteur cells (the model without the rule) passes the solver but not the check."""
    before, national = build(ANSWERS, questions=generic_questions())
    messages = audit_survey(national, before, REGIONS).messages()
    assert "2023, région 75, porteur = « DAC » : valeur régionale publiée alors que le recensement publie ce sujet par " \
           "PTSM (la question n'a pas de résultat régional)" in messages
    # every porteur row of 75 and 24 publishes its denominator 10: 10 rows, and DAC's count is one of them
    assert len(messages) == 10 and all("porteur" in m for m in messages)


def test_a_question_the_roster_does_not_publish_keeps_its_normal_suppression():
    """diplome in region 75: Master ou plus 6, Licence 4 (of 10). Licence 4 < 5 is masked, and Master ou plus, the
    lone visible cell, with it (10 - 6 would give 4); the denominator 10 stays published, no note."""
    answers = respondents("P75A", "diplome", *["Master ou plus"] * 6, *["Licence"] * 4)
    answers += [("P24A", q, a) for _, q, a in answers]
    labels = LABELS + [("diplome", "Licence", 1), ("diplome", "Master ou plus", 2)]
    rows, national = build(answers, labels=labels)
    assert published(rows, "75", "diplome") == {"Licence": (None, 10), "Master ou plus": (None, 10)}
    assert {r["note"] for r in rows if r["question"] == "diplome" and r["region_code"] != "94"} == {None}
    answers = respondents("P75A", "diplome", *["Master ou plus"] * 6, *["Licence"] * 5)
    answers += [("P24A", q, a) for _, q, a in answers]
    rows, national = build(answers, labels=labels)
    assert published(rows, "75", "diplome") == {"Licence": (5, 11), "Master ou plus": (6, 11)}


# ------------------------------------------------------------------ what a refresh publishes on the sample


@pytest.mark.slow
def test_the_sample_profiles_say_why_a_roster_question_has_no_regional_result(sample_site):
    """A profile prints the mart's note for each such question, and still has its survey table (region 84 has
    several PTSM)."""
    page = (sample_site / "regions" / "84.html").read_text(encoding="utf-8")
    assert "Réponses des coordonnateurs de la région" in page
    for label in ("Porteur du poste", "Temps de travail", "Quotité (temps partiel)"):
        assert f"« {label} » : Pas de résultat régional pour cette question" in page.replace("&#x27;", "'")


@pytest.mark.slow
def test_the_sample_publishes_no_regional_cell_of_a_roster_question(sample_release):
    """Every wave, every region of the registry, every answer of porteur, temps_travail, quotite: a row, secret, with
    a note; the national table still publishes them; diplome keeps its regional rows with their normal rule."""
    con = duckdb.connect()
    regional = con.sql(f"select * from read_parquet('{sample_release.marts / 'survey_results_region'}.parquet')")
    rows = [dict(zip(regional.columns, r)) for r in regional.fetchall()]
    national = con.sql(f"select * from read_parquet('{sample_release.marts / 'survey_results'}.parquet')")
    national_rows = [dict(zip(national.columns, r)) for r in national.fetchall()]
    waves = {r["wave"] for r in national_rows}
    regions = {r["region_code"] for r in rows}
    assert len(waves) == 2 and len(regions) == 18
    for question in ROSTER_QUESTIONS:
        answers = {(r["wave"], r["answer"]) for r in national_rows if r["question"] == question}
        cells = [r for r in rows if r["question"] == question]
        grid = {(r["wave"], r["answer"]) for r in cells}  # an open question (quotite) lists every wave's values
        assert answers <= grid and len(cells) == len(grid) * 18  # every region has every row
        assert all(r["n"] is None and r["share"] is None and r["denominator"] is None and r["suppressed"]
                   and r["note"] for r in cells), question
        assert any(r["n"] >= 5 for r in national_rows if r["question"] == question)  # the national table is whole
    diplome = [r for r in rows if r["question"] == "diplome"]
    assert all(r["n"] is None or r["n"] >= 5 for r in diplome)
    assert any(r["denominator"] is not None for r in diplome)  # its regional breakdown is still published
    assert not any(r["note"] and r["note"].startswith("Pas de résultat régional") for r in diplome)


@pytest.mark.slow
def test_the_api_and_the_region_export_publish_no_regional_cell_of_a_roster_question(sample_release, tmp_path):
    """A regional token's JSON rows and an ORS export carry the mart's masks: no count, share or denominator."""
    import csv

    from fastapi.testclient import TestClient

    from pipelines.api import tokens
    from pipelines.api.app import create_app
    from pipelines.lib.reports.regional_export import export_region

    path = tmp_path / "t.json"
    token, _ = tokens.create_token(path, region="75", national=False)
    client = TestClient(create_app(sample_release.marts, path))
    response = client.get("/v1/marts/survey_results_region", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    rows = [r for r in response.json()["rows"] if r["question"] in ROSTER_QUESTIONS]
    assert rows and {r["region_code"] for r in rows} == {"75"}
    assert all(r["n"] is None and r["share"] is None and r["denominator"] is None for r in rows)
    export_region(sample_release.marts, "75", tmp_path / "ors")
    with (tmp_path / "ors" / "survey_results_region.csv").open(encoding="utf-8-sig", newline="") as handle:
        exported = [r for r in csv.DictReader(handle, delimiter=";") if r["question"] in ROSTER_QUESTIONS]
    assert len(exported) == len(rows)
    assert all((r["n"], r["share"], r["denominator"], r["suppressed"]) == ("", "", "", "vrai") for r in exported)


def test_the_roster_and_the_national_results_reveal_only_what_the_roster_itself_publishes():
    """Regions 75 and 24 each have 2 Association coordinators in the roster and none elsewhere; the national survey
    publishes Association 4 (whole, as docs/contract.md §4 requires). With the rule applied (nothing regional on
    porteur), the solver given the roster still finds 75 and 24 at exactly 2: every Association coordinator answered.

    The decision (docs/disclosure.md, "What the audit does not see"): such a count is the roster's own published
    count (2 people in post employed by an association in 75), so it reveals no survey answer the roster does not
    already publish; what it adds is that those people took part. The guarantee that holds, and is checked here, is
    that the roster's facts pin nothing else: every count the solver can derive is a cell of a question the roster
    publishes, equal to the roster's count, and no cell of any other question (rdv_ars here) becomes derivable."""
    after, national = build(ANSWERS)
    cells, sums, protected = survey_facts(national, after, REGIONS)
    roster = {region: 2 if region in ("75", "24") else 0 for region in REGIONS}
    for region in REGIONS:
        slack = ("roster", region)
        cells[slack] = None
        sums.append(([(2023, region, "porteur", "Association"), slack], roster[region]))
    findings = {(f.cell, f.low, f.high) for f in audit_report(cells, sums, protected).findings}
    assert findings == {((2023, "75", "porteur", "Association"), 2, 2), ((2023, "24", "porteur", "Association"), 2, 2)}
    assert all(cell[2] in ROSTER_QUESTIONS and low == high == roster[cell[1]] for cell, low, high in findings)
