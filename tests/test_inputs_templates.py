"""`ptsm template`: the XLSX templates per family (issue 13 item 5).

They carry the exact sheets and headers the refresh reads, a French `Lisez-moi` explaining every column, drop-down
lists for the controlled values, formats on the cells, the PTSM prefilled when given; they regenerate
byte-identically; and a template filled with valid values loads with zero quarantine (round trip through the real
raw and staging layers).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipelines import cli

sys.path.insert(0, str(Path(__file__).parent))
from test_inputs_files import Loaded  # noqa: E402

NAMES = ["modele_enquete_coordonnateurs.xlsx", "modele_fiches_actions_PTSM-35.xlsx",
         "modele_recensement_coordonnateurs.xlsx", "modele_statut_ptsm.xlsx"]


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    assert cli.main(["template", "--out", str(out), "--ptsm", "ptsm-35"]) == 0
    return out


def test_one_template_per_family_with_the_exact_sheets_and_headers(templates):
    assert sorted(p.name for p in templates.iterdir()) == NAMES
    book = load_workbook(templates / "modele_fiches_actions_PTSM-35.xlsx")
    assert book.sheetnames == ["Lisez-moi", "actions", "financements", "listes"]
    assert book["listes"].sheet_state == "hidden"
    assert [c.value for c in book["actions"][1]] == [
        "ptsm_id", "num_action", "intitule", "priorites", "publics", "thematiques", "secteurs", "statut",
        "priorisee_ctsm", "annee_debut", "annee_fin"]
    assert [c.value for c in book["financements"][1]] == ["num_action", "financeur", "annee", "montant_eur", "nature"]
    roster = load_workbook(templates / "modele_recensement_coordonnateurs.xlsx")
    assert [c.value for c in roster["recensement"][1]] == [
        "ptsm_id", "coordonnateur", "etp", "date_debut", "date_fin", "type_contrat", "porteur", "financement_ars_eur",
        "cofinancement_eur", "cofinanceurs"]
    assert roster["recensement"]["A2"].value is None  # the roster is national: no PTSM prefilled


def test_the_readme_explains_every_column_and_the_file_name(templates):
    book = load_workbook(templates / "modele_fiches_actions_PTSM-35.xlsx")
    readme = [[c.value for c in row] for row in book["Lisez-moi"].iter_rows()]
    texts = [row[0] for row in readme if row[0]]
    assert "1. Enregistrez le fichier sous le nom : PTSM-35_fiches_actions_AAAA-MM-JJ.xlsx (date d'extraction), une " \
           "feuille actions et une feuille financements." in texts
    assert "Modèle préparé pour PTSM-35 (PTSM Ille-et-Vilaine)." in texts
    described = {row[0]: row for row in readme if row[0] in {"statut", "financeur", "priorites", "montant_eur"}}
    assert described["statut"][1:4] == ["oui", "Statut de l'action.", "une valeur de la liste déroulante : Non démarrée ; "
                                        "En cours ; Réalisée ; Abandonnée ; Reportée"]
    assert described["priorites"][3] == "nombres de 1 à 6 séparés par « ; »"
    assert described["montant_eur"][1] == "oui"


def test_drop_down_lists_formats_and_the_prefilled_ptsm(templates):
    book = load_workbook(templates / "modele_fiches_actions_PTSM-35.xlsx")
    actions = book["actions"]
    rules = {str(v.sqref): v for v in actions.data_validations.dataValidation}
    assert rules["A2:A1001"].type == "list" and rules["A2:A1001"].formula1 == '"PTSM-35"'
    assert rules["H2:H1001"].type == "list" and rules["H2:H1001"].formula1 == "listes!$L$2:$L$6"
    assert [book["listes"][f"L{r}"].value for r in range(1, 7)] == [
        "Valeurs : statut", "Non démarrée", "En cours", "Réalisée", "Abandonnée", "Reportée"]
    assert rules["E2:E1001"].errorStyle == "information"  # several publics per cell: the list helps, never forbids
    assert (rules["J2:J1001"].type, rules["J2:J1001"].formula1, rules["J2:J1001"].formula2) == ("whole", "2000", "2100")
    assert actions["A2"].value == "PTSM-35" and actions["A3"].value is None
    money = book["financements"]
    assert money.column_dimensions["D"].number_format == "#,##0.00"
    roster = load_workbook(templates / "modele_recensement_coordonnateurs.xlsx")["recensement"]
    assert roster.column_dimensions["D"].number_format == "dd/mm/yyyy"
    assert {str(v.sqref): v.type for v in roster.data_validations.dataValidation}["D2:D1001"] == "date"


def test_templates_regenerate_byte_identically(templates, tmp_path):
    assert cli.main(["template", "--out", str(tmp_path), "--ptsm", "PTSM-35"]) == 0
    for name in NAMES:
        assert (tmp_path / name).read_bytes() == (templates / name).read_bytes(), name


def test_an_unknown_ptsm_is_refused(tmp_path, capsys):
    assert cli.main(["template", "--out", str(tmp_path), "--ptsm", "PTSM-00"]) == 2
    assert "PTSM inconnu du registre : PTSM-00" in capsys.readouterr().err


def test_a_template_filled_with_valid_values_loads_with_zero_quarantine(templates, tmp_path):
    raw = tmp_path / "raw"

    def fill(name: str, target: str, rows: dict[str, list[list[object]]]) -> None:
        book = load_workbook(templates / name)
        for sheet, values in rows.items():
            for r, row in enumerate(values, start=2):
                for c, value in enumerate(row, start=1):
                    if value is not None:
                        book[sheet].cell(r, c, value)
        (raw / target).parent.mkdir(parents=True, exist_ok=True)
        book.save(raw / target)

    fill("modele_fiches_actions_PTSM-35.xlsx", "fiches_actions/PTSM-35_fiches_actions_2024-03-31.xlsx", {
        "actions": [[None, "1.1", "Prévention du suicide", "1;5", "Enfants; Proches et aidants", None, "Sanitaire; Social",
                     "En cours", "Oui", 2023, 2025],
                    ["PTSM-35", "1.2", "Logement", "6", "Personnes en situation de précarité", "Logement", "Social",
                     "Réalisée", "Non", 2022, 2023]],
        "financements": [["1.1", "ARS – Fonds d'intervention régional (FIR)", 2024, 12000.5, "Pérenne"],
                         ["1,2", "Conseil départemental", 2023, 3000, "Non reconductible"]]})
    fill("modele_recensement_coordonnateurs.xlsx", "coordonnateurs/recensement_coordonnateurs_2024-03-31.xlsx", {
        "recensement": [["PTSM-01", "Camille Martin", 0.8, dt.date(2023, 1, 15), None, "CDI", "Association", 55000, 10000, "CD"]]})
    fill("modele_statut_ptsm.xlsx", "statut_ptsm/statut_ptsm_2024-03-31.xlsx", {
        "statut": [["PTSM-35", dt.date(2019, 7, 9), None]]})
    fill("modele_enquete_coordonnateurs.xlsx", "enquete_coordonnateurs/enquete_2024.xlsx", {
        "reponses": [[7, dt.datetime(2024, 5, 2, 10, 15), "PTSM-35", "CDD", "2 ans", "Temps partiel", 80, "Non", "Oui",
                      "Autre", "Oui", "6 à 10 ans", "Master ou plus", "Y", "Y", None, None, 2150.5, "Association",
                      "Non", "Oui"]]})
    run = Loaded(raw)
    assert run.report() == set()
    assert set(run.ledger().values()) == {"lu"} and len(run.ledger()) == 4
    assert run.q("select ptsm_id, num_action, statut, publics from staging.action_rows order by 2") == [
        ("PTSM-35", "1.1", "En cours", ["enfants", "proches_aidants"]), ("PTSM-35", "1.2", "Réalisée", ["precarite"])]
    assert run.q("select num_action, financeur, montant_eur from staging.funding_rows order by 1") == [
        ("1.1", "ars_fir", 12000.5), ("1.2", "conseil_departemental", 3000.0)]
    assert run.q("select etp, date_debut, date_fin from staging.roster_rows") == [(0.8, dt.date(2023, 1, 15), None)]
    assert run.q("select response_id, duree_cdd, quotite, moyens_ordinateur, moyens_vehicule, salaire_net "
                 "from staging.survey_answers") == [(7, "2 ans", 80, True, False, 2150.5)]
    assert run.q("select date_arrete_ptsm, date_signature_ctsm from staging.milestone_rows") == [(dt.date(2019, 7, 9), None)]


def test_an_unfilled_template_is_reported_as_empty_not_loaded(templates, tmp_path):
    target = tmp_path / "raw" / "statut_ptsm" / "statut_ptsm_2024-03-31.xlsx"
    target.parent.mkdir(parents=True)
    shutil.copy(templates / "modele_statut_ptsm.xlsx", target)
    assert [r[4] for r in Loaded(tmp_path / "raw").report()] == [
        "aucune ligne de données sous l'en-tête (ligne 1) (feuille statut) : fichier écarté, le fichier précédent reste "
        "utilisé ; renvoyez-le rempli"]
