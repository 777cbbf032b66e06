"""A regional token receives its region's rows and national figures only, in every response it can get.

In process (TestClient) over the fake publication (tests/fixtures/api/fake_publication.py). Its
published_comparison carries real figure ids whose scope (data/reference/published_figures.csv) is, by hand:
ptsm_count and survey_cdi national; actions_paca_* region 93; funding_na_total region 75; funding_47_daf
PTSM-47 (75); catalogue_max_actions PTSM-46 (76) and PTSM-83 (93); ptsm_pop_max PTSM-75 (11) and PTSM-13 (93);
cotes_armor_actions PTSM-22 (53); figure_sans_definition is in no definition.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from pipelines.api import tokens
from pipelines.lib.publish.figure_access import figures_for_region
from pipelines.api.app import create_app

_spec = importlib.util.spec_from_file_location(
    "fake_publication", Path(__file__).parent / "fixtures" / "api" / "fake_publication.py")
fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake)

FIGURES_93 = ["ptsm_count", "survey_cdi", "actions_paca_tripartite", "actions_paca_mises_en_oeuvre"]
FIGURES_11 = ["ptsm_count", "survey_cdi"]
ALL_FIGURES = FIGURES_93 + ["funding_na_total", "funding_47_daf", "catalogue_max_actions", "ptsm_pop_max",
                            "cotes_armor_actions", "figure_sans_definition"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("access")
    marts = root / "data" / "marts"
    marts.parent.mkdir(parents=True)
    release = fake.publish(marts, "r1", variant=1)
    reports = root / "reports"
    (release / "reports" / "regions").mkdir(parents=True)
    for code in ("93", "11"):  # what helper "trends" renders; here one line naming the region
        (release / "reports" / "regions" / f"{code}.html").write_text(
            f"<!doctype html><title>Profil {code}</title><p>région {code}</p>", encoding="utf-8")
    path = root / "secret" / "api_tokens.json"
    site = type("Site", (), {})()
    site.national, _ = tokens.create_token(path, region=None, national=True)
    site.paca, _ = tokens.create_token(path, region="93", national=False)
    site.idf, _ = tokens.create_token(path, region="11", national=False)
    with TestClient(create_app(marts, path, reports_dir=reports)) as client:
        site.client = client
        yield site


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def rows_of(response, fmt):
    if fmt == "json":
        return response.json()["rows"]
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(response.content)).to_pylist()
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("fmt", ["json", "csv", "parquet"])
def test_published_comparison_gives_a_region_its_figures_and_the_national_ones(site, fmt):
    # the defect: every figure was served to every token (18 of 63 rows on the sample were other regions')
    for token, expected in ((site.paca, FIGURES_93), (site.idf, FIGURES_11), (site.national, ALL_FIGURES)):
        response = site.client.get("/v1/marts/published_comparison", params={"format": fmt}, headers=auth(token))
        assert response.status_code == 200
        assert sorted(r["figure_id"] for r in rows_of(response, fmt)) == sorted(expected)


def test_a_figure_filter_cannot_reach_another_region_figure(site):
    response = site.client.get("/v1/marts/published_comparison", params={"figure_id": "funding_na_total"},
                               headers=auth(site.paca))
    assert response.status_code == 200 and response.json()["rows"] == []


def test_the_region_of_each_figure_restates_its_scope_through_the_registry():
    """published_figures.csv: `region_code` is what the access rule reads; `scope` is what people read."""
    reference = Path(__file__).resolve().parents[1] / "data" / "reference"
    registry = {r["ptsm_id"]: r["region_code"] for r in fake.registry()}
    with open(reference / "published_figures.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            scope = row["scope"].strip()
            if scope == "national":
                expected = set()
            else:
                expected = {item.strip()[7:] if item.strip().startswith("region ") else registry[item.strip()]
                            for item in scope.split(";")}
            assert set(filter(None, row["region_code"].split(";"))) == expected, row["figure_id"]


def test_figures_for_a_region():
    regions = {"national_one": frozenset(), "paca": frozenset({"93"}), "two": frozenset({"11", "93"}),
               "na": frozenset({"75"})}
    assert figures_for_region(regions, "93") == ["national_one", "paca"]
    assert figures_for_region(regions, "75") == ["na", "national_one"]


def _every_mart(site):
    return [m["name"] for m in site.client.get("/v1/marts", headers=auth(site.national)).json()["marts"]]


@pytest.mark.parametrize("fmt", ["json", "csv", "parquet"])
def test_every_response_of_a_regional_token_holds_its_region_and_national_figures_only(site, fmt):
    regional_rows = 0
    for mart in _every_mart(site):
        response = site.client.get(f"/v1/marts/{mart}", params={"format": fmt}, headers=auth(site.paca))
        if mart == "quality_report":
            assert response.status_code == 403
            continue
        assert response.status_code == 200, mart
        rows = rows_of(response, fmt)
        if rows and "region_code" in rows[0]:
            assert {str(r["region_code"]) for r in rows} == {"93"}, mart
            regional_rows += len(rows)
        elif mart == "published_comparison":
            assert sorted(r["figure_id"] for r in rows) == sorted(FIGURES_93)
        else:  # national aggregates only: no column that names a region or a PTSM
            assert not {"region_code", "ptsm_id"} & set(rows[0]), mart
    # 6 PTSM: overview 6 + coverage 36 + vacancy 6*48 + survey 4
    assert regional_rows == 6 + 36 + 6 * 48 + 4
    body = site.client.get("/v1/geo/ptsm.geojson", headers=auth(site.paca)).json()
    assert {f["properties"]["region_code"] for f in body["features"]} == {"93"}
    assert len(body["features"]) == 6
    profile = site.client.get("/v1/regions/93/profile", headers=auth(site.paca))
    assert profile.status_code == 200 and "région 93" in profile.text


def test_the_regional_profile_is_served_to_its_region_only(site):
    response = site.client.get("/v1/regions/93/profile", headers=auth(site.paca))
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == "<!doctype html><title>Profil 93</title><p>région 93</p>"
    assert site.client.get("/v1/regions/11/profile", headers=auth(site.paca)).status_code == 403
    assert site.client.get("/v1/regions/11/profile", headers=auth(site.national)).status_code == 200
    missing = site.client.get("/v1/regions/84/profile", headers=auth(site.national))
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "profile_not_rendered")
    unknown = site.client.get("/v1/regions/..%2F..%2Fsecret/profile", headers=auth(site.national))
    assert unknown.status_code == 404
    assert site.client.get("/v1/regions/93/profile").status_code == 401


SHARED_TAG = '<script src="../plotly-fr.min.js" charset="utf-8"></script>'  # how a profile in a release loads plotly


def _release_with_shared_plotly(tmp_path, release_id="r-shared"):
    marts = tmp_path / "data" / "marts"
    marts.parent.mkdir(parents=True)
    release = fake.publish(marts, release_id, variant=1)
    (release / "reports" / "regions").mkdir(parents=True)
    (release / "reports" / "plotly-fr.min.js").write_text("window.P = 'v1';", encoding="utf-8")
    (release / "reports" / "regions" / "93.html").write_text(
        f"<!doctype html><head>{SHARED_TAG}</head><p>région 93</p>", encoding="utf-8")
    return marts, release


def test_the_downloaded_profile_carries_plotly_js_built_once_per_release(tmp_path):
    """The page in the release loads `../plotly-fr.min.js`, which a downloaded file cannot reach: the API inlines
    the release's script, and builds that page once (the release is immutable; a rewrite of the script after the
    first download is not seen, which shows the second answer came from the cache)."""
    marts, release = _release_with_shared_plotly(tmp_path)
    path = tmp_path / "t.json"
    paca, _ = tokens.create_token(path, region="93", national=False)
    whole = "<!doctype html><head><script charset=\"utf-8\">window.P = 'v1';</script></head><p>région 93</p>"
    with TestClient(create_app(marts, path)) as client:
        first = client.get("/v1/regions/93/profile", headers=auth(paca))
        assert first.status_code == 200 and first.text == whole
        (release / "reports" / "plotly-fr.min.js").write_text("window.P = 'v2';", encoding="utf-8")
        second = client.get("/v1/regions/93/profile", headers=auth(paca))
        assert second.text == whole and second.headers["etag"] == first.headers["etag"]


def test_the_exported_profile_carries_plotly_js(tmp_path):
    from pipelines.lib.reports.regional_export import export_region

    marts, _ = _release_with_shared_plotly(tmp_path, "r-export-shared")
    export_region(marts, "93", tmp_path / "ors-paca")
    assert (tmp_path / "ors-paca" / "profil_region_93.html").read_text(encoding="utf-8") == (
        "<!doctype html><head><script charset=\"utf-8\">window.P = 'v1';</script></head><p>région 93</p>")


def test_the_catalogue_does_not_open_data_to_anybody(site):
    body = site.client.get("/v1/catalogue").json()
    assert "rows" not in json.dumps(body)
    assert {m["name"]: m["access"] for m in body["marts"]}["quality_report"] == "national_only"


def test_the_region_export_carries_its_figures_and_its_profile_only(tmp_path):
    from pipelines.lib.reports.regional_export import export_region

    marts = tmp_path / "data" / "marts"
    marts.parent.mkdir(parents=True)
    release = fake.publish(marts, "r-export", variant=1)
    (release / "reports" / "regions").mkdir(parents=True)
    for code in ("93", "75"):
        (release / "reports" / "regions" / f"{code}.html").write_text(f"<p>région {code}</p>", encoding="utf-8")
    out = tmp_path / "ors-paca"
    written = export_region(marts, "93", out)
    figures = pq.read_table(out / "published_comparison.parquet").column("figure_id").to_pylist()
    assert sorted(figures) == sorted(FIGURES_93)  # was all 10, other regions' figures included
    assert (out / "profil_region_93.html").read_text(encoding="utf-8") == "<p>région 93</p>"
    assert not any("75" in p.name for p in written)
    assert "profil_region_93.html" in (out / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(not (Path(__file__).resolve().parents[1] / "notebooks" / "regions" / "profil_region.ipynb").exists(),
                    reason="the regional profile notebook (helper trends) is not merged on this branch yet")
def test_a_refresh_renders_profiles_that_the_api_and_the_export_hand_to_their_region_only(sample_release, tmp_path):
    import html

    from pipelines.lib.reports.regional_export import export_region

    marts = sample_release.marts  # the session's one `ptsm refresh` on the sample, reports included (conftest.py)
    profiles = sorted(p.name for p in (marts / "reports" / "regions").glob("*.html"))
    assert len(profiles) == 18
    path = tmp_path / "t.json"
    paca, _ = tokens.create_token(path, region="93", national=False)
    client = TestClient(create_app(marts, path))
    response = client.get("/v1/regions/93/profile", headers=auth(paca))
    assert response.status_code == 200
    in_release = (marts / "reports" / "regions" / "93.html").read_text(encoding="utf-8")
    css_tag = '<link rel="stylesheet" href="../jupyterlab.css">'
    assert SHARED_TAG in in_release and css_tag in in_release  # the folder's shared script and stylesheet...
    assert "plotly.js v" not in in_release and "Jupyter Development Team" not in in_release
    assert "plotly.js v" in response.text and "Jupyter Development Team" in response.text  # ...inlined for travel
    assert SHARED_TAG not in response.text and css_tag not in response.text
    shared = {name: (marts / "reports" / name).read_text(encoding="utf-8")
              for name in ("plotly-fr.min.js", "jupyterlab.css")}
    assert "</style" not in shared["jupyterlab.css"]
    # the same page, its shared files inlined and its data links pointed at the API (../donnees/x.csv -> API)
    inlined = in_release.replace(
        SHARED_TAG, '<script charset="utf-8">' + shared["plotly-fr.min.js"].replace("</script", "<\\/script")
        + "</script>").replace(css_tag, "<style>" + shared["jupyterlab.css"] + "</style>")
    assert 'href="../donnees/ptsm_overview.csv"' in inlined
    assert response.text == re.sub(
        r'href="\.\./donnees/(\w+)\.(csv|parquet)"', r'href="http://testserver/v1/marts/\1?format=\2"', inlined,
    ).replace('href="../donnees/DICTIONNAIRE.md"', 'href="http://testserver/v1/dictionary"').replace(
        'href="../donnees/"', 'href="http://testserver/v1/catalogue"').replace(
        '<nav class="ptsm-nav" aria-label="Publication"><a href="../index.html">Accueil de la publication</a>'
        '<a href="../index.html#profils-regionaux">Tous les profils régionaux</a></nav>', "").replace(
        ' · <a href="93.pdf">version PDF (A4)</a>', "")  # no site around it, no PDF beside it
    assert client.get("/v1/regions/11/profile", headers=auth(paca)).status_code == 403
    text = response.content.decode("utf-8")
    assert "PTSM Bouches-du-Rhône" in text  # its own PTSM are named...
    for elsewhere in ("PTSM Paris", "PTSM Gironde", "PTSM Lozère", "PTSM Côtes-d'Armor"):
        assert elsewhere not in text and html.escape(elsewhere) not in text  # ...others only inside France's totals
    written = export_region(marts, "93", tmp_path / "ors-paca")
    exported = (tmp_path / "ors-paca" / "profil_region_93.html").read_text(encoding="utf-8")
    assert exported == re.sub(r'href="http://testserver/v1/marts/(\w+)\?format=(csv|parquet)"', r'href="\1.\2"',
                              response.text).replace('href="http://testserver/v1/dictionary"', 'href="DICTIONNAIRE.md"').replace(
                                  'href="http://testserver/v1/catalogue"', 'href="README.md"')
    assert [p.name for p in written if p.suffix == ".html"] == ["profil_region_93.html"]


def _links(page: str) -> list[str]:
    import re

    return [h for h in re.findall(r'href="([^"]+)"', page) if not h.startswith("#")]


def test_a_profile_s_data_links_resolve_in_the_api_download_and_in_the_export(tmp_path):
    """Issue 21 §6: a profile rendered in `reports/regions/` links its data one folder up (`../donnees/`); downloaded
    from the API its links lead to the API's own files (fetched here with the same token), and in the export folder
    to the files written beside it. Every link resolves in both."""
    from pipelines.lib.reports.regional_export import export_region

    marts = tmp_path / "data" / "marts"
    marts.parent.mkdir(parents=True)
    release = fake.publish(marts, "r-links", variant=1)
    (release / "reports" / "regions").mkdir(parents=True)
    links = "".join(f'<a href="../donnees/{name}">{name}</a>' for name in (
        "ptsm_overview.csv", "ptsm_overview.parquet", "coordinator_vacancy_national.csv", "DICTIONNAIRE.md", ""))
    links += ' · <a href="93.pdf">version PDF (A4)</a>'  # the colophon's PDF beside the page: not in a download
    nav = '<nav class="ptsm-nav" aria-label="Publication"><a href="../index.html">Accueil de la publication</a></nav>'
    (release / "reports" / "regions" / "93.html").write_text(f"{nav}<p>région 93</p>{links}", encoding="utf-8")
    path = tmp_path / "t.json"
    paca, _ = tokens.create_token(path, region="93", national=False)
    with TestClient(create_app(marts, path)) as client:
        page = client.get("/v1/regions/93/profile", headers=auth(paca)).text
        hrefs = _links(page)
        assert "Accueil de la publication" not in page  # the site's way home means nothing in a downloaded file
        assert hrefs == ["http://testserver/v1/marts/ptsm_overview?format=csv",
                         "http://testserver/v1/marts/ptsm_overview?format=parquet",
                         "http://testserver/v1/marts/coordinator_vacancy_national?format=csv",
                         "http://testserver/v1/dictionary", "http://testserver/v1/catalogue"]
        for href in hrefs:
            response = client.get(href.removeprefix("http://testserver"), headers=auth(paca))
            assert response.status_code == 200, (href, response.text[:300])
    out = tmp_path / "ors-paca"
    export_region(marts, "93", out)
    exported = _links((out / "profil_region_93.html").read_text(encoding="utf-8"))
    assert exported == ["ptsm_overview.csv", "ptsm_overview.parquet", "coordinator_vacancy_national.csv",
                        "DICTIONNAIRE.md", "README.md"]
    assert all((out / href).is_file() for href in exported)
