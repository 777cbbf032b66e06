"""Open-data conventions: column filters, field selection, pages, ETag/304, catalogue, Data Package, offline docs."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from pipelines.api import tokens
from pipelines.api.app import create_app
from pipelines.lib.publish import publisher as publish
_spec = importlib.util.spec_from_file_location(
    "fake_publication", Path(__file__).parent / "fixtures" / "api" / "fake_publication.py")
fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake)
REGISTRY_IDS = [r["ptsm_id"] for r in fake.registry()]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("opendata")
    marts = root / "data" / "marts"
    marts.parent.mkdir(parents=True)
    fake.publish(marts, "r1", variant=1)
    path = root / "secret" / "api_tokens.json"
    site = type("Site", (), {"marts": marts})()
    site.national, _ = tokens.create_token(path, region=None, national=True)
    site.paca, _ = tokens.create_token(path, region="93", national=False)
    with TestClient(create_app(marts, path)) as client:
        site.client = client
        yield site


def get(site, path, token=None, **kwargs):
    headers = kwargs.pop("headers", {})
    headers["Authorization"] = f"Bearer {token or site.national}"
    return site.client.get(path, headers=headers, **kwargs)


# ---------------------------------------------------------------- filters, fields, pages


def test_column_filters_and_field_selection(site):
    # PTSM-13 is registry row i; coordinators_in_post = (i + j) % 3 with j the month index (2021-03-31: j = 2)
    i = REGISTRY_IDS.index("PTSM-13")
    body = get(site, "/v1/marts/coordinator_vacancy_monthly", site.paca,
               params={"ptsm_id": "PTSM-13", "snapshot_date": "2021-03-31",
                       "select": "ptsm_id,snapshot_date,coordinators_in_post"}).json()
    assert body["columns"] == ["ptsm_id", "snapshot_date", "coordinators_in_post"]
    assert body["rows"] == [{"ptsm_id": "PTSM-13", "snapshot_date": "2021-03-31", "coordinators_in_post": (i + 2) % 3}]
    assert body["total"] == 1


def test_a_repeated_filter_means_or(site):
    body = get(site, "/v1/marts/ptsm_priority_coverage", site.paca,
               params=[("ptsm_id", "PTSM-13"), ("priority", "1"), ("priority", "6"), ("select", "ptsm_id,priority")]).json()
    assert body["rows"] == [{"ptsm_id": "PTSM-13", "priority": 1}, {"ptsm_id": "PTSM-13", "priority": 6}]


def test_a_filter_never_widens_a_regional_token(site):
    body = get(site, "/v1/marts/ptsm_overview", site.paca, params={"ptsm_id": "PTSM-75"}).json()
    assert body["rows"] == [] and body["region"] == "93"


def test_a_filter_sees_masked_values_only(site):
    # Autre has n = 2 in the file (masked by the API): filtering n=2 must not confirm it
    body = get(site, "/v1/marts/survey_results_region", params={"n": "2"}).json()
    assert body["rows"] == []


@pytest.mark.parametrize("params, message", [
    ({"snapshot_date": "2021-13-01"}, "snapshot_date doit être une date AAAA-MM-JJ (reçu '2021-13-01')"),
    ({"coordinators_in_post": "deux"}, "coordinators_in_post doit être un entier (reçu 'deux')"),
    # past the column's integers: a 500 until the long Hypothesis budget of test_api's fuzz sent 2**63
    ({"coordinators_in_post": "9223372036854775808"}, "coordinators_in_post doit être un entier de -"),
    ({"coordinators_in_post": "-9223372036854775809"}, "(reçu '-9223372036854775809')"),
    ({"vacant": "peut-être"}, "vacant doit être true ou false (reçu 'peut-être')"),
    ({"select": "ptsm_id,nope"}, "select : colonne inconnue 'nope'"),
])
def test_filter_values_are_checked_against_the_column_type(site, params, message):
    response = get(site, "/v1/marts/coordinator_vacancy_monthly", params=params)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_json_pages_with_total_and_relative_links(site):
    first = get(site, "/v1/marts/ptsm_overview", params={"limit": 10, "select": "ptsm_id"}).json()
    assert [r["ptsm_id"] for r in first["rows"]] == REGISTRY_IDS[:10]
    assert (first["total"], first["limit"], first["offset"], first["n_rows"]) == (104, 10, 0, 10)
    assert first["links"] == {"next": "/v1/marts/ptsm_overview?limit=10&select=ptsm_id&offset=10"}
    last = get(site, "/v1/marts/ptsm_overview", params={"limit": 10, "offset": 100, "select": "ptsm_id"}).json()
    assert [r["ptsm_id"] for r in last["rows"]] == REGISTRY_IDS[100:]
    assert last["links"] == {"prev": "/v1/marts/ptsm_overview?limit=10&select=ptsm_id&offset=90"}


# ---------------------------------------------------------------- ETag / Last-Modified


def test_conditional_get_answers_304(site):
    response = get(site, "/v1/marts/ptsm_overview", params={"format": "csv"})
    tag = response.headers["etag"]
    assert response.headers["last-modified"] == "Wed, 11 Nov 2026 06:00:00 GMT"  # produced_at of variant 1
    again = get(site, "/v1/marts/ptsm_overview", params={"format": "csv"}, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    since = get(site, "/v1/marts/ptsm_overview", params={"format": "csv"},
                headers={"If-Modified-Since": "Wed, 11 Nov 2026 06:00:00 GMT"})
    assert since.status_code == 304
    older = get(site, "/v1/marts/ptsm_overview", params={"format": "csv"},
                headers={"If-Modified-Since": "Tue, 10 Nov 2026 06:00:00 GMT"})
    assert older.status_code == 200
    other = get(site, "/v1/marts/ptsm_overview", params={"format": "json"})
    assert other.headers["etag"] != tag


def test_a_new_release_changes_the_etag(tmp_path):
    marts = tmp_path / "marts"
    fake.publish(marts, "a", variant=1)
    path = tmp_path / "t.json"
    token, _ = tokens.create_token(path, region=None, national=True)
    client = TestClient(create_app(marts, path))
    auth = {"Authorization": f"Bearer {token}"}
    tag = client.get("/v1/marts/survey_results", headers=auth).headers["etag"]
    fake.publish(marts, "b", variant=2)
    response = client.get("/v1/marts/survey_results", headers={**auth, "If-None-Match": tag})
    assert response.status_code == 200 and response.headers["etag"] != tag


# ---------------------------------------------------------------- catalogue


def test_the_catalogue_describes_each_mart_with_its_licence(site):
    response = site.client.get("/v1/catalogue")  # no token: metadata is public
    assert response.status_code == 200
    body = response.json()
    marts = {m["name"]: m for m in body["marts"]}
    overview = marts["ptsm_overview"]
    assert overview["title"] == "Synthèse par PTSM"
    assert overview["description"] == "Synthèse par PTSM : actions, priorités couvertes, vacance, cofinancement"
    assert overview["grain"] == "une ligne par PTSM"
    assert overview["columns"][0] == {"name": "ptsm_id", "type": "string", "description": "colonne ptsm_id"}
    assert overview["licence"]["name"] == "etalab-2.0"
    assert overview["licence"]["title"] == "Licence Ouverte / Open Licence version 2.0 (Etalab)"
    assert overview["last_release"] == "2026-11-11T06:00:00Z"
    assert overview["producer"].startswith("Délégation ministérielle à la santé mentale")
    assert overview["update_frequency"].startswith("mensuelle")
    assert overview["access"] == "regional"
    assert marts["survey_results"]["access"] == "national"
    assert marts["quality_report"]["licence"]["name"] == "usage-interne"


# ---------------------------------------------------------------- Data Package written by the publisher


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""
        create table marts.ptsm_cofunding (ptsm_id varchar, region_code varchar, total_eur double, n integer,
                                           cofunded boolean, snapshot date);
        insert into marts.ptsm_cofunding values
            ('PTSM-75', '11', 1234.5, -3, true, date '2024-03-31'),
            ('PTSM-01', '84', 0.1, 7, false, null),
            ('PTSM-03', '84', null, null, null, date '2021-01-31');
        comment on table marts.ptsm_cofunding is 'Cofinancement des actions par PTSM. Grain : une ligne par PTSM';
        comment on column marts.ptsm_cofunding.total_eur is 'Total des financements (€)';
        create table marts.quality_report (source_file varchar, row_number bigint, value varchar);
        insert into marts.quality_report values ('a.csv', 3, '=HYPERLINK("x")'), ('b.csv', 4, '-1,5');
    """)
    return con


