"""End to end (`ptsm refresh`, slow): after a rule change, an existing warehouse publishes exactly what a warehouse
built from scratch publishes (issue 11 §1). The fast version of these tests is tests/test_staging_freshness.py.

Exports: the mini fixtures plus the PTSM-05 workbook of tests/fixtures/exports/rule_change/ (a funding line from
« Banque mondiale », unknown to the vocabularies). The mini survey has a response from PTSM-99, unknown to the registry.
The vocabularies and the reference folder are copies the test edits (PTSM_VOCABULARY_FILE, PTSM_REFERENCE_DIR).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tests.pipeline_runner import MINI_EXPORTS, PROJECT_ROOT, Installation
from tests.test_staging_freshness import add_synonym

pytestmark = pytest.mark.slow

WORKBOOK = PROJECT_ROOT / "tests" / "fixtures" / "exports" / "rule_change" / "fiches_actions" / "ptsm05_2022-03-01.xlsx"
FUNDER_REASON = "valeur inconnue (financeur) : Banque mondiale"
PTSM_REASON = "ptsm_id inconnu du registre : PTSM-99"


@pytest.fixture
def setup(tmp_path):
    raw = tmp_path / "exports"
    shutil.copytree(MINI_EXPORTS, raw)
    shutil.copy(WORKBOOK, raw / "fiches_actions" / WORKBOOK.name)
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "data" / "reference", rules / "reference")
    shutil.copy(PROJECT_ROOT / "pipelines" / "lib" / "vocabularies.csv", rules / "vocabularies.csv")
    env = {"PTSM_VOCABULARY_FILE": str(rules / "vocabularies.csv"), "PTSM_REFERENCE_DIR": str(rules / "reference")}
    secret = tmp_path / "secret"  # one key for both installations, so pseudonyms agree
    kept = Installation(tmp_path / "kept", raw, secret_dir=secret, extra_env=env)
    return kept, rules, lambda name: Installation(tmp_path / name, raw, secret_dir=secret, extra_env=env)


def published(inst: Installation) -> dict[str, bytes]:
    """The published tables (CSV and Parquet), byte for byte; manifests carry run times, so they are left out."""
    files = sorted([*inst.marts.glob("*.csv"), *inst.marts.glob("*.parquet")])
    assert len(files) >= 20
    return {f.name: f.read_bytes() for f in files}


def reasons(inst: Installation) -> list[str]:
    return [row[0] for row in inst.query("select reason from marts.quality_report")]


def refreshed(inst: Installation) -> Installation:
    result = inst.refresh(in_process=True)
    assert result.returncode == 0, result.stdout
    return inst


def test_a_synonym_then_a_registry_entry_reach_an_existing_warehouse(setup):
    kept, rules, fresh = setup
    refreshed(kept)
    assert FUNDER_REASON in reasons(kept) and PTSM_REASON in reasons(kept)

    add_synonym(rules / "vocabularies.csv", "financeur", "autre", "Banque mondiale")
    refreshed(kept)
    assert FUNDER_REASON not in reasons(kept)
    assert ("financeur", "autre", "Banque mondiale") not in kept.query("select * from staging.unused_synonyms")
    assert kept.query("select funder, sum(montant_eur) from marts.ptsm_funding where ptsm_id = 'PTSM-05' "
                      "group by funder order by funder") == [("ars_fir", 10000.0), ("autre", 5000.0)]
    assert published(kept) == published(refreshed(fresh("after_synonym")))

    registry = rules / "reference" / "ptsm_registry.csv"
    with registry.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # a PTSM re-coded (the registry keeps its 104 rows, which blocking checks require): PTSM-NFC becomes PTSM-99
    rows = [{**row, "ptsm_id": "PTSM-99"} if row["ptsm_id"] == "PTSM-NFC" else row for row in rows]
    with registry.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    refreshed(kept)
    assert PTSM_REASON not in reasons(kept)
    assert published(kept) == published(refreshed(fresh("after_registry")))
