"""Issue 23 §1: a file outside the family folders whose name says nothing is assigned by its header row (the family
whose key and required columns it holds), else named in quality_report with an actionable French reason; a guessed
encoding is named in quality_report; BOM-less UTF-16 and Mac Roman with CR line ends read right."""

from pathlib import Path

import duckdb
import pytest

from pipelines.lib.catalogue.families import FAMILIES
from pipelines.lib.ingest.discovery import discover, family_of_header, has_exports
from pipelines.lib.ingest.raw import ingest_family, read_export
from pipelines.lib.ingest.readers import read_csv

ROSTER = "ptsm_id;coordonnateur;etp;date_debut;date_fin\nPTSM-35;Jeanne Martin;1;2023-01-01;\n"
SURVEY = "id,submitdate,ptsm_id,contrat\n1,2024-03-01,PTSM-35,CDI\n"
MILESTONES = "ptsm_id;date_arrete_ptsm;date_signature_ctsm\nPTSM-35;2020-01-01;\n"


@pytest.mark.parametrize("text, family", [
    (ROSTER, "coordonnateurs"),
    (SURVEY, "enquete_coordonnateurs"),
    (MILESTONES, "statut_ptsm"),
    ("Export du 31/03/2025\n\nptsm_id;coordonnateur;etp;date_debut;date_fin;porteur\nPTSM-35;X;1;2023-01-01;;CH\n",
     "coordonnateurs"),
])
def test_root_file_with_an_uninformative_name_goes_by_its_header(tmp_path: Path, text: str, family: str) -> None:
    (tmp_path / "export_2025-03-31.csv").write_text(text, encoding="utf-8")
    found = discover(tmp_path).found
    assert [(f.family, f.name, f.reason) for f in found] == [(family, "export_2025-03-31.csv", None)]
    assert has_exports(tmp_path)


def test_root_workbook_goes_by_the_header_of_its_sheets(tmp_path: Path) -> None:
    from openpyxl import Workbook
    book = Workbook()
    book.active.title = "Lisez-moi"
    book.active.append(["Remplissez la feuille suivante"])
    sheet = book.create_sheet("Données")
    sheet.append(["Tableau de bord"])
    sheet.append(["ptsm_id", "date_arrete_ptsm", "date_signature_ctsm"])
    sheet.append(["PTSM-35", "2020-01-01", None])
    book.save(tmp_path / "export_2025-03-31.xlsx")
    assert family_of_header(tmp_path / "export_2025-03-31.xlsx") == "statut_ptsm"
    assert [f.family for f in discover(tmp_path).found] == ["statut_ptsm"]


def test_header_in_a_subfolder_not_named_after_a_family(tmp_path: Path) -> None:
    (tmp_path / "Mars").mkdir()
    (tmp_path / "Mars" / "export_2025-03-31.csv").write_text(ROSTER, encoding="utf-8")
    assert [f.family for f in discover(tmp_path).found] == ["coordonnateurs"]


def test_root_file_with_no_family_header_is_named_with_an_actionable_reason(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("ptsm_id;commentaire\nPTSM-35;rien\n", encoding="utf-8")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n0000")
    found = discover(tmp_path).found
    assert [(f.family, f.name) for f in found] == [(None, "notes.csv"), (None, "photo.png")]
    for f in found:
        assert "ni son nom ni sa ligne d'en-tête" in f.reason
        assert "fiches_actions/" in f.reason  # where to put it
    assert "coordonnateurs : ptsm_id, coordonnateur, etp, date_debut, date_fin" in found[0].reason
    assert not has_exports(tmp_path)


def test_ambiguous_header_is_named_not_guessed(tmp_path: Path) -> None:
    both = "ptsm_id;coordonnateur;etp;date_debut;date_fin;date_arrete_ptsm;date_signature_ctsm\nPTSM-35;X;1;;;;\n"
    (tmp_path / "export.csv").write_text(both, encoding="utf-8")
    [found] = discover(tmp_path).found
    assert found.family is None
    assert "coordonnateurs, statut_ptsm" in found.reason


def test_root_file_assigned_by_header_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "export_2025-03-31.csv").write_text(ROSTER, encoding="utf-8")
    con = duckdb.connect()
    stats = ingest_family(con, FAMILIES["coordonnateurs"], tmp_path)
    assert (stats.files_seen, stats.rows_loaded, stats.files_quarantined) == (1, 1, 0)
    assert con.execute("select ptsm_id, _source_file from raw.roster").fetchall() == [("PTSM-35", "export_2025-03-31.csv")]
    assert con.execute("select count(*) from raw.file_issues where family = 'hors_famille'").fetchall() == [(0,)]


