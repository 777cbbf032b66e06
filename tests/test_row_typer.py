"""Issue 19 §2: one row typer for every family (`families.type_row`), driven by each column's catalogue entry. Each
rule a catalogue entry states is typed as written, worked by hand on one cell: a unit, an exclusive minimum, the
word a reason uses, what an empty cell means, a person's name masked, a date that may not precede another, a
vocabulary group, a staging name, an excluded code."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.lib.catalogue import catalogue
from pipelines.lib.catalogue.families import FAMILIES, type_row

REGISTRY = {"PTSM-35"}
SURVEY = {"id": "7", "submitdate": "2024-05-02 10:15:00", "ptsm_id": "PTSM-35"}
ROSTER = {"ptsm_id": "PTSM-35", "coordonnateur": "Camille Martin", "etp": "1", "date_debut": "2023-01-15"}
FUNDING = {"num_action": "1.1", "financeur": "FIR", "montant_eur": "12 000"}


def _typed(family: str, table: str, base: dict, **cells) -> tuple[dict, list[tuple]]:
    typed, problems = type_row(family, table, {**base, **cells}, REGISTRY)
    return typed, [(q.field, q.value, q.reason) for q in problems]


@pytest.mark.parametrize("cell, value, problems", [
    ("80 %", 80, []),        # unit percent: `80 %` is 80
    ("80", 80, []),
    ("0,8", None, [("quotite", "0,8", "quotité non entier")]),   # the noun « quotité »
    ("100", None, [("quotite", "100", "quotité hors de l'intervalle 10-99")]),
])
def test_quotite_is_a_whole_percentage(cell, value, problems):
    typed, found = _typed("enquete_coordonnateurs", "survey", SURVEY, quotite=cell)
    assert (typed["quotite"], found) == (value, problems)


@pytest.mark.parametrize("cell, value, problems", [
    ("80 %", 0.8, []),       # unit fraction: `80 %` is 0.8
    ("0,5", 0.5, []),
    ("1", 1.0, []),
    ("0", None, [("etp", "0", "etp hors de ]0 ; 1]")]),   # the minimum itself is refused
    ("1,2", None, [("etp", "1,2", "etp hors de ]0 ; 1]")]),
    ("", None, [("etp", "", "etp manquant")]),
])
def test_etp_is_a_share_of_a_full_time(cell, value, problems):
    typed, found = _typed("coordonnateurs", "roster", ROSTER, etp=cell)
    assert (typed["etp"], found) == (value, problems)


def test_roster_rules_empty_cofunding_is_zero_a_name_is_masked_an_end_never_precedes_the_start():
    typed, found = _typed("coordonnateurs", "roster", ROSTER, cofinancement_eur="")
    assert (typed["cofinancement_eur"], typed["coordonnateur"], found) == (0, "Camille Martin", [])
    _, found = _typed("coordonnateurs", "roster", ROSTER, coordonnateur="#N/A")
    assert found == [("coordonnateur", "(nom masqué)", "cellule en erreur Excel (#N/A)")]
    typed, found = _typed("coordonnateurs", "roster", ROSTER, date_fin="2022-12-31")
    assert typed["date_fin"] == date(2022, 12, 31)
    assert found == [("date_fin", "2022-12-31", "date_fin antérieure à date_debut")]
    _, found = _typed("coordonnateurs", "roster", ROSTER, financement_ars_eur="-5")
    assert found == [("financement_ars_eur", "-5", "montant négatif")]


def test_survey_id_is_staged_as_response_id_and_porteur_refuses_a_roster_only_employer():
    typed, found = _typed("enquete_coordonnateurs", "survey", SURVEY, porteur="Cabinet de conseil",
                          **{"moyens[vehicule]": "Y"})
    assert (typed["response_id"], typed["moyens_vehicule"], typed["porteur"]) == (7, True, None)
    assert "id" not in typed
    assert found == [("porteur", "Cabinet de conseil", "valeur réservée au recensement des coordonnateurs")]
    _, found = _typed("enquete_coordonnateurs", "survey", SURVEY, id="")
    assert found == [("id", "", "id manquant")]


def test_funding_carries_its_funder_group_and_years_use_the_noun_annee():
    typed, found = _typed("fiches_actions", "funding", FUNDING, annee="1999")
    assert (typed["financeur"], typed["funder_group"], typed["montant_eur"]) == ("ars_fir", "ars", 12000.0)
    assert found == [("annee", "1999", "année hors de l'intervalle 2000-2100")]


def test_priorities_say_themselves_what_is_missing_and_free_text_is_kept_as_typed():
    action = {"ptsm_id": "PTSM-35", "num_action": "1.1", "priorites": "5; 1", "statut": "En cours",
              "intitule": "  #N/A  "}
    typed, found = _typed("fiches_actions", "actions", action)
    assert (typed["priorities"], typed["intitule"], found) == ([1, 5], "#N/A", [])
    _, found = _typed("fiches_actions", "actions", action, priorites="")
    assert found == [("priorites", "", "priorité manquante")]


@pytest.mark.parametrize("family, table, staged", [
    ("enquete_coordonnateurs", "survey", "survey_answers"),
    ("coordonnateurs", "roster", "roster_rows"),
    ("fiches_actions", "actions", "action_rows"),
    ("fiches_actions", "funding", "funding_rows"),
    ("statut_ptsm", "milestones", "milestone_rows"),
])
def test_the_typed_row_fills_every_column_of_its_staging_table(family, table, staged):
    # a catalogue column renamed, or a staging column added, without the other: a column staged empty, said here
    from pipelines.lib.staging.typing_rows import STAGING_SCHEMAS

    typed, _ = type_row(family, table, {}, REGISTRY)
    names = set(typed) | {"source_file", "row_number", "file_date", "wave"}
    if table == "roster":
        names.add("coordonnateur_id")  # the pseudonym of `coordonnateur`, made at staging (it needs the key)
    if table == "funding":
        names.add("ptsm_id")  # the workbook's PTSM, set at staging from the actions sheet
    assert set(STAGING_SCHEMAS[staged].names) <= names
