"""One real `ptsm refresh` over exports as people send them (issue 13): what reaches the published marts.

The exports sit only in sub-folders, loosely named family folders and a zip, beside OS junk and a lock file; the
roster has one sheet per census, the latest milestones file is an empty template, an action workbook has its
`statut` column twice (the first copy empty) and another types `num_action` "1,1" where the actions sheet holds 1.1.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "inputs"))
import build as b  # noqa: E402
from pipeline_runner import materialise  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    raw = root / "raw"
    roster = raw / "Coordonnateurs" / "2024"
    b.sheet_book(roster / "recensement_coordonnateurs_2024-03-31.xlsx", {
        "Recensement 2023": [b.ROSTER_HEADER, b.roster_row("PTSM-01", "Alice", 1, "2019-01-01")],
        "Recensement 2024": [b.ROSTER_HEADER, b.roster_row("PTSM-01", "Alice", 1, "2019-01-01", "2022-06-30"),
                             b.roster_row("PTSM-02", "Bruno", 0.5, "2023-01-01", None, 10000),
                             b.roster_row("PTSM-03", "Jeanne Dupont", 2, "2023-01-01")]})  # FTE 2: quarantined
    b.text_file(roster / ".DS_Store", ["x"])
    b.text_file(raw / "Coordonnateurs" / "~$recensement_coordonnateurs_2024-03-31.xlsx", ["x"])
    b.milestones_csv(raw / "Statut PTSM" / "statut_ptsm_2023-06-30.csv", ["PTSM-35;2019-07-09;2020-12-08"])
    b.milestones_csv(raw / "Statut PTSM" / "statut_ptsm_2024-03-31.csv", [])
    header = [*b.ACTIONS_HEADER, "statut"]
    book = b.action_book(root / "PTSM-35_2024-03-31.xlsx", [[*b.action(statut=""), "En cours"]], [b.funding()],
                         headers=(header, b.FUNDING_HEADER))
    b.zip_archive(raw / "fiches_actions" / "envoi.zip", {"PTSM-35_2024-03-31.xlsx": book})
    b.action_book(raw / "fiches_actions" / "PTSM-22" / "PTSM-22_2024-03-31.xlsx", [b.action("PTSM-22", 1.1)],
                  [b.funding("1,1", 3000)])
    return materialise(root / "install", raw)  # in process: the command's own contract is tested elsewhere


def test_the_exports_are_read_not_the_sample_and_junk_is_listed_as_ignored(run):
    assert run.returncode == 0, run.output
    assert "SYNTHÉTIQUE" not in run.output
    assert "fichiers ignorés (système, verrouillage Office, notes) : 2" in run.output
    assert sorted(run.query("select source_file, outcome from raw.file_ledger")) == [
        ("Coordonnateurs/2024/recensement_coordonnateurs_2024-03-31.xlsx", "lu"),
        ("Statut PTSM/statut_ptsm_2023-06-30.csv", "lu"),
        ("Statut PTSM/statut_ptsm_2024-03-31.csv", "quarantaine"),
        ("fiches_actions/PTSM-22/PTSM-22_2024-03-31.xlsx", "lu"),
        ("fiches_actions/envoi.zip/PTSM-35_2024-03-31.xlsx", "lu"),
    ]


def test_the_marts_show_the_latest_census_the_previous_milestones_and_every_action(run):
    rows = {r[0]: r[1:] for r in run.query(
        "select ptsm_id, vacant_latest, coordinator_posts_cofunded, n_current_actions, date_arrete_ptsm "
        "from marts.ptsm_overview where ptsm_id in ('PTSM-01', 'PTSM-02', 'PTSM-22', 'PTSM-35')")}
    assert rows["PTSM-01"][:2] == (True, 0)       # left in 2022: vacant, as the 2024 census sheet says
    assert rows["PTSM-02"][:2] == (False, 1)      # the co-funded post of the 2024 sheet
    assert rows["PTSM-35"][2:] == (1, dt.date(2019, 7, 9))  # one action; dates from the previous milestones file
    assert rows["PTSM-22"][2] == 1
    assert run.query("select ptsm_id, sum(montant_eur) from staging.current_funding group by 1 order by 1") == [
        ("PTSM-22", 3000.0), ("PTSM-35", 12000.0)]


def test_the_quality_report_names_the_empty_latest_file_and_nothing_else(run):
    assert run.query("select source_file, row_number, field, value, reason from marts.quality_report") == [
        ("Coordonnateurs/2024/recensement_coordonnateurs_2024-03-31.xlsx", 4, "etp", "2", "etp hors de ]0 ; 1]"),
        ("Statut PTSM/statut_ptsm_2024-03-31.csv", None, "fichier", "statut_ptsm_2024-03-31.csv",
         "aucune ligne de données sous l'en-tête (ligne 1) : fichier écarté, le fichier précédent reste utilisé ; "
         "renvoyez-le rempli")]


def test_the_feedback_pages_are_written_beside_the_release_without_names(run):
    pages = run.root / "retours"
    assert sorted(p.name for p in pages.iterdir()) == ["index.html", "national.html"]
    national = (pages / "national.html").read_text(encoding="utf-8")
    assert "<h2>Coordonnateurs/2024/recensement_coordonnateurs_2024-03-31.xlsx</h2>" in national
    assert "<h2>Statut PTSM/statut_ptsm_2024-03-31.csv</h2>" in national
    assert "Dupont" not in national and "Jeanne" not in national
