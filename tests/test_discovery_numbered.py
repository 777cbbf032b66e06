"""Issue 23 §1: exports in numbered or prefixed folders (`1. Fiches actions/`, `2. Coordonnateurs/`) are their family,
and a real export in such folders means the synthetic sample is not used."""

from pathlib import Path

import pytest

from pipelines.lib.ingest.discovery import discover, family_of, has_exports


@pytest.mark.parametrize("folder, family", [
    ("1. Fiches actions", "fiches_actions"),
    ("2. Coordonnateurs", "coordonnateurs"),
    ("03 - Statut PTSM", "statut_ptsm"),
    ("4) Enquête coordonnateurs", "enquete_coordonnateurs"),
    ("A_Fiches_Actions", "fiches_actions"),
    ("2.Coordonnateurs", "coordonnateurs"),
])
def test_numbered_or_prefixed_folder_is_its_family(folder: str, family: str) -> None:
    assert family_of(folder) == family


@pytest.mark.parametrize("folder", ["Archives", "2024", "1. Divers", "Coordonnateurs anciens"])
def test_other_folders_stay_unrecognised(folder: str) -> None:
    assert family_of(folder) is None


def test_numbered_folders_are_read_and_count_as_exports(tmp_path: Path) -> None:
    (tmp_path / "1. Fiches actions").mkdir()
    (tmp_path / "1. Fiches actions" / "fa.csv").write_text("ptsm_id\nPTSM-35\n", encoding="utf-8")
    (tmp_path / "2. Coordonnateurs").mkdir()
    (tmp_path / "2. Coordonnateurs" / "co.csv").write_text("ptsm_id\nPTSM-35\n", encoding="utf-8")
    found = discover(tmp_path)
    assert [(f.family, f.name, f.reason) for f in found.found] == [
        ("fiches_actions", "1. Fiches actions/fa.csv", None),
        ("coordonnateurs", "2. Coordonnateurs/co.csv", None),
    ]
    assert has_exports(tmp_path)


@pytest.mark.parametrize("name, family", [
    ("coordonnateurs_2025-03.csv", "coordonnateurs"),
    ("Fiches actions PTSM-35.xlsx", "fiches_actions"),
    ("enquete_coordonnateurs_2024.csv", "enquete_coordonnateurs"),
    ("statut-ptsm.csv", "statut_ptsm"),
    ("export.csv", None),
    ("coordonnateursX.csv", None),
])
def test_file_outside_family_folders_is_assigned_by_name(name: str, family: str | None) -> None:
    from pipelines.lib.ingest.discovery import family_of_file
    assert family_of_file(name) == family


def test_roster_at_the_root_is_read_and_replaces_the_sample(tmp_path: Path) -> None:
    (tmp_path / "coordonnateurs_2025-03.csv").write_text("ptsm_id\nPTSM-35\n", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "Divers").mkdir()
    (tmp_path / "Divers" / "Fiches actions.csv").write_text("ptsm_id\nPTSM-35\n", encoding="utf-8")
    found = discover(tmp_path)
    assert [(f.family, f.name, f.reason is None) for f in found.found] == [
        ("fiches_actions", "Divers/Fiches actions.csv", True),
        ("coordonnateurs", "coordonnateurs_2025-03.csv", True),
        (None, "notes.csv", False),
    ]
    assert has_exports(tmp_path)
