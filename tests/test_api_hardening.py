"""Issue 20 §2/§3 hardening: nosniff on every answer, `select=` deduplicated, OpenAPI licence and contact."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "api_robustness", Path(__file__).parent / "test_api_robustness.py")
robust = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(robust)


@pytest.mark.parametrize("path, authenticated", [
    ("/v1/health", False),
    ("/v1/marts/ptsm_overview?format=csv", True),
    ("/v1/marts/ptsm_overview", False),  # a 401 too
    ("/v1/marts/no_such_mart", True),  # and a 404
])
def test_every_answer_forbids_content_sniffing(tmp_path, path, authenticated):
    site = robust.Site(tmp_path)
    response = site.get(path, site.national if authenticated else None)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_repeated_select_column_is_served_once(tmp_path):
    site = robust.Site(tmp_path)
    response = site.get("/v1/marts/ptsm_overview", site.national,
                        params={"select": ",".join(["ptsm_id"] * 500), "limit": 2, "format": "csv"})
    assert response.status_code == 200
    lines = response.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "ptsm_id"  # not 500 copies of the column
    assert len(lines) == 3


def test_openapi_states_the_licence_and_a_contact(tmp_path):
    info = robust.Site(tmp_path).get("/openapi.json").json()["info"]
    assert info["license"]["name"] == "Licence Ouverte / Etalab 2.0"
    assert info["license"]["url"].startswith("https://www.etalab.gouv.fr/")
    assert info["contact"]["name"]


def test_an_error_never_echoes_a_huge_request(tmp_path):
    site = robust.Site(tmp_path)
    name = "x" * 7_000  # under the 8 KiB URL limit (a longer URL is a 414, tests/test_api_limits.py)
    response = site.get("/v1/marts/ptsm_overview", site.national, params={"select": name})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Requête invalide : select : colonne inconnue 'xxx")
    assert len(response.content) < 1_000


def test_a_filter_with_too_many_values_is_a_french_400(tmp_path):
    site = robust.Site(tmp_path)
    ok = site.get("/v1/marts/ptsm_overview", site.national, params={"ptsm_id": ["P1"] * 200})
    assert ok.status_code == 200
    response = site.get("/v1/marts/ptsm_overview", site.national, params={"ptsm_id": ["P1"] * 201})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Requête invalide : ptsm_id : au plus 200 valeurs par filtre."
