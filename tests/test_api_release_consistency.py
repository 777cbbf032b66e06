"""Issue 20 §3: serve only what belongs to one release — body, headers and ETag of a response from the same
publication, a Parquet file checked against its manifest before it is served, a missing mart failing alone, health
naming a deleted token file, a Data Package a client can validate remotely, `region_code` kept as text."""

from __future__ import annotations

import importlib.util
import io
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

_spec = importlib.util.spec_from_file_location(
    "api_robustness", Path(__file__).parent / "test_api_robustness.py")
robust = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(robust)
fake = robust.fake


def _with_profile(release: Path, text: str) -> None:
    (release / "reports" / "regions").mkdir(parents=True)
    (release / "reports" / "regions" / "93.html").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- one release per response


def test_a_refresh_without_reports_serves_the_profile_with_the_headers_of_its_own_release(tmp_path):
    reports = tmp_path / "data" / "reports"
    site = robust.Site(tmp_path, reports_dir=reports)
    _with_profile(site.release, "<p>profil de r1</p>")
    reports.symlink_to(site.release / "reports")  # what the reports step does once r1's pages are rendered
    first = site.get("/v1/regions/93/profile", site.paca)
    assert (first.headers["x-ptsm-release"], first.text) == ("r1", "<p>profil de r1</p>")
    fake.publish(site.marts, "r2", variant=2)  # `ptsm refresh --no-reports`: reports still point at r1
    again = site.get("/v1/regions/93/profile", site.paca)
    assert again.text == "<p>profil de r1</p>"
    assert again.headers["x-ptsm-release"] == "r1"  # was r2: r2's headers on r1's page
    assert again.headers["last-modified"] == first.headers["last-modified"]
    assert again.headers["etag"] == first.headers["etag"]
    assert site.get("/v1/marts/ptsm_overview", site.paca).headers["x-ptsm-release"] == "r2"