TEXT = "ptsm_id;réponse;montant\r\nPTSM-35;Très satisfait;57 700 €\r\nPTSM-22;Déçu;1\r\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_reads_right(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "x.csv").write_bytes(TEXT.encode(encoding))
    table = read_csv(tmp_path / "x.csv", "ptsm_id")
    assert table.columns == ["ptsm id", "reponse", "montant"]
    assert table.rows == [(2, ["PTSM-35", "Très satisfait", "57 700 €"]), (3, ["PTSM-22", "Déçu", "1"])]
    assert table.encoding == encoding


def test_mac_roman_with_cr_line_ends_reads_right(tmp_path: Path) -> None:
    text = "ptsm_id;réponse\rPTSM-35;Très satisfait\rPTSM-22;Déçu\r"
    (tmp_path / "x.csv").write_bytes(text.encode("mac_roman"))
    table = read_csv(tmp_path / "x.csv", "ptsm_id")
    assert table.rows == [(2, ["PTSM-35", "Très satisfait"]), (3, ["PTSM-22", "Déçu"])]
    assert table.encoding == "mac_roman"


def test_guessed_encoding_is_named_in_the_quality_report(tmp_path: Path) -> None:
    roster = "ptsm_id;coordonnateur;etp;date_debut;date_fin;financement_ars_eur\nPTSM-35;Zoé;1;2023-01-01;;57 700 €\n"
    path = tmp_path / "coordonnateurs_2025-03-31.csv"
    path.write_bytes(roster.encode("iso8859_15"))
    entry = read_export(path, FAMILIES["coordonnateurs"])
    assert entry.reason is None and entry.n_rows == 1
    assert entry.rows["roster"][0]["financement_ars_eur"] == "57 700 €"
    [(row, field, value, reason)] = entry.row_issues
    assert (row, field, value) == (None, "encodage", "ISO-8859-15 (Latin-9)")
    assert "ISO-8859-15 (Latin-9)" in reason and "UTF-8" in reason


def test_utf8_file_gets_no_encoding_line(tmp_path: Path) -> None:
    path = tmp_path / "coordonnateurs_2025-03-31.csv"
    path.write_text(ROSTER, encoding="utf-8")
    assert read_export(path, FAMILIES["coordonnateurs"]).row_issues == []


def test_guessed_encoding_reaches_the_warehouse_issues(tmp_path: Path) -> None:
    (tmp_path / "coordonnateurs").mkdir()
    roster = "ptsm_id;coordonnateur;etp;date_debut;date_fin\r\nPTSM-35;Zoé;1;2023-01-01;\r\n"
    (tmp_path / "coordonnateurs" / "coordonnateurs_2025-03-31.csv").write_bytes(roster.encode("mac_roman"))
    con = duckdb.connect()
    ingest_family(con, FAMILIES["coordonnateurs"], tmp_path)
    assert con.execute("select source_file, row_number, field, value from raw.file_issues").fetchall() == [
        ("coordonnateurs/coordonnateurs_2025-03-31.csv", None, "encodage", "Mac Roman")]
    assert con.execute("select coordonnateur from raw.roster").fetchall() == [("Zoé",)]
