"""Files as people really send them (issue 13, docs/contract.md §2.2 "Files as people send them"): one test per case seen.

Each test writes its files into a temporary exports folder and runs the real raw and staging layers in process on
an in-memory DuckDB (the same functions the refresh runs), then asserts what reaches staging and what the
quality report says (raw.file_issues + staging.row_issues, the inputs of marts.quality_report).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.ingest import discovery

from pipelines.lib.ingest import raw as ingest

from pipelines.lib.staging import typing_rows as staging
from pipelines.lib.catalogue import families as fam
from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.ingest.discovery import has_exports

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "inputs"))
import build as b  # noqa: E402

REGISTRY = {row["ptsm_id"] for row in csv.DictReader((PROJECT_ROOT / "data/reference/ptsm_registry.csv").open())}
KEY = b"k" * 32


class Loaded:
    def __init__(self, root: Path) -> None:
        self.con = duckdb.connect()
        for name, family in fam.FAMILIES.items():
            ingest.ingest_family(self.con, family, root)
            staging.stage_family(self.con, name, REGISTRY, KEY)

    def q(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def report(self) -> set[tuple]:
        """What marts.quality_report shows for these files (file-level and row-level reasons)."""
        files = self.q("select source_file, row_number, field, value, reason from raw.file_issues")
        rows = self.q("select source_file, row_number, case when sheet <> '' then sheet || '.' || field else field end, "
                      "value, reason from staging.row_issues")
        return set(files) | set(rows)

    def ledger(self) -> dict[str, str]:
        return dict(self.q("select source_file, outcome from raw.file_ledger"))


def load(root: Path) -> Loaded:
    return Loaded(root)


# --- silent losses -------------------------------------------------------------------------------------------------

def _census_book(path: Path, first_sheet: list | None = None, names=("2023", "2024")) -> Path:
    sheets = {}
    if first_sheet is not None:
        sheets["Lisez-moi"] = first_sheet
    # in 2023 the PTSM-01 coordinator was in post; by 2024 they had left (2022-06-30) and PTSM-02 had a co-funded post
    sheets[names[0]] = [b.ROSTER_HEADER, b.roster_row("PTSM-01", "Alice", 1, "2019-01-01")]
    sheets[names[1]] = [b.ROSTER_HEADER, b.roster_row("PTSM-01", "Alice", 1, "2019-01-01", "2022-06-30"),
                        b.roster_row("PTSM-02", "Bruno", 0.5, "2023-01-01", None, 10000)]
    return b.sheet_book(path, sheets)


def test_a_roster_with_one_sheet_per_census_uses_the_latest_sheet(tmp_path):
    _census_book(tmp_path / "coordonnateurs" / "recensement_coordonnateurs_2024-03-31.xlsx")
    run = load(tmp_path)
    assert run.q("select ptsm_id, row_number, date_fin, cofinancement_eur from staging.roster_rows order by 1") == [
        ("PTSM-01", 2, dt.date(2022, 6, 30), 0.0), ("PTSM-02", 3, None, 10000.0)]
    assert run.report() == set()


def test_a_readme_sheet_listing_the_columns_before_the_roster_is_not_the_data_sheet(tmp_path):
    readme = [["Colonne", "Contenu"], *[[c, "voir le modèle"] for c in b.ROSTER_HEADER]]
    _census_book(tmp_path / "coordonnateurs" / "recensement_coordonnateurs_2024-03-31.xlsx", readme)
    run = load(tmp_path)
    assert [r[0] for r in run.q("select ptsm_id from staging.roster_rows order by 1")] == ["PTSM-01", "PTSM-02"]
    assert run.ledger() == {"coordonnateurs/recensement_coordonnateurs_2024-03-31.xlsx": "lu"}


def test_census_sheets_without_dates_are_refused_naming_them(tmp_path):
    _census_book(tmp_path / "coordonnateurs" / "recensement_coordonnateurs_2024-03-31.xlsx", names=("Feuil1", "Feuil2"))
    run = load(tmp_path)
    assert run.q("select count(*) from staging.roster_rows") == [(0,)]
    [(source, reason)] = run.q("select source_file, reason from raw.file_issues")
    assert source == "coordonnateurs/recensement_coordonnateurs_2024-03-31.xlsx"
    assert reason.startswith("plusieurs feuilles de données (« Feuil1 », « Feuil2 »)")


def test_files_in_sub_folders_and_loosely_named_family_folders_are_read(tmp_path):
    b.action_book(tmp_path / "Fiches_Actions" / "2024" / "PTSM-35_2024-03-31.xlsx", [b.action()], [b.funding()])
    b.milestones_csv(tmp_path / "Statut PTSM" / "statut_ptsm_2024-03-31.csv", ["PTSM-35;2019-07-09;2020-12-08"])
    b.milestones_csv(tmp_path / "statut_ptsm" / "archives" / "statut_ptsm_2023-06-30.csv", ["PTSM-35;2019-07-09;"])
    b.text_file(tmp_path / "divers" / "notes.csv", ["a;b"])
    run = load(tmp_path)
    assert run.ledger() == {
        "Fiches_Actions/2024/PTSM-35_2024-03-31.xlsx": "lu",
        "Statut PTSM/statut_ptsm_2024-03-31.csv": "lu",
        "statut_ptsm/archives/statut_ptsm_2023-06-30.csv": "lu",
        "divers/notes.csv": "quarantaine",
    }
    assert run.q("select ptsm_id, num_action from staging.action_rows") == [("PTSM-35", "1")]
    assert run.q("select count(*) from staging.milestone_rows") == [(2,)]
    assert run.report() == {("divers/notes.csv", None, "fichier", "notes.csv",
                             "dossier « divers » non reconnu, et ni son nom ni sa ligne d'en-tête ne désignent une famille "
                             "(colonnes attendues — enquete_coordonnateurs : id, submitdate, ptsm_id ; coordonnateurs : "
                             "ptsm_id, coordonnateur, etp, date_debut, date_fin ; fiches_actions : num_action, ptsm_id, "
                             "priorites, statut ; statut_ptsm : ptsm_id, date_arrete_ptsm, date_signature_ctsm) : "
                             "placez-le dans l'un des dossiers enquete_coordonnateurs/, coordonnateurs/, fiches_actions/ "
                             "ou statut_ptsm/, ou nommez-le d'après sa famille (ex. coordonnateurs_2025-03-31.csv)")}


def test_exports_only_in_a_sub_folder_or_a_root_zip_count_as_exports_and_are_read(tmp_path):
    only_sub = tmp_path / "a"
    b.milestones_csv(only_sub / "statut_ptsm" / "2024" / "statut_ptsm_2024-03-31.csv", ["PTSM-35;2019-07-09;"])
    assert has_exports(only_sub)
    only_zip = tmp_path / "b"
    book = b.action_book(tmp_path / "PTSM-35_2024-03-31.xlsx", [b.action()], [b.funding()])
    b.zip_archive(only_zip / "exports.zip", {"fiches_actions/PTSM-35_2024-03-31.xlsx": book,
                                             "__MACOSX/fiches_actions/._PTSM-35_2024-03-31.xlsx": b"junk"})
    assert has_exports(only_zip)
    run = load(only_zip)
    assert run.ledger() == {"exports.zip/fiches_actions/PTSM-35_2024-03-31.xlsx": "lu"}
    assert run.q("select source_file, ptsm_id from staging.action_rows") == [
        ("exports.zip/fiches_actions/PTSM-35_2024-03-31.xlsx", "PTSM-35")]


def test_junk_and_lock_files_are_ignored_not_quarantined_and_are_not_exports(tmp_path):
    for name in [".DS_Store", "Thumbs.db", "desktop.ini", "~$PTSM-35_2024-03-31.xlsx", ".~lock.statut.csv#"]:
        b.text_file(tmp_path / "fiches_actions" / name, ["x"])
    assert not has_exports(tmp_path)
    found = discovery.discover(tmp_path)
    assert (found.found, sorted(found.ignored)) == ([], sorted(
        f"fiches_actions/{n}" for n in [".DS_Store", "Thumbs.db", "desktop.ini", "~$PTSM-35_2024-03-31.xlsx", ".~lock.statut.csv#"]))
    b.milestones_csv(tmp_path / "statut_ptsm" / "statut_ptsm_2024-03-31.csv", ["PTSM-35;2019-07-09;"])
    run = load(tmp_path)
    assert run.ledger() == {"statut_ptsm/statut_ptsm_2024-03-31.csv": "lu"} and run.report() == set()


def test_a_csv_row_with_one_field_more_than_the_header_is_quarantined_not_loaded_shifted(tmp_path):
    header = ";".join(b.SURVEY_HEADER)
    b.text_file(tmp_path / "enquete_coordonnateurs" / "enquete_2023.csv", [
        header,
        "1;2023-05-02 10:00:00;PTSM-01;CDI;Temps plein;;Association;Oui;1 900,50",
        # the employer typed "Association; Hôpital": one field more, every value after it shifted by one
        "2;2023-05-03 10:00:00;PTSM-02;CDI;Temps plein;;Association; Hôpital;Oui;1 900,50",
    ])
    run = load(tmp_path)
    assert run.q("select response_id, rdv_ars, salaire_net from staging.survey_answers") == [(1, True, 1900.5)]
    assert run.report() == {("enquete_coordonnateurs/enquete_2023.csv", 3, "ligne", "10 champs",
                             "ligne de 10 champs pour 9 colonnes d'en-tête : les valeurs seraient décalées (un « ; » dans "
                             "une valeur non entourée de guillemets ?) ; ligne écartée, mettez la valeur entre guillemets "
                             "ou retirez le séparateur")}


def test_an_unquoted_separator_in_the_last_column_is_quarantined(tmp_path):
    header = ";".join(b.ROSTER_HEADER)
    b.text_file(tmp_path / "coordonnateurs" / "recensement_coordonnateurs_2024-03-31.csv", [
        header, "PTSM-01;Alice;1;2020-01-01;;CDI;Association;50000;10000;CPAM;Mairie",
        "PTSM-02;Bruno;1;2020-01-01;;CDI;Association;50000;;;"])  # trailing empty fields are harmless
    run = load(tmp_path)
    assert run.q("select ptsm_id from staging.roster_rows") == [("PTSM-02",)]
    assert [(r[1], r[2], r[3]) for r in run.report()] == [(2, "ligne", "11 champs")]


def test_duplicate_headers_use_the_filled_copy_or_refuse_the_file(tmp_path):
    header = [*b.ACTIONS_HEADER, "statut", "commentaire", "commentaire"]
    empty_first = [*b.action(statut=""), "En cours", "a", "b"]
    b.action_book(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx", [empty_first], [b.funding()],
                  headers=(header, b.FUNDING_HEADER))
    both = [*b.action(statut="En cours"), "Réalisée", "a", "b"]
    b.action_book(tmp_path / "fiches_actions" / "PTSM-22_2024-03-31.xlsx", [[*both[:0], *both]], [],
                  headers=(header, b.FUNDING_HEADER))
    run = load(tmp_path)
    assert run.q("select ptsm_id, statut from staging.action_rows") == [("PTSM-35", "En cours")]
    assert json.loads(run.q("select _extra from raw.actions")[0][0]) == {"commentaire": "a", "commentaire (2)": "b"}
    assert run.report() == {("fiches_actions/PTSM-22_2024-03-31.xlsx", None, "fichier", "PTSM-22_2024-03-31.xlsx",
                             "colonne « statut » en double (colonnes H, L, feuille actions), remplie dans chaque copie : "
                             "gardez une seule colonne de ce nom")}


def test_a_latest_file_with_a_header_and_no_data_row_is_reported_and_the_previous_one_counts(tmp_path):
    b.milestones_csv(tmp_path / "statut_ptsm" / "statut_ptsm_2023-06-30.csv", ["PTSM-35;2019-07-09;2020-12-08"])
    b.milestones_csv(tmp_path / "statut_ptsm" / "statut_ptsm_2024-03-31.csv", [])
    b.action_book(tmp_path / "fiches_actions" / "PTSM-35_2023-12-31.xlsx", [b.action()], [b.funding()])
    b.action_book(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx", [], [])
    run = load(tmp_path)
    assert run.ledger() == {"statut_ptsm/statut_ptsm_2023-06-30.csv": "lu", "statut_ptsm/statut_ptsm_2024-03-31.csv": "quarantaine",
                            "fiches_actions/PTSM-35_2023-12-31.xlsx": "lu", "fiches_actions/PTSM-35_2024-03-31.xlsx": "quarantaine"}
    assert {r[4] for r in run.report()} == {
        "aucune ligne de données sous l'en-tête (ligne 1) : fichier écarté, le fichier précédent reste utilisé ; renvoyez-le rempli",
        "aucune ligne de données sous l'en-tête (ligne 1) (feuille actions) : fichier écarté, le fichier précédent reste "
        "utilisé ; renvoyez-le rempli"}
    # what staging/milestones.sql and current_workbooks.sql then pick: the previous readable snapshot
    assert run.q("select max(file_date) from raw.file_ledger where family = 'statut_ptsm' and outcome = 'lu'") == [(dt.date(2023, 6, 30),)]
    assert run.q("select date_signature_ctsm from staging.milestone_rows") == [(dt.date(2020, 12, 8),)]


# --- misleading or noisy reasons ----------------------------------------------------------------------------------

def test_a_utf16_unicode_text_export_is_read(tmp_path):
    lines = ["\t".join(b.MILESTONES_HEADER), "PTSM-35\t09/07/2019\t08/12/2020", "PTSM-29\t2019-10-01\t"]
    b.text_file(tmp_path / "statut_ptsm" / "statut_ptsm_2024-03-31.csv", lines, encoding="utf-16", newline="\r\n")
    run = load(tmp_path)
    assert run.q("select ptsm_id, date_arrete_ptsm from staging.milestone_rows order by 1") == [
        ("PTSM-29", dt.date(2019, 10, 1)), ("PTSM-35", dt.date(2019, 7, 9))]
    assert run.report() == set()


def test_a_password_protected_workbook_says_so(tmp_path):
    b.encrypted_workbook(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx")
    run = load(tmp_path)
    # the reason a user reads, written out (not imported from the reader)
    assert [r[4] for r in run.report()] == [
        "classeur protégé par un mot de passe : illisible sans le mot de passe. Enregistrez une copie sans mot de passe "
        "(Fichier > Informations > Protéger le classeur > Chiffrer avec mot de passe : effacer le mot de passe) "
        "et renvoyez-la"]


def test_a_stray_cell_far_below_a_small_table_is_reported_not_fatal(tmp_path):
    path = b.action_book(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx",
                         [b.action(number=str(n)) for n in (1, 2, 3)], [b.funding()])
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["actions"]["C150000"] = "x"
    book.save(path)
    run = load(tmp_path)
    assert run.q("select count(*) from staging.action_rows") == [(3,)]
    assert run.report() == {("fiches_actions/PTSM-35_2024-03-31.xlsx", 150000, "ligne", "x",
                             "contenu isolé 149995 lignes sous le tableau (feuille actions) : ignoré ; effacez cette "
                             "cellule si elle n'a rien à faire là")}


def test_an_excel_sep_line_and_a_csv_title_block_are_skipped(tmp_path):
    b.text_file(tmp_path / "statut_ptsm" / "statut_ptsm_2024-03-31.csv",
                ["sep=;", ";".join(b.MILESTONES_HEADER), "PTSM-35;2019-07-09;"], encoding="cp1252")
    b.text_file(tmp_path / "statut_ptsm" / "statut_ptsm_2023-06-30.csv",
                ["Statut des PTSM au 30/06/2023", "Source : ARS;;", ";;", ";".join(b.MILESTONES_HEADER), "PTSM-29;2019-10-01;"])
    run = load(tmp_path)
    assert run.q("select source_file, row_number, ptsm_id from staging.milestone_rows order by 1") == [
        ("statut_ptsm/statut_ptsm_2023-06-30.csv", 5, "PTSM-29"), ("statut_ptsm/statut_ptsm_2024-03-31.csv", 2, "PTSM-35")]
    assert run.report() == set()


def test_a_date_cell_holding_zero_is_an_empty_date(tmp_path):
    b.sheet_book(tmp_path / "coordonnateurs" / "recensement_coordonnateurs_2024-03-31.xlsx",
                 {"Recensement": [b.ROSTER_HEADER, b.roster_row("PTSM-01", "Alice", 1, dt.date(2020, 1, 1), 0)]},
                 formats={("Recensement", "E2"): "dd/mm/yyyy"})
    run = load(tmp_path)
    assert run.q("select ptsm_id, date_fin from staging.roster_rows") == [("PTSM-01", None)]
    assert run.report() == set()


def test_an_unreadable_date_quotes_the_value_and_the_accepted_formats(tmp_path):
    b.milestones_csv(tmp_path / "statut_ptsm" / "statut_ptsm_2024-03-31.csv", ["PTSM-35;09.07.2019;"])
    assert load(tmp_path).report() == {("statut_ptsm/statut_ptsm_2024-03-31.csv", 2, "date_arrete_ptsm", "09.07.2019",
                                        "date illisible : « 09.07.2019 » (formats acceptés : AAAA-MM-JJ, JJ/MM/AAAA)")}


def test_vertically_merged_cells_give_their_value_to_every_row(tmp_path):
    rows = [b.action(number="1"), [None, "2", *b.action()[2:]], [None, "3", *b.action()[2:]]]
    b.sheet_book(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx",
                 {"actions": [b.ACTIONS_HEADER, *rows], "financements": [b.FUNDING_HEADER, b.funding()]},
                 merges={"actions": ["A2:A4"]})
    run = load(tmp_path)
    assert run.q("select ptsm_id, num_action from staging.action_rows order by 2") == [
        ("PTSM-35", "1"), ("PTSM-35", "2"), ("PTSM-35", "3")]
    assert run.report() == set()


def test_num_action_stored_as_a_number_matches_the_same_number_typed_with_a_comma(tmp_path):
    b.action_book(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx", [b.action(number=1.1)],
                  [b.funding(number="1,1"), b.funding(number="1.1", amount=500)])
    run = load(tmp_path)
    assert run.q("select num_action from staging.action_rows") == [("1.1",)]
    assert run.q("select num_action, montant_eur from staging.funding_rows order by 2") == [("1.1", 500.0), ("1.1", 12000.0)]
    assert run.report() == set()


def test_a_hint_row_under_the_header_and_a_legend_table_are_one_line_each(tmp_path):
    hint = ["Identifiant du PTSM (ex. PTSM-35)", "N° de l'action", "Intitulé", "1 à 6, séparées par ;", "voir la liste",
            "voir la liste", "voir la liste", "voir la liste", "Oui / Non", "AAAA", "AAAA"]
    legend = [["Légende", None, None, None, None, None, None, "En cours : action démarrée"],
              ["Légende", None, None, None, None, None, None, "Réalisée : action terminée"]]
    b.action_book(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx", [hint, b.action(), *legend], [b.funding()])
    run = load(tmp_path)
    assert run.q("select num_action from staging.action_rows") == [("1",)]
    assert run.report() == {("fiches_actions/PTSM-35_2024-03-31.xlsx", 2, "actions.ligne", "lignes 2, 4, 5",
                             "3 lignes de légende ou d'aide à la saisie (pas des données) : ignorées ; supprimez-les du "
                             "fichier (gardez l'aide dans une feuille à part, par exemple « Lisez-moi »)")}


# --- files a user expects to load ----------------------------------------------------------------------------------

MILESTONE_ROWS = [b.MILESTONES_HEADER, ["PTSM-35", "2019-07-09", "2020-12-08"]]


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".xls", ".ods"])
def test_every_workbook_format_loads_for_a_single_table_family(tmp_path, suffix):
    path = tmp_path / "statut_ptsm" / f"statut_ptsm_2024-03-31{suffix}"
    {".xls": b.xls_book, ".ods": b.ods_book}.get(suffix, b.sheet_book)(path, {"Statut": MILESTONE_ROWS})
    run = load(tmp_path)
    assert run.q("select ptsm_id, date_arrete_ptsm from staging.milestone_rows") == [("PTSM-35", dt.date(2019, 7, 9))]
    assert run.report() == set()


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_action_workbooks_load_as_xls_and_ods(tmp_path, suffix):
    sheets = {"actions": [b.ACTIONS_HEADER, b.action()], "financements": [b.FUNDING_HEADER, b.funding()]}
    {".xls": b.xls_book, ".ods": b.ods_book}[suffix](tmp_path / "fiches_actions" / f"PTSM-35_2024-03-31{suffix}", sheets)
    run = load(tmp_path)
    assert run.q("select ptsm_id, statut, priorities from staging.action_rows") == [("PTSM-35", "En cours", [1, 5])]
    assert run.q("select montant_eur from staging.funding_rows") == [(12000.0,)]


def test_a_survey_as_xlsx_named_with_an_accent_loads(tmp_path):
    row = [1, "2023-05-02 10:00:00", "PTSM-01", "CDI", "Temps partiel", "80 %", "Association", "Oui", "1 900,50"]
    b.sheet_book(tmp_path / "Enquête coordonnateurs" / "enquête_2023.xlsx", {"Réponses": [b.SURVEY_HEADER, row]})
    run = load(tmp_path)
    assert run.q("select wave, response_id, quotite, salaire_net from staging.survey_answers") == [(2023, 1, 80, 1900.5)]
    assert run.report() == set()


def test_a_zip_in_a_family_folder_is_opened(tmp_path):
    book = b.action_book(tmp_path / "PTSM-35_2024-03-31.xlsx", [b.action()], [b.funding()])
    b.zip_archive(tmp_path / "raw" / "fiches_actions" / "envoi.zip", {"PTSM-35_2024-03-31.xlsx": book})
    run = load(tmp_path / "raw")
    assert run.ledger() == {"fiches_actions/envoi.zip/PTSM-35_2024-03-31.xlsx": "lu"}
    assert run.q("select count(*) from staging.action_rows") == [(1,)]


def test_sheet_name_synonyms_annotated_headers_and_a_percent_fte_load(tmp_path):
    headers = ([h if h != "priorites" else "Priorités (1 à 6)" for h in b.ACTIONS_HEADER[:7]] + ["Statut *"]
               + b.ACTIONS_HEADER[8:], b.FUNDING_HEADER)
    b.action_book(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx", [b.action()], [b.funding()],
                  names=("Fiches actions", "Budget"), headers=headers)
    b.text_file(tmp_path / "coordonnateurs" / "recensement_coordonnateurs_2024-03-31.csv",
                [";".join(b.ROSTER_HEADER), "PTSM-01;Alice;80 %;2020-01-01;;CDI;Association;50000;;"])
    run = load(tmp_path)
    assert run.q("select priorities, statut from staging.action_rows") == [([1, 5], "En cours")]
    assert run.q("select count(*) from staging.funding_rows") == [(1,)]
    assert run.q("select etp from staging.roster_rows") == [(0.8,)]
    assert run.report() == set()


def test_the_sample_is_discovered_as_before(tmp_path):
    sample = PROJECT_ROOT / "data" / "sample"
    found = discovery.discover(sample)
    # the sample keeps every export directly in its family folder: the source names stay `<family>/<file>`
    assert sorted(f.name for f in found.found) == sorted(
        f"{folder.name}/{p.name}" for folder in sample.iterdir() if folder.is_dir() for p in folder.iterdir())
    assert found.of(None) == [] and all(f.name == f"{f.family}/{f.path.name}" for f in found.found)


def test_a_sheet_synonym_added_to_the_vocabulary_file_rereads_the_workbook(tmp_path, monkeypatch):
    vocabularies = tmp_path / "vocabularies.csv"
    vocabularies.write_text((PROJECT_ROOT / "pipelines/lib/vocabularies.csv").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("PTSM_VOCABULARY_FILE", str(vocabularies))
    raw = tmp_path / "raw"
    b.action_book(raw / "fiches_actions" / "PTSM-35_2024-03-31.xlsx", [b.action()], [b.funding()],
                  names=("Programme", "financements"))
    run = Loaded(raw)
    assert [r[4] for r in run.report()] == ["feuille actions absente"]
    text = vocabularies.read_text(encoding="utf-8").replace("|Plan d'action,", "|Plan d'action|Programme,")
    vocabularies.write_text(text, encoding="utf-8")
    ingest.ingest_family(run.con, fam.FAMILIES["fiches_actions"], raw)  # the same warehouse, the file unchanged
    assert run.ledger() == {"fiches_actions/PTSM-35_2024-03-31.xlsx": "lu"}


def test_of_two_sheets_for_the_actions_the_one_without_data_rows_is_not_the_data_sheet(tmp_path):
    b.sheet_book(tmp_path / "fiches_actions" / "PTSM-35_2024-03-31.xlsx", {
        "actions": [b.ACTIONS_HEADER], "Fiches actions": [b.ACTIONS_HEADER, b.action()],
        "financements": [b.FUNDING_HEADER, b.funding()]})
    b.sheet_book(tmp_path / "fiches_actions" / "PTSM-22_2024-03-31.xlsx", {
        "actions": [b.ACTIONS_HEADER, b.action("PTSM-22")], "Fiches actions": [b.ACTIONS_HEADER, b.action("PTSM-22")],
        "financements": [b.FUNDING_HEADER]})
    run = load(tmp_path)
    assert run.q("select source_file, row_number from staging.action_rows") == [("fiches_actions/PTSM-35_2024-03-31.xlsx", 2)]
    assert run.report() == {("fiches_actions/PTSM-22_2024-03-31.xlsx", None, "fichier", "PTSM-22_2024-03-31.xlsx",
                             "plusieurs feuilles pour la même table (« actions », « Fiches actions ») : gardez-en une seule")}


def test_numbered_folders_and_a_file_at_the_root_named_after_its_family_are_read(tmp_path):
    """Issue 23 §1: `1. Fiches actions/` is its family; `statut_ptsm_….csv` at the root is read, not reported."""
    b.action_book(tmp_path / "1. Fiches actions" / "PTSM-35_2024-03-31.xlsx", [b.action()], [b.funding()])
    b.milestones_csv(tmp_path / "statut_ptsm_2024-03-31.csv", ["PTSM-35;2019-07-09;2020-12-08"])
    run = load(tmp_path)
    assert run.ledger() == {"1. Fiches actions/PTSM-35_2024-03-31.xlsx": "lu", "statut_ptsm_2024-03-31.csv": "lu"}
    assert run.q("select ptsm_id, num_action from staging.action_rows") == [("PTSM-35", "1")]
    assert run.q("select count(*) from staging.milestone_rows") == [(1,)]
    assert run.report() == set()
