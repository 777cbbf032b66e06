"""Issue 23: the portal runs several workers (`uvicorn --workers 2`) and they share what a session needs. Two app
instances on the same folders stand for two worker processes: a form issued by one is accepted by the other, an
upload checked by one is confirmed through the other, and a form spent on one is refused as a replay by the other
(the spent nonces used to live in one process's memory, so a replay to the other worker went through)."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from pipelines.api import tokens
from pipelines.lib.core.config import PROJECT_ROOT

PTSM35 = PROJECT_ROOT / "data" / "sample" / "fiches_actions" / \
    "PTSM-35_ille_et_vilaine_fiches_actions_SYNTHETIQUE_2024-03-31.xlsx"


def _field(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', page).group(1)


@pytest.fixture
def workers(tmp_path, monkeypatch):
    for name, folder in (("PTSM_RAW_DIR", "raw"), ("PTSM_DB", "w.duckdb"), ("PTSM_MARTS_DIR", "site/marts"),
                         ("PTSM_SECRET_DIR", "secret"), ("PTSM_PORTAL_DIR", "portail")):
        monkeypatch.setenv(name, str(tmp_path / folder))
    monkeypatch.setenv("PTSM_TOKENS_FILE", str(tmp_path / "secret" / "tokens.json"))
    (tmp_path / "raw").mkdir()
    token, _ = tokens.create_token(tmp_path / "secret" / "tokens.json", ptsm="PTSM-35", region="53")
    from pipelines.portal.app import create_app
    a, b = (TestClient(create_app(), base_url="http://portail.test") for _ in range(2))
    for client in (a, b):  # one browser: the same cookie reaches whichever worker takes the request
        assert client.post("/connexion", data={"jeton": token}, follow_redirects=False).status_code == 303
    return a, b, tmp_path / "raw"


def _upload(client: TestClient, csrf: str):
    return client.post("/depot", data={"csrf": csrf, "famille": "fiches_actions", "date_extraction": "2025-03-31"},
                       files={"fichier": ("fiches.xlsx", PTSM35.read_bytes(), "application/octet-stream")})


def test_a_deposit_goes_through_two_workers(workers):
    a, b, raw = workers
    checked = _upload(b, _field(a.get("/").text, "csrf"))  # form from worker A, upload to worker B
    assert checked.status_code == 200, html.unescape(checked.text)[:1000]
    receipt = a.post("/confirmer", data={"csrf": _field(checked.text, "csrf"), "depot": _field(checked.text, "depot")})
    assert receipt.status_code == 200, html.unescape(receipt.text)[:1000]
    [written] = [p for p in raw.rglob("*") if p.is_file()]
    assert written.read_bytes() == PTSM35.read_bytes()


def test_a_form_spent_on_one_worker_is_a_replay_on_the_other(workers):
    a, b, raw = workers
    csrf = _field(a.get("/").text, "csrf")
    assert _upload(a, csrf).status_code == 200
    replay = _upload(b, csrf)
    assert replay.status_code == 403 and "formulaire déjà envoyé" in html.unescape(replay.text)
    # and a confirmation replayed to the other worker writes nothing a second time
    checked = _upload(a, _field(a.get("/").text, "csrf"))
    form = {"csrf": _field(checked.text, "csrf"), "depot": _field(checked.text, "depot")}
    assert a.post("/confirmer", data=form).status_code == 200
    again = b.post("/confirmer", data=form)
    assert again.status_code == 403 and "déjà envoyé" in html.unescape(again.text)
    assert len([p for p in raw.rglob("*") if p.is_file()]) == 1
