"""`ptsm check FILE… [--html OUT]`: the validator for producers (issue 13 item 6).

Same reading and typing code as the refresh, nothing written: exit 0 when every file would load whole, 1 otherwise,
with a French report giving sheet, row, column, value, what is wrong and how to fix it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipelines import cli

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "inputs"))
import build as b  # noqa: E402


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """The warehouse and marts the refresh would use: `check` must create neither."""
    for var, name in [("PTSM_DB", "w.duckdb"), ("PTSM_MARTS_DIR", "marts"), ("PTSM_RAW_DIR", "raw")]:
        monkeypatch.setenv(var, str(tmp_path / name))
    yield tmp_path
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "marts").exists()


def test_a_good_workbook_exits_0_and_says_it_would_load_whole(isolated, capsys):
    path = b.action_book(isolated / "PTSM-35_fiches_actions_2024-03-31.xlsx", [b.action()], [b.funding()])
    assert cli.main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Fichier : PTSM-35_fiches_actions_2024-03-31.xlsx (fiches actions, 2 lignes lues)" in out
    assert "=> le fichier serait chargé en entier." in out


def test_a_bad_workbook_exits_1_with_the_row_the_reason_and_the_fix(isolated, capsys):
    path = b.action_book(isolated / "PTSM-35_fiches_actions_2024-03-31.xlsx",
                         [b.action(), b.action(number="2", statut="Commencée")], [b.funding()])
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert ("  - feuille actions, ligne 3, colonne statut, valeur « Commencée » : valeur inconnue (statut) : Commencée\n"
            "      comment corriger : Statut de l'action. Valeurs acceptées : Non démarrée, En cours, Réalisée, "
            "Abandonnée, Reportée (liste complète dans la feuille Lisez-moi du modèle).") in out
    assert "=> 1 problème(s) : le fichier ne serait pas chargé en entier." in out


def test_a_refused_file_and_a_good_csv_together_exit_1_and_the_html_report_is_written(isolated, capsys):
    undated = b.action_book(isolated / "fiches_PTSM-35.xlsx", [b.action()], [b.funding()])
    good = b.milestones_csv(isolated / "statut_ptsm_2024-03-31.csv", ["PTSM-35;2019-07-09;"])
    page = isolated / "rapport" / "verification.html"
    assert cli.main(["check", str(undated), str(good), "--html", str(page)]) == 1
    out = capsys.readouterr().out
    assert "  - fichier entier : nom de fichier sans date AAAA-MM-JJ\n      comment corriger : Renommez le fichier avec " \
           "sa date d'extraction à la fin : <PTSM>_fiches_actions_AAAA-MM-JJ.xlsx" in out
    assert "2 fichier(s) vérifié(s) : 1 chargé(s) en entier, 1 à corriger." in out
    text = page.read_text(encoding="utf-8")
    assert '<html lang="fr">' in text and '<td class="text">nom de fichier sans date AAAA-MM-JJ</td>' in text
    assert "aucun problème : le fichier serait chargé en entier." in text


def test_a_roster_report_never_shows_a_name(isolated, capsys):
    path = b.text_file(isolated / "recensement_coordonnateurs_2024-03-31.csv",
                       [";".join(b.ROSTER_HEADER), "PTSM-01;Jeanne Dupont;2;2020-01-01;;CDI;Association;1;;"])
    assert cli.main(["check", str(path), "--html", str(isolated / "r.html")]) == 1
    out = capsys.readouterr().out
    assert "ligne 2, colonne etp, valeur « 2 » : etp hors de ]0 ; 1]" in out
    assert "Dupont" not in out and "Dupont" not in (isolated / "r.html").read_text(encoding="utf-8")


def test_the_long_csv_row_is_reported_as_the_refresh_reports_it(isolated, capsys):
    path = b.milestones_csv(isolated / "statut_ptsm_2024-03-31.csv", ["PTSM-35;2019-07-09;;signé"])
    assert cli.main(["check", str(path)]) == 1
    assert "ligne 2, valeur « 4 champs » : ligne de 4 champs pour 3 colonnes d'en-tête" in capsys.readouterr().out


def test_a_zip_is_checked_member_by_member(isolated, capsys):
    good = b.action_book(isolated / "PTSM-35_fiches_actions_2024-03-31.xlsx", [b.action()], [b.funding()])
    bad = b.milestones_csv(isolated / "statut_ptsm_2024-03-31.csv", ["PTSM-00;2019-07-09;"])
    archive = b.zip_archive(isolated / "envoi.zip", {"PTSM-35_fiches_actions_2024-03-31.xlsx": good,
                                                     "statut/statut_ptsm_2024-03-31.csv": bad})
    assert cli.main(["check", str(archive)]) == 1
    out = capsys.readouterr().out
    assert "Fichier : envoi.zip/PTSM-35_fiches_actions_2024-03-31.xlsx (fiches actions, 2 lignes lues)\n" \
           "  => le fichier serait chargé en entier." in out
    assert "Fichier : envoi.zip/statut/statut_ptsm_2024-03-31.csv (statut des PTSM, 1 lignes lues)\n" \
           "  - ligne 2, colonne ptsm_id, valeur « PTSM-00 » : ptsm_id inconnu du registre : PTSM-00" in out
