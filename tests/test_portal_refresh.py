"""Issue 23 §2-§3 end to end: a workbook deposited through the portal is read by the next refresh like any drop, and
the collection status then shows it as the PTSM's last file, from the portal, up to date; the DMSMP's page too."""

from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient

from pipeline_runner import MINI_EXPORTS, materialise
from pipelines.api import tokens
from pipelines.lib.core.config import PROJECT_ROOT

PTSM35 = PROJECT_ROOT / "data" / "sample" / "fiches_actions" / "PTSM-35_ille_et_vilaine_fiches_actions_SYNTHETIQUE_2024-03-31.xlsx"


@pytest.mark.slow
def test_a_portal_deposit_is_read_by_the_next_refresh_and_shown_in_the_collection(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(MINI_EXPORTS, raw)
    site = tmp_path / "site"
    for name, value in (("PTSM_RAW_DIR", raw), ("PTSM_DB", site / "warehouse.duckdb"), ("PTSM_MARTS_DIR", site / "marts"),
                        ("PTSM_SECRET_DIR", site / "secret"), ("PTSM_PORTAL_DIR", tmp_path / "portail"),
                        ("PTSM_TOKENS_FILE", tmp_path / "tokens.json")):
        monkeypatch.setenv(name, str(value))
    # the workbook deposited is the sample's (synthetic): an installation refuses it as an export unless told to
    # (pipelines/lib/ingest/synthetic.py); this test is about the portal, not about that refusal
    monkeypatch.setenv("PTSM_ACCEPT_SYNTHETIC_EXPORTS", "true")
    deposit_token, _ = tokens.create_token(tmp_path / "tokens.json", ptsm="PTSM-35", region="53")
    national, _ = tokens.create_token(tmp_path / "tokens.json", national=True)
    from pipelines.portal.app import create_app
    client = TestClient(create_app(), base_url="http://portail.test")
    client.post("/connexion", data={"jeton": deposit_token})
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    checked = client.post("/depot", data={"csrf": csrf, "famille": "fiches_actions", "date_extraction": "2022-03-31"},
                          files={"fichier": ("plan.xlsx", PTSM35.read_bytes())})
    assert checked.status_code == 200
    receipt = client.post("/confirmer", data={"csrf": re.search(r'name="csrf" value="([^"]+)"', checked.text).group(1),
                                              "depot": re.search(r'name="depot" value="([^"]+)"', checked.text).group(1)})
    written = re.search(r'id="recu-fichier">([^<]+)<', receipt.text).group(1)

    run = materialise(site, raw)
    assert run.returncode == 0, run.output
    assert run.query("select outcome from raw.file_ledger where source_file = ?", [written]) == [("lu",)]
    assert run.query("""select last_source_file, source, status, periods_behind from marts.collection_status
                        where ptsm_id = 'PTSM-35' and family = 'fiches_actions'""") == [(written, "portail", "à jour", 0)]
    # the mini exports' PTSM-02 workbook is of February 2022: within the month of grace of the deposit's March
    assert run.query("""select status from marts.collection_status
                        where ptsm_id = 'PTSM-02' and family = 'fiches_actions'""") == [("à jour",)]
    client.cookies.clear()
    client.post("/connexion", data={"jeton": national})
    page = client.get("/collecte?region=53").text
    assert "PTSM-35" in page and "31/03/2022" in page  # the deposit, as the grid shows it
