"""Issue 22 §1: copying the sample's files into the exports folder counted as real (the "real" release had exactly the
synthetic release's rows). A file marked synthetic (its name, or the bytes of a sample file under another name) is
refused as a real export with a French reason in quality_report; the sample itself is still read when it is the
input (`ptsm refresh` with no exports)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.catalogue.families import FAMILIES
from pipelines.lib.core.config import get_settings
from pipelines.lib.core.hashing import sha256_file
from pipelines.lib.ingest import raw as ingest
from pipelines.lib.ingest.synthetic import synthetic_reason

sys.path.insert(0, str(Path(__file__).parent))
from pipeline_runner import MINI_EXPORTS, materialise  # noqa: E402

SAMPLE = get_settings().sample_dir
SAMPLE_FICHE = "PTSM-68_haut_rhin_fiches_actions_SYNTHETIQUE_2024-03-15.xlsx"
SAMPLE_STATUS = "statut_ptsm/statut_ptsm_2024-03-31.csv"  # a contract name (docs/contract.md): no room for the word, the bytes say it


@pytest.mark.parametrize("name", [SAMPLE_FICHE, "enquete_2023_Synthétique.csv", "PTSM-01_synthétique_2024-01-01.xlsx",
                                  "recensement_SYNTHÉTIQUE_2024-03-31.csv"])
def test_a_name_marked_synthetic_is_refused(name):
    assert synthetic_reason(name, None, SAMPLE) == (
        f"fichier marqué SYNTHÉTIQUE dans son nom ({name}) : donnée de démonstration, refusée comme export réel ; "
        f"retirez-le du dossier des exports")


def test_the_bytes_of_a_sample_file_are_refused_under_any_name():
    digest = sha256_file(SAMPLE / SAMPLE_STATUS)
    assert synthetic_reason("statut_ptsm_2025-01-31.csv", digest, SAMPLE) == (
        f"fichier identique au fichier {SAMPLE_STATUS} de l'échantillon SYNTHÉTIQUE : donnée de démonstration, "
        f"refusée comme export réel ; retirez-le du dossier des exports")


def test_a_real_export_is_not_marked():
    path = MINI_EXPORTS / "fiches_actions" / "ptsm01_2022-01-15.xlsx"
    assert synthetic_reason(path.name, sha256_file(path), SAMPLE) is None


def test_ingest_quarantines_the_synthetic_file_and_reads_the_others(tmp_path):
    exports = tmp_path / "exports"
    shutil.copytree(MINI_EXPORTS / "fiches_actions", exports / "fiches_actions")
    shutil.copyfile(SAMPLE / "fiches_actions" / SAMPLE_FICHE, exports / "fiches_actions" / SAMPLE_FICHE)
    con = duckdb.connect()
    stats = ingest.ingest_family(con, FAMILIES["fiches_actions"], exports, refuse_synthetic_of=SAMPLE)
    assert (stats.files_seen, stats.files_parsed, stats.files_quarantined) == (9, 9, 3)  # 2 broken mini files + 1
    assert con.execute("select outcome, n_rows, reason from raw.file_ledger where source_file = ?",
                       [f"fiches_actions/{SAMPLE_FICHE}"]).fetchall() == [
        ("quarantaine", 0, synthetic_reason(SAMPLE_FICHE, None, SAMPLE))]
    assert con.execute("select count(*) from raw.actions where _source_file like '%SYNTHETIQUE%'").fetchall() == [(0,)]
    # the sample as the input (no refusal asked): read as usual
    sample_con = duckdb.connect()
    read = ingest.ingest_family(sample_con, FAMILIES["fiches_actions"], SAMPLE)
    assert read.files_quarantined < read.files_seen
    assert sample_con.execute("select count(*) from raw.file_ledger where reason like '%SYNTHÉTIQUE%'").fetchall() \
        == [(0,)]


@pytest.mark.slow
def test_the_refresh_says_so_in_quality_report(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(MINI_EXPORTS, raw)
    shutil.copyfile(SAMPLE / "fiches_actions" / SAMPLE_FICHE, raw / "fiches_actions" / SAMPLE_FICHE)
    shutil.copyfile(SAMPLE / SAMPLE_STATUS, raw / "statut_ptsm" / "statut_ptsm_2024-04-30.csv")
    run = materialise(tmp_path / "site", raw)
    assert run.returncode == 0, run.output
    refused = run.query("select source_file, reason from marts.quality_report where reason like '%SYNTHÉTIQUE%' "
                        "order by source_file")
    assert refused == [
        (f"fiches_actions/{SAMPLE_FICHE}", synthetic_reason(SAMPLE_FICHE, None, SAMPLE)),
        ("statut_ptsm/statut_ptsm_2024-04-30.csv",
         f"fichier identique au fichier {SAMPLE_STATUS} de l'échantillon SYNTHÉTIQUE : donnée de démonstration, "
         f"refusée comme export réel ; retirez-le du dossier des exports"),
    ]
    # nothing of the sample reached the marts: PTSM-68's plan is not there, the mini's three PTSM are
    assert run.query("select count(*) from marts.ptsm_actions where ptsm_id = 'PTSM-68'") == [(0,)]