def _validate_cli(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json", str(path)],
                          capture_output=True, text=True, timeout=120)


def _validate(path: Path):
    """frictionless in process (the CLI costs seconds of imports; one slow test runs the CLI itself)."""
    import frictionless

    return frictionless.validate(str(path))


@pytest.mark.slow
def test_the_frictionless_command_accepts_a_release(tmp_path):
    release = publish.publish_release(_warehouse(), ["ptsm_cofunding", "quality_report"], tmp_path / "marts",
                                      synthetic=True, input_label="sample")
    result = _validate_cli(release / "datapackage.json")
    assert result.returncode == 0, result.stdout[-3000:]
    assert json.loads(result.stdout)["valid"] is True


@pytest.mark.slow  # frictionless validates every resource (~2-3 s with its import)
def test_every_release_carries_a_datapackage_that_frictionless_accepts(tmp_path):
    release = publish.publish_release(_warehouse(), ["ptsm_cofunding", "quality_report"], tmp_path / "marts",
                                      synthetic=True, input_label="sample",
                                      produced_at=dt.datetime(2026, 1, 31, tzinfo=dt.timezone.utc))
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    assert "datapackage.json" in json.loads((release / "manifest.json").read_text())["files"]
    resource = {r["name"]: r for r in package["resources"]}["ptsm_cofunding"]
    assert resource["path"] == "ptsm_cofunding.csv"
    assert [(f["name"], f["type"]) for f in resource["schema"]["fields"]] == [
        ("ptsm_id", "string"), ("region_code", "string"), ("total_eur", "number"), ("n", "integer"),
        ("cofunded", "boolean"), ("snapshot", "date")]
    assert resource["licenses"][0]["name"] == "etalab-2.0"
    assert {r["name"]: r for r in package["resources"]}["quality_report"]["licenses"][0]["name"] == "usage-interne"
    report = _validate(release / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [task.stats["rows"] for task in report.tasks] == [3, 2]


@pytest.mark.slow  # frictionless validation
def test_frictionless_would_catch_a_csv_that_does_not_match_its_schema(tmp_path):
    release = publish.publish_release(_warehouse(), ["ptsm_cofunding"], tmp_path / "marts", synthetic=True,
                                      input_label="sample")
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("datapackage.json", "ptsm_cofunding.csv"):
        (copy / name).write_bytes((release / name).read_bytes())
    csv_path = copy / "ptsm_cofunding.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8-sig").replace("1234,5", "mille"), encoding="utf-8-sig")
    report = _validate(copy / "datapackage.json")
    assert not report.valid
    # rows are published sorted (order by all): PTSM-75 is the third data row, line 4 after the header
    assert report.flatten(["rowNumber", "fieldName", "type"]) == [[4, "total_eur", "type-error"]]


