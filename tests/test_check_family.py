"""Issue 23 §1, for `ptsm check` (and the portal, which calls it): a file is assigned to its family as the refresh
assigns it — its family folder, else its name, else its header row (the family whose key and required columns it
holds) — by the same function; a file that neither names nor heads is refused with a French reason naming each
family's expected columns. Before, `ptsm check` guessed from a name prefix and took any workbook for action sheets:
a roster saved as `export.csv` was an "unknown family", one saved as `Classeur1.xlsx` was checked as action sheets."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from pipelines.lib.ingest.discovery import discover
from pipelines.lib.producers.validate import check_file, run_check

ROSTER_HEADER = ["ptsm_id", "coordonnateur", "etp", "date_debut", "date_fin"]
ROSTER_ROW = ["PTSM-35", "Jeanne Martin", "1", "2023-01-01", None]
EXPECTED_COLUMNS = ("colonnes attendues — enquete_coordonnateurs : id, submitdate, ptsm_id ; coordonnateurs : ptsm_id, "
                    "coordonnateur, etp, date_debut, date_fin ; fiches_actions : num_action, ptsm_id, priorites, statut ; "
                    "statut_ptsm : ptsm_id, date_arrete_ptsm, date_signature_ctsm")


def _csv(path: Path, header: list[str], *rows: list) -> Path:
    lines = [";".join(header)] + [";".join("" if v is None else str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _xlsx(path: Path, header: list[str], *rows: list) -> Path:
    book = Workbook()
    book.active.title = "Feuil1"
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("name, write", [
    ("export.csv", _csv),
    ("Classeur1.xlsx", _xlsx),
    ("export_2025-03-31.csv", _csv),
    ("Classeur1_2025-03-31.xlsx", _xlsx),
])
def test_a_roster_with_a_neutral_name_is_a_roster_for_check_and_refresh(tmp_path: Path, name: str, write) -> None:
    path = write(tmp_path / name, ROSTER_HEADER, ROSTER_ROW)
    report = check_file(path, {"PTSM-35"})
    assert report.family == "coordonnateurs"
    assert [(f.family, f.name) for f in discover(tmp_path).found] == [("coordonnateurs", name)]
    if "2025-03-31" in name:  # read whole, one row, nothing to fix
        assert (report.rows_read, report.ok) == (1, True)
    else:  # a roster is dated by its name, in the refresh as in the check
        assert [f.column for f in report.findings] == ["fichier"]
        assert report.findings[0].problem == "nom de fichier sans date AAAA-MM-JJ"


def test_the_template_names_are_their_families(tmp_path: Path) -> None:
    # the names the templates give (catalogue file_pattern), recognised outside a family folder by both
    survey = _csv(tmp_path / "enquete_2024.csv", ["id", "submitdate", "ptsm_id"], [1, "2024-03-01 10:00:00", "PTSM-35"])
    milestones = _csv(tmp_path / "statut_ptsm_2025-03-31.csv", ["ptsm_id", "date_arrete_ptsm", "date_signature_ctsm"],
                      ["PTSM-35", "2020-01-01", None])
    assert check_file(survey, {"PTSM-35"}).family == "enquete_coordonnateurs"
    assert check_file(milestones, {"PTSM-35"}).family == "statut_ptsm"
    assert sorted((f.name, f.family) for f in discover(tmp_path).found) == [
        ("enquete_2024.csv", "enquete_coordonnateurs"), ("statut_ptsm_2025-03-31.csv", "statut_ptsm")]


def test_a_workbook_whose_header_names_no_family_is_refused_with_the_expected_columns(tmp_path: Path) -> None:
    # before: any workbook was taken for action sheets, and the reason spoke of a missing num_action column
    path = _xlsx(tmp_path / "Classeur1.xlsx", ["ptsm_id", "commentaire"], ["PTSM-35", "rien"])
    report = check_file(path, {"PTSM-35"})
    assert report.family is None
    [finding] = report.findings
    assert finding.problem.startswith("famille d'export inconnue, et ni son nom ni sa ligne d'en-tête ne désignent "
                                     "une famille")
    assert EXPECTED_COLUMNS in finding.problem
    # the refresh names the same columns for the same file
    [found] = discover(tmp_path).found
    assert found.family is None and EXPECTED_COLUMNS in found.reason


def test_check_exits_1_on_a_file_of_no_family_and_0_on_a_neutral_named_roster(tmp_path: Path, capsys) -> None:
    roster = _xlsx(tmp_path / "Classeur1_2025-03-31.xlsx", ROSTER_HEADER, ROSTER_ROW)
    notes = _csv(tmp_path / "notes.csv", ["ptsm_id", "commentaire"], ["PTSM-35", "rien"])
    assert run_check([roster]) == 0
    assert "Fichier : Classeur1_2025-03-31.xlsx (recensement des coordonnateurs, 1 ligne" in capsys.readouterr().out
    assert run_check([notes]) == 1
    assert "famille d'export inconnue" in capsys.readouterr().out


def test_a_family_folder_still_wins_over_the_header(tmp_path: Path) -> None:
    # a milestone header in the roster folder is checked as a roster (and refused for its columns), as the refresh does
    folder = tmp_path / "coordonnateurs"
    folder.mkdir()
    path = _csv(folder / "export_2025-03-31.csv", ["ptsm_id", "date_arrete_ptsm", "date_signature_ctsm"],
                ["PTSM-35", "2020-01-01", None])
    assert check_file(path, {"PTSM-35"}).family == "coordonnateurs"
    assert [f.family for f in discover(tmp_path).found] == ["coordonnateurs"]


def test_a_root_archive_member_goes_by_its_name_in_check_and_refresh(tmp_path: Path) -> None:
    # before: `ptsm check` guessed such a member by name while the refresh named it "hors des dossiers d'exports"
    import zipfile

    roster = _csv(tmp_path / "recensement_coordonnateurs_2025-03-31.csv", ROSTER_HEADER, ROSTER_ROW)
    raw = tmp_path / "raw"
    raw.mkdir()
    with zipfile.ZipFile(raw / "envoi.zip", "w") as archive:
        archive.write(roster, roster.name)
    assert [(f.family, f.name, f.reason) for f in discover(raw).found] == [
        ("coordonnateurs", "envoi.zip/recensement_coordonnateurs_2025-03-31.csv", None)]
    from pipelines.lib.producers.validate import check_archive
    [report] = check_archive(raw / "envoi.zip", {"PTSM-35"})
    assert (report.family, report.rows_read, report.ok) == ("coordonnateurs", 1, True)
