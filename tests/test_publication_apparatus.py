"""Issue 21 §7: every page closes with how to cite it (title, DMSMP, date, a release number a reader can quote), its
licence (Licence Ouverte / Etalab 2.0) and a contact; the synthesis opens on key figures computed from the marts;
and the pages' `donnees/` link reaches the public files of the release only, never the internal quality report nor
the manifest (the server's input path)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pipelines.lib.reports.site import colophon_html, curate_data, release_number

INFO = {"release_id": "595cdf6dbbbfedf4", "produced_at": "2026-12-06T19:44:07+00:00",
        "marts": ["ptsm_overview", "quality_report", "survey_results"]}


def test_the_release_number_is_its_date_and_four_characters_of_its_id():
    assert release_number(INFO) == "2026.12.06-595c"
    assert release_number({"release_id": "abc"}) == "abc"  # no date: the id itself, never an invented number
    assert release_number({}) == "?"


def test_the_colophon_cites_the_page_its_licence_and_contact():
    text = colophon_html("Synthèse", INFO, data_href="donnees/", pdf_href="00_synthese.pdf")
    assert "Pour citer" in text
    assert ("Délégation ministérielle à la santé mentale et à la psychiatrie (DMSMP), « Synthèse », Observatoire des "
            "PTSM, publication n° 2026.12.06-595c du 6 décembre 2026. Licence Ouverte / Etalab 2.0.") in text
    assert 'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/"' in text and "Contact : " in text
    assert 'href="donnees/"' in text and 'href="00_synthese.pdf"' in text


def _release(tmp_path: Path) -> Path:
    release = tmp_path / "release"
    release.mkdir()
    for mart in INFO["marts"]:
        for ext in ("csv", "parquet"):
            (release / f"{mart}.{ext}").write_text("x", encoding="utf-8")
    (release / "manifest.json").write_text(json.dumps(INFO), encoding="utf-8")
    (release / "DICTIONNAIRE.md").write_text("# d", encoding="utf-8")
    (release / "dictionary.json").write_text("{}", encoding="utf-8")
    (release / "datapackage.json").write_text(json.dumps({"name": "p", "resources": [
        {"name": m, "path": f"{m}.csv"} for m in INFO["marts"]]}), encoding="utf-8")
    return release


def test_the_data_folder_holds_the_public_files_only(tmp_path):
    release = _release(tmp_path)
    folder = tmp_path / "reports" / "donnees"
    folder.parent.mkdir()
    names = curate_data(folder, release)
    assert names == ["DICTIONNAIRE.md", "datapackage.json", "ptsm_overview.csv", "ptsm_overview.parquet",
                     "survey_results.csv", "survey_results.parquet"]
    assert sorted(p.name for p in folder.iterdir()) == names
    assert (folder / "ptsm_overview.csv").read_text(encoding="utf-8") == "x"  # the link resolves
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["ptsm_overview", "survey_results"]
    assert not (folder / "manifest.json").exists() and not (folder / "quality_report.csv").exists()


def test_the_data_folder_replaces_the_old_link_to_the_whole_release(tmp_path):
    import os

    release = _release(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    os.symlink(os.path.relpath(release, reports), reports / "donnees")  # what a release rendered before had
    assert (reports / "donnees" / "manifest.json").exists()
    curate_data(reports / "donnees", release)
    assert not (reports / "donnees").is_symlink() and not (reports / "donnees" / "manifest.json").exists()


# ------------------------------------------------------------------ the published site (slow)

def site_pages(site: Path) -> list[Path]:
    return [site / "index.html", *sorted(site.glob("[0-9][0-9]_*.html")), *sorted((site / "regions").glob("*.html"))]


def local_links(page_file: Path) -> list[str]:
    page = page_file.read_text(encoding="utf-8")
    hrefs = re.findall(r'<a\b[^>]*\bhref="([^"#]+)', page)
    return [h for h in hrefs if not urlparse(h).scheme]


@pytest.mark.slow
def test_every_page_has_the_apparatus_with_the_same_release_number(sample_site):
    manifest = json.loads((sample_site / "donnees" / "datapackage.json").read_text(encoding="utf-8"))
    assert manifest["resources"]  # the curated package
    numbers = set()
    for page_file in site_pages(sample_site):
        page = page_file.read_text(encoding="utf-8")
        assert "Pour citer" in page and "Licence Ouverte / Etalab 2.0" in page and "Contact : " in page, page_file
        assert "Délégation ministérielle à la santé mentale et à la psychiatrie (DMSMP)" in page
        numbers.update(re.findall(r"publication n° (\d{4}\.\d{2}\.\d{2}-[0-9a-f]{4})", page))
    assert len(numbers) == 1


@pytest.mark.slow
def test_no_page_reaches_the_quality_report_or_the_manifest(sample_site):
    """Every local link of every page, followed on disk: none ends on an internal file; the data folder lists
    public files only."""
    folder = sample_site / "donnees"
    assert folder.is_dir() and not folder.is_symlink()
    names = sorted(p.name for p in folder.iterdir())
    assert "DICTIONNAIRE.md" in names and "datapackage.json" in names and "ptsm_overview.csv" in names
    assert not [n for n in names if n.startswith(("quality_report", "manifest"))]
    reached = set()
    for page_file in site_pages(sample_site):
        for href in local_links(page_file):
            target = (page_file.parent / unquote(href)).resolve()
            reached.add(target.name)
    assert not [n for n in reached if n.startswith("quality_report") or n == "manifest.json"]
    assert "datapackage.json" in reached and "00_synthese.pdf" in reached


@pytest.mark.slow
def test_the_synthesis_opens_on_key_figures_from_the_marts(sample_site):
    import pandas as pd

    page = (sample_site / "00_synthese.html").read_text(encoding="utf-8")
    box = re.search(r'<ul\b[^>]*class="ptsm-key-figures"[^>]*>(.*?)</ul>', page, re.DOTALL)  # attributes in any order
    assert box is not None
    values = re.findall(r'<span class="ptsm-key-value">([^<]+)</span>', box.group(1))
    overview = pd.read_csv(sample_site / "donnees" / "ptsm_overview.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert values[0] == str(len(overview))  # the PTSM of the registry
    assert len(values) >= 3
