"""Issue 20 §4: a repeated question is answered from the rendered-response cache (pipelines/api/rendered.py) with
exactly what the application answered, never across readers, releases, revoked tokens or broken files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pipelines.api import tokens
from pipelines.api.routes import marts

_spec = importlib.util.spec_from_file_location(
    "api_robustness", Path(__file__).parent / "test_api_robustness.py")
robust = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(robust)
fake = robust.fake


def _counting(monkeypatch) -> list:
    calls = []
    original = marts.build_query
    monkeypatch.setattr(marts, "build_query", lambda *a, **k: calls.append(a[4]) or original(*a, **k))
    return calls


def test_a_repeated_request_is_replayed_byte_for_byte_without_the_application(tmp_path, monkeypatch):
    site = robust.Site(tmp_path)
    calls = _counting(monkeypatch)
    params = {"format": "csv", "select": "ptsm_id,n_current_actions"}
    first = site.get("/v1/marts/ptsm_overview", site.paca, params=params)
    second = site.get("/v1/marts/ptsm_overview", site.paca, params=params)
    assert len(calls) == 1  # the second answer did not go through the route
    assert second.content == first.content
    assert second.headers.items() == first.headers.items()
    assert second.headers["x-content-type-options"] == "nosniff"
    head = site.client.head("/v1/marts/ptsm_overview", params=params, headers={"Authorization": f"Bearer {site.paca}"})
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == first.headers["etag"]


def test_a_replay_never_crosses_readers(tmp_path, monkeypatch):
    site = robust.Site(tmp_path)
    national = site.get("/v1/marts/ptsm_overview", site.national)
    assert national.json()["total"] == 104
    regional = site.get("/v1/marts/ptsm_overview", site.paca)
    assert regional.json()["total"] == 6  # same URL, another reader: not the national answer
    nord, _ = tokens.create_token(site.tokens, region="32", national=False)
    assert {r["region_code"] for r in site.get("/v1/marts/ptsm_overview", nord).json()["rows"]} == {"32"}
    assert site.get("/v1/marts/quality_report", site.national).status_code == 200
    assert site.get("/v1/marts/quality_report", site.paca).status_code == 403


def test_a_revoked_token_or_a_new_release_is_never_answered_from_the_replay(tmp_path):
    site = robust.Site(tmp_path)
    other, record = tokens.create_token(site.tokens, region="93", national=False)
    assert site.get("/v1/marts/ptsm_overview", other).status_code == 200
    tokens.revoke_token(site.tokens, record["id"])
    assert site.get("/v1/marts/ptsm_overview", other).status_code == 401
    assert site.get("/v1/marts/ptsm_overview", site.paca).json()["rows"][0]["n_current_actions"] // 100 == 1
    fake.publish(site.marts, "r2", variant=2)
    again = site.get("/v1/marts/ptsm_overview", site.paca)
    assert again.headers["x-ptsm-release"] == "r2"
    assert again.json()["rows"][0]["n_current_actions"] // 100 == 2


def test_a_replayed_mart_whose_file_went_missing_fails_like_the_application(tmp_path):
    site = robust.Site(tmp_path)
    assert site.get("/v1/marts/ptsm_priority_coverage", site.paca).status_code == 200
    (site.release / "ptsm_priority_coverage.parquet").unlink()
    response = site.get("/v1/marts/ptsm_priority_coverage", site.paca)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "mart_unavailable"


def test_the_request_limit_still_counts_replayed_answers(tmp_path):
    site = robust.Site(tmp_path, rate_per_minute=3)
    statuses = [site.get("/v1/marts/ptsm_overview", site.paca).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
