"""Feedback pages after a refresh (issue 13 item 7): one French page per PTSM whose files had problems, one for the
national files, built from marts.quality_report (here a hand-made one; the slow test_inputs_refresh.py checks the
pages a real refresh writes)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.lib.quality.feedback import feedback_dir, write_feedback

REPORT = [
    ("fiches_actions/PTSM-29_finistere_2024-03-31.xlsx", 45, "actions.priorites", "2;7", "priorité hors de 1-6 : 7"),
    ("fiches_actions/autre_nom_2024-03-31.xlsx", 4, "financements.num_action", "9", "num_action absent de la feuille actions"),
    ("fiches_actions/PTSM-59-LIL_lille_brouillon.xlsx", None, "fichier", "PTSM-59-LIL_lille_brouillon.xlsx",
     "nom de fichier sans date AAAA-MM-JJ"),
    ("fiches_actions/illisible_2024-01-31.xlsx", None, "fichier", "illisible_2024-01-31.xlsx",
     "classeur XLSX illisible (pas une archive valide)"),
    ("coordonnateurs/recensement_coordonnateurs_2024-03-31.csv", 3, "coordonnateur", "(nom masqué)", "coordonnateur manquant"),
    ("notes.txt", None, "fichier", "notes.txt", "fichier hors des dossiers d'exports : placez-le dans l'un des dossiers ..."),
]


def warehouse(report: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts; create schema staging")
    con.execute("create table marts.quality_report (source_file varchar, row_number integer, field varchar, value varchar, "
                "reason varchar)")
    if report:
        con.executemany("insert into marts.quality_report values (?, ?, ?, ?, ?)", report)
    con.execute("create table ref_ptsm_registry as select * from (values ('PTSM-29', 'PTSM Finistère'), "
                "('PTSM-35', 'PTSM Ille-et-Vilaine'), ('PTSM-59-LIL', 'PTSM Lille')) as t (ptsm_id, ptsm_nom)")
    con.execute("create table staging.action_workbooks as select 'fiches_actions/autre_nom_2024-03-31.xlsx' as source_file, "
                "'PTSM-35' as ptsm_id")
    return con


def test_one_page_per_ptsm_with_problems_and_one_for_the_national_files(tmp_path):
    out = feedback_dir(tmp_path / "marts")
    assert out == tmp_path / "retours"
    written = write_feedback(warehouse(REPORT), out)
    assert [p.name for p in written] == ["PTSM-29.html", "PTSM-35.html", "PTSM-59-LIL.html", "national.html"]
    assert sorted(p.name for p in out.iterdir()) == ["PTSM-29.html", "PTSM-35.html", "PTSM-59-LIL.html", "index.html",
                                                     "national.html"]
    page = (out / "PTSM-35.html").read_text(encoding="utf-8")
    # attributed by the PTSM its rows carry, not by its name
    assert "<title>Retour sur les fichiers de PTSM-35 (PTSM Ille-et-Vilaine)</title>" in page
    assert ("<td class=\"short\">financements</td><td class=\"num\">4</td><td class=\"short\">num_action</td>"
            "<td class=\"value\">9</td><td class=\"text\">num_action absent de la feuille actions</td>"
            "<td class=\"text\">Utilisez un numéro d'action qui figure dans la feuille actions.</td>") in page
    assert "fiches_actions/PTSM-29" not in page
    lille = (out / "PTSM-59-LIL.html").read_text(encoding="utf-8")  # an undated workbook: attributed by its name
    assert "Renommez le fichier avec sa date d'extraction à la fin" in lille
    national = (out / "national.html").read_text(encoding="utf-8")
    for source in ["fiches_actions/illisible_2024-01-31.xlsx", "coordonnateurs/recensement_coordonnateurs_2024-03-31.csv",
                   "notes.txt"]:
        assert f"<h2>{source}</h2>" in national
    assert 'lang="fr"' in national and "PTSM-29" not in national


def test_pages_of_a_previous_refresh_do_not_linger(tmp_path):
    out = tmp_path / "retours"
    write_feedback(warehouse(REPORT), out)
    write_feedback(warehouse(REPORT[:1]), out, synthetic=True)
    assert sorted(p.name for p in out.iterdir()) == ["PTSM-29.html", "index.html"]
    assert "Données SYNTHÉTIQUES" in (out / "PTSM-29.html").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["retours"]  # no temporary folder left behind
    write_feedback(warehouse([]), out)
    assert "Aucun problème dans les fichiers reçus." in (out / "index.html").read_text(encoding="utf-8")