def test_the_api_serves_the_release_datapackage(site):
    body = site.client.get("/v1/catalogue/datapackage.json").json()
    assert body["licenses"][0]["name"] == "etalab-2.0"
    assert {r["name"] for r in body["resources"]} == set(fake.DESCRIPTIONS)


# ---------------------------------------------------------------- offline documentation


def test_docs_work_offline(site):
    page = site.client.get("/docs")
    assert page.status_code == 200
    assert "<script" not in page.text and "<link" not in page.text and "cdn" not in page.text.lower()
    assert "GET /v1/marts/ptsm_overview" in page.text
    assert "<code>snapshot_date</code>" in page.text
    assert site.client.get("/redoc").status_code == 404  # it loaded its script from a CDN as well


def test_the_gzipped_representation_has_its_own_etag(site):
    plain = get(site, "/v1/geo/ptsm.geojson", headers={"Accept-Encoding": "identity"})
    zipped = get(site, "/v1/geo/ptsm.geojson", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gz"'
    again = get(site, "/v1/geo/ptsm.geojson", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("arrow_type, low, high", [("int8", -128, 127), ("int16", -32768, 32767),
                                                   ("int32", -2147483648, 2147483647),
                                                   ("int64", -9223372036854775808, 9223372036854775807),
                                                   ("uint8", 0, 255), ("uint64", 0, 18446744073709551615)])
def test_an_integer_filter_is_kept_within_its_column_s_integers(arrow_type, low, high):
    """Every integer type a mart column can have: its bounds filter (pyarrow builds the value set), one past them
    is refused in French, never a 500 (pyarrow's OverflowError)."""
    import pyarrow as pa

    from pipelines.api.query import QueryError, _is_in, parse_value

    column = pa.chunked_array([pa.array([low, high], type=getattr(pa, arrow_type)())])
    for bound in (low, high):
        assert _is_in(column, [parse_value("n", arrow_type, str(bound))]).to_pylist() == [bound == low, bound == high]
    for outside in (low - 1, high + 1):
        with pytest.raises(QueryError) as error:
            parse_value("n", arrow_type, str(outside))
        assert str(error.value) == f"n doit être un entier de {low} à {high} (reçu '{outside}')"