def _release_of_body(path: str, response) -> str:
    if path.endswith("profile"):
        return response.text.removeprefix("<p>profil de ").removesuffix("</p>")
    if "format=csv" in path:
        first_row = response.content.decode("utf-8-sig").splitlines()[1].split(";")
        return {1: "r1", 2: "r2"}[int(first_row[5]) // 100]  # n_current_actions = 100 * variant + row index
    body = response.json()
    assert body["rows"][0]["n_current_actions"] // 100 == {"r1": 1, "r2": 2}[body["release_id"]]
    return body["release_id"]


@pytest.mark.slow
def test_releases_switched_under_concurrent_requests_never_mix_two_releases(tmp_path):
    site = robust.Site(tmp_path)
    _with_profile(site.release, "<p>profil de r1</p>")
    r1 = site.release
    r2 = fake.make_release(fake.release.releases_dir(site.marts), "r2", variant=2)
    _with_profile(r2, "<p>profil de r2</p>")
    paths = ["/v1/regions/93/profile", "/v1/marts/ptsm_overview?format=csv&region=11",
             "/v1/marts/ptsm_overview?region=11", "/v1/marts/ptsm_overview?format=csv&region=11&limit=3"]
    tokens = {"/v1/regions/93/profile": site.paca}
    seen, problems, stop = [], [], threading.Event()

    with TestClient(site.app) as client:
        def hammer(path):
            token = tokens.get(path, site.national)
            while not stop.is_set():
                response = client.get(path, headers={"Authorization": f"Bearer {token}"})
                if response.status_code != 200:
                    problems.append((path, response.status_code, response.text[:200]))
                    continue
                header = response.headers["x-ptsm-release"]
                etag_of = (path, header)
                seen.append((etag_of, response.headers["etag"]))
                if _release_of_body(path, response) != header:
                    problems.append((path, header, "body of the other release"))

        threads = [threading.Thread(target=hammer, args=(p,)) for p in paths]
        for thread in threads:
            thread.start()
        for i in range(60):
            fake.point_marts_at(site.marts, r2 if i % 2 == 0 else r1)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert problems == []
    assert len({header for (_, header), _ in seen}) == 2  # both releases were served
    etags: dict = {}
    for key, tag in seen:  # one ETag per (request, release): a tag never names the other release's bytes
        etags.setdefault(key, set()).add(tag.removesuffix('-gz"'))
    assert all(len(tags) == 1 for tags in etags.values())


# ---------------------------------------------------------------- files checked before serving


def test_a_parquet_file_rewritten_in_place_is_not_served(tmp_path):
    site = robust.Site(tmp_path)
    assert site.get("/v1/marts/ptsm_overview", site.paca).json()["total"] == 6
    path = site.release / "ptsm_overview.parquet"
    table = pq.read_table(path)
    column = table.schema.get_field_index("region_code")
    pq.write_table(table.set_column(column, "region_code", pa.array(["93"] * table.num_rows)), path)  # every PTSM in 93
    response = site.get("/v1/marts/ptsm_overview", site.paca, params={"format": "csv"})  # not cached yet
    assert response.status_code == 503  # was 200 with all 104 PTSM
    assert response.json()["error"] == {
        "code": "mart_unavailable",
        "message": "Mart ptsm_overview indisponible dans la publication r1 : ptsm_overview.parquet ne correspond "
                   "plus au manifeste. Les autres marts restent servis."}
    assert site.get("/v1/marts/ptsm_priority_coverage", site.paca).status_code == 200


def test_a_deleted_mart_file_fails_that_mart_only_and_health_says_which(tmp_path):
    site = robust.Site(tmp_path)
    assert site.get("/v1/marts/coordinator_vacancy_monthly", site.paca).status_code == 200
    (site.release / "coordinator_vacancy_monthly.parquet").unlink()
    response = site.get("/v1/marts/coordinator_vacancy_monthly", site.paca, params={"limit": 1})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert response.json()["error"]["message"] == (
        "Mart coordinator_vacancy_monthly indisponible dans la publication r1 : fichier absent "
        "(coordinator_vacancy_monthly.parquet). Les autres marts restent servis.")
    assert site.get("/v1/marts/ptsm_overview", site.paca).status_code == 200  # was 503 for every mart
    assert site.get("/v1/geo/ptsm.geojson", site.paca).status_code == 200
    health = site.get("/v1/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["problems"] == [
        "mart coordinator_vacancy_monthly : fichier absent (coordinator_vacancy_monthly.parquet)"]


def test_a_mart_file_missing_when_the_release_is_first_read_fails_that_mart_only(tmp_path):
    site = robust.Site(tmp_path)
    (site.release / "survey_results.parquet").unlink()  # before any request: the API starts on this release
    assert site.get("/v1/marts/survey_results", site.national).status_code == 503
    assert site.get("/v1/marts/ptsm_overview", site.paca).status_code == 200
    names = [m["name"] for m in site.get("/v1/marts", site.national).json()["marts"]]
    assert "survey_results" in names
    assert site.get("/v1/health").json()["problems"] == [
        "mart survey_results : survey_results.parquet ne correspond pas au manifeste"]


def test_a_deleted_token_file_makes_health_say_so(tmp_path):
    site = robust.Site(tmp_path)
    assert site.get("/v1/health").json()["status"] == "ok"
    site.tokens.unlink()
    assert site.get("/v1/marts", site.paca).status_code == 401  # every token is gone: nobody is let in
    health = site.get("/v1/health").json()
    assert health["status"] == "degraded"  # was "ok"
    assert health["problems"] == [f"jetons : fichier de jetons absent ({site.tokens}) : aucun jeton n'est accepté"]


# ---------------------------------------------------------------- the Data Package from the API


def test_every_resource_of_the_served_data_package_is_fetchable_with_a_token(tmp_path):
    site = robust.Site(tmp_path)
    package = site.get("/v1/catalogue/datapackage.json").json()
    assert len(package["resources"]) == 8
    for resource in package["resources"]:
        assert "scheme" not in resource  # relative to the package's URL, fetched over HTTP
        url = "/v1/catalogue/" + resource["path"]
        response = site.get(url, site.national)
        assert response.status_code == 200, url
        if resource["name"] != "survey_results_region":  # the fake one leaks small cells on purpose: the API masks
            assert response.content == (site.release / f"{resource['name']}.csv").read_bytes()  # the published CSV
        assert site.get(url).status_code == 401
    regional = site.get("/v1/catalogue/datapackage.json", site.paca).json()
    names = [r["name"] for r in regional["resources"]]
    assert "quality_report" not in names and len(names) == 7  # only what this token may read
    for resource in regional["resources"]:
        assert site.get("/v1/catalogue/" + resource["path"], site.paca).status_code == 200


def test_pandas_keeps_region_code_01_as_text_with_the_package_types(tmp_path):
    site = robust.Site(tmp_path)
    package = site.get("/v1/catalogue/datapackage.json").json()
    resource = next(r for r in package["resources"] if r["name"] == "ptsm_overview")
    # the client code shown in the README
    dtype = {f["name"]: "string" for f in resource["schema"]["fields"] if f["type"] == "string"}
    body = site.get("/v1/catalogue/" + resource["path"], site.national).content
    frame = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig", dtype=dtype)
    guadeloupe = frame.loc[frame["region_code"] == "01", "ptsm_id"].tolist()
    assert len(guadeloupe) == 1
    assert "01" in set(frame["region_code"])
    assert pd.read_csv(io.BytesIO(body), sep=";", encoding="utf-8-sig")["region_code"].min() == 1  # without types


@pytest.mark.slow
def test_frictionless_validates_the_package_against_the_running_api(tmp_path):
    frictionless = pytest.importorskip("frictionless")
    import requests

    site = robust.Site(tmp_path)
    with robust.LiveServer(site.app) as server:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {site.national}"
        with frictionless.system.use_context(http_session=session, trusted=True):
            report = frictionless.validate(f"http://127.0.0.1:{server.port}/v1/catalogue/datapackage.json")
    errors = [e.message for task in report.tasks for e in task.errors][:5]
    assert report.valid, errors
    assert len(report.tasks) == 8
