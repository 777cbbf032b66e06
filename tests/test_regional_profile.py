"""The regional profile: one notebook parametrised by region, rendered per region in one kernel into
`<reports>/regions/<code>.html` loading the reports folder's shared plotly.js (whole again for travel:
`standalone_profile`), linked from the home page, with the national reports' figure furniture, showing suppressed
survey cells as such.

The publication is the notebook fixture (tests/fixtures/notebooks/make_marts.py: six PTSM in six regions, none in
Île-de-France) with a hand-made `survey_results_region` for Provence-Alpes-Côte d'Azur (93)."""

from __future__ import annotations

import html
import importlib.util
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import budget
from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.reports.report_check import WIDTHS, check_page
from pipelines.lib.reports.regional_profiles import (PROFILE_NOTEBOOK, region_codes, render_regional_profiles,
                                             standalone_profile, with_parameter)

NOTEBOOK = PROJECT_ROOT / "notebooks" / PROFILE_NOTEBOOK
_spec = importlib.util.spec_from_file_location("nb_make_marts_profile",
                                               Path(__file__).parent / "fixtures" / "notebooks" / "make_marts.py")
_make_marts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_make_marts)

# region 93, wave 2025: autres_missions is suppressed whole (2 "oui" of 6: both cells and the denominator hidden);
# moyens[ordinateur] 6/6 is published
SURVEY_REGION = pd.DataFrame([
    dict(wave=2025, region_code="93", question="autres_missions", answer="oui", n=None, denominator=None, share=None,
         suppressed=True),
    dict(wave=2025, region_code="93", question="autres_missions", answer="non", n=None, denominator=None, share=None,
         suppressed=True),
    dict(wave=2025, region_code="93", question="moyens[ordinateur]", answer="oui", n=6.0, denominator=6.0, share=1.0,
         suppressed=False),
] + [  # ordinal answers in the mart's alphabetical order, which is no reading order
    dict(wave=2025, region_code="93", question=question, answer=answer, n=5.0, denominator=10.0, share=0.5,
         suppressed=False)
    for question, answer in [("duree_cdd", "1 an"), ("duree_cdd", "2 ans"), ("duree_cdd", "Moins d'1 an"),
                             ("quotite", "80"), ("salaire_etp_tranche", "2000-2299"), ("salaire_etp_tranche", "<2000"),
                             ("salaire_etp_tranche", ">=3000")]
])


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_region_parameter_is_injected_after_the_parameters_cell():
    nb = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("REGION = '93'"), new_code_cell("print(REGION)")])
    nb.cells[1].metadata["tags"] = ["parameters"]
    out = with_parameter(nb, "84")
    assert [c.source for c in out.cells] == ["x = 1", "REGION = '93'", "REGION = '84'  # paramètre injecté au rendu",
                                             "print(REGION)"]
    assert len(nb.cells) == 3  # the source notebook is left untouched
    del nb.cells[1].metadata["tags"]
    with pytest.raises(ValueError, match="parameters"):
        with_parameter(nb, "84")


def test_profile_notebook_is_stored_without_outputs_and_covers_the_18_regions():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")
    assert len(region_codes()) == 18


@pytest.fixture(scope="module")
def profiles(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("profiles")
    release = _make_marts.build(root / "marts")
    SURVEY_REGION.to_parquet(release / "survey_results_region.parquet", index=False)
    # 93 has one PTSM (PTSM-13); 11 Île-de-France has none in this publication
    written = render_regional_profiles(NOTEBOOK, root / "reports" / "regions", root / "marts", regions=["93", "11"])
    assert [p.name for p in written] == ["93.html", "11.html"]
    return {p.stem: p.read_text(encoding="utf-8") for p in written} | {"path": root / "reports" / "regions"}


@pytest.mark.slow
def test_a_profile_has_a_way_home_and_a_skip_link_to_its_content(profiles):
    page = profiles["93"]
    assert '<a class="ptsm-skip" href="#contenu">Aller au contenu</a>' in page and '<main id="contenu"' in page
    assert '<a href="../index.html">Accueil de la publication</a>' in page
    assert '<a href="../index.html#profils-regionaux">Tous les profils régionaux</a>' in page


def _visible(page: str) -> str:
    from bs4 import BeautifulSoup

    return re.sub(r"\s+", " ", BeautifulSoup(page, "html.parser").get_text(" "))


@pytest.mark.slow
def test_a_profile_opens_on_what_to_remember_computed_from_its_region(profiles):
    """Hand-worked on the fixture: 93 has one PTSM (PTSM-13), with a plan covering priorities 1-3, its coordinator in
    post since June 2022; its lines: ARS 15 000 + 8 000 €, CAF 15 000 € -> 15 000 / 38 000 = 39 % outside ARS;
    France: 27 000 of 129 000 € = 21 %. A region without PTSM says so, and nothing else."""
    text = _visible(profiles["93"])
    assert ("À retenir ¶ Plans d'actions : 1 PTSM sur 1 de la région a transmis un plan lisible. Priorités du décret : "
            "aucun PTSM de la région ne vise les priorités « 4. Crise et urgence », « 5. Droits, pouvoir d'agir » et "
            "« 6. Déterminants sociaux ». Coordination : 0 PTSM sur 1 est sans coordonnateur en poste au dernier "
            "recensement. Financements : 39 % des euros des actions en cours viennent d'autres financeurs que l'ARS "
            "(agence régionale de santé), contre 21 % en France.").replace("l'ARS", "l' ARS") in text  # its first ARS: spelled out (an <abbr>, read apart)  # (narrow no-break spaces read as spaces here)
    assert "Les 1 PTSM" not in text and "Le PTSM de la région Provence-Alpes-Côte d'Azur (registre)" in text
    assert "À retenir ¶ Aucun PTSM de la région Île-de-France ne figure dans cette publication. Les PTSM" \
        in _visible(profiles["11"])


@pytest.mark.slow
def test_a_profile_shows_no_code_identifier(profiles):
    from pipelines.lib.reports.prose import internal_names

    assert {code: internal_names(profiles[code]) for code in ("93", "11")} == {"93": [], "11": []}


@pytest.mark.slow
def test_profile_has_the_furniture_and_opens_offline(profiles):
    page = profiles["93"]
    assert "<title>Profil régional — Provence-Alpes-Côte d'Azur — Observatoire des PTSM</title>" in page
    assert '<html lang="fr">' in page
    # the reports folder's one plotly.js, not a 5 MB copy per profile (issue 14)
    assert re.findall(r"<script[^>]+src=\"([^\"]*)\"", page) == ["../plotly-fr.min.js"]
    assert "plotly.js v" not in page and len(page) < 1_000_000
    # ...and the folder's one copy of the notebook template's stylesheet (~260 kB a page otherwise)
    head = page[:page.index("</head>")]
    assert re.findall(r'<link rel="stylesheet" href="([^"]*)">', head) == ["../jupyterlab.css"]
    assert '<style type="text/css">' not in head and "Copyright (c) Jupyter Development Team" not in page
    text = _text(page)
    # map, priority coverage, public coverage, vacancy, co-funding, survey yes/no chart
    assert re.findall(r"Graphique (\d+) –", text) == ["1", "2", "3", "4", "5", "6"]
    assert text.count("Lecture :") >= 6 and text.count("Champ :") >= 6 and text.count("Source :") >= 9
    assert "Données synthétiques" in text
    assert "Les PTSM de la région Provence-Alpes-Côte d'Azur" in text


@pytest.mark.slow
def test_profile_compares_the_region_with_france(profiles):
    text = _text(profiles["93"])
    # fixture: PTSM-13 (93) covers priorities 1, 2, 3; 5 PTSM have a plan in France, 2 of them cover priority 3
    # (PTSM-13 and PTSM-22)
    assert "100 % des PTSM de la région ayant un plan couvrent la priorité 3 (soins somatiques), contre 40 % en France." \
        in text
    # PTSM-13 has had a coordinator in post since 2022-06-01; 3 of 6 PTSM are vacant at 2023-12-31. One PTSM: singular
    # verb and no "0 %" (issue 21 §6: under 5 PTSM a share is written "n PTSM sur N")
    assert "Au 31 décembre 2023, 0 PTSM sur 1 de la région n'a pas de coordonnateur en poste, contre 50 % en France." \
        in text
    # PTSM-13's funding: 15 000 ARS + 15 000 CAF (action 1) + 8 000 ARS (action 2) -> 15 000 / 38 000 hors ARS
    assert "39 % des euros inscrits sur les actions en cours viennent d'autres financeurs que l'ARS" in text


@pytest.mark.slow
def test_suppressed_survey_cells_are_shown_as_such(profiles):
    text = _text(profiles["93"])
    assert "A d'autres missions oui secret statistique secret statistique secret statistique" in text
    assert "Dispose d'un ordinateur oui 6 6 100 %" in text
    assert "2 cases sur 10 sont couvertes par le secret statistique." in text


@pytest.mark.slow
def test_the_survey_table_reads_in_the_questionnaire_s_order_with_its_units(profiles):
    """The mart lists answers alphabetically (`2 ans` before `Moins d'1 an`, `2000-2299` before `<2000`); the table
    reads them as the questionnaire asks them, questions too (contract length before other missions, before the
    equipment, before the salary), the salary bands in words and the working-time share in per cent."""
    text = _text(profiles["93"])
    rows = ["Durée du CDD (contrat à durée déterminée) Moins d'1 an", "Durée du CDD 1 an", "Durée du CDD 2 ans",
            "Quotité (temps partiel) 80 %",
            "A d'autres missions oui", "A d'autres missions non", "Dispose d'un ordinateur oui",
            "Salaire net en équivalent temps plein moins de 2 000 €",
            "Salaire net en équivalent temps plein 2 000–2 299 €",
            "Salaire net en équivalent temps plein 3 000 € ou plus"]
    text = text.replace("\u202f", " ")
    positions = [text.find(row) for row in rows]
    assert -1 not in positions, [row for row, at in zip(rows, positions) if at < 0]
    assert positions == sorted(positions)


def test_survey_answers_are_put_in_reading_order_and_written_with_their_units():
    from pipelines.lib.reports.marts_reader import in_survey_order, survey_answer_label

    mart = pd.DataFrame({"question": ["experience"] * 4 + ["quotite"] * 3 + ["contrat", "question_inconnue"],
                         "answer": ["11 à 15 ans", "16 ans et plus", "6 à 10 ans", "Moins de 6 ans", "90", "50",
                                    "non renseigné", "CDD", "x"]})
    ordered = in_survey_order(mart)
    assert list(zip(ordered["question"], ordered["answer"])) == [
        ("contrat", "CDD"), ("quotite", "50"), ("quotite", "90"), ("quotite", "non renseigné"),
        ("experience", "Moins de 6 ans"), ("experience", "6 à 10 ans"), ("experience", "11 à 15 ans"),
        ("experience", "16 ans et plus"), ("question_inconnue", "x")]
    assert [survey_answer_label("quotite", "80"), survey_answer_label("salaire_etp_tranche", ">=3000"),
            survey_answer_label("salaire_etp_tranche", "<2000"), survey_answer_label("duree_cdd", "1 an")] == [
        "80\u202f%", "3\u202f000\u202f€ ou plus", "moins de 2\u202f000\u202f€", "1 an"]


@pytest.mark.slow
def test_a_region_without_ptsm_renders_and_says_so(profiles):
    text = _text(profiles["11"])
    assert "Aucun PTSM de la région Île-de-France dans cette publication : pas de carte." in text
    assert "Aucun coordonnateur de la région n'a répondu à l'enquête : pas de résultat régional." in text
    assert "Traceback" not in text


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS if budget.LONG else WIDTHS[-1:])  # the narrowest; every width with --long
def test_profile_opens_alone_offline_in_chromium_and_draws_every_chart(profiles, tmp_path, width, browser):
    """The standalone page (as the API and the export hand it out) alone in an empty folder: no request leaves it,
    no console error, every chart drawn, no two texts of a chart overlapping (the reports' own checker)."""
    page_file = tmp_path / "profil_region_93.html"
    page_file.write_bytes(standalone_profile(profiles["path"] / "93.html"))
    assert "plotly.js v" in page_file.read_text(encoding="utf-8")
    result = check_page(browser, page_file, width)  # in a context of its own: plotly.js compiled for this page
    assert result.errors == [] and result.outside_requests == []
    assert len(result.charts) == 6
    assert result.undrawn == [] and result.overlaps == {}


SHARED_TAG = '<script src="../plotly-fr.min.js" charset="utf-8"></script>'


def test_standalone_profile_inlines_the_release_s_own_plotly_js(tmp_path):
    """The release's `plotly-fr.min.js` replaces the shared tag (a `</script` inside it escaped, else the browser
    would close the element there); the page is otherwise byte for byte the one in the release."""
    (tmp_path / "regions").mkdir()
    (tmp_path / "plotly-fr.min.js").write_text("var s = '</script>'; Plotly.fr = 1;", encoding="utf-8")
    page = tmp_path / "regions" / "93.html"
    page.write_text(f"<html><head>{SHARED_TAG}\n<style>x</style></head><body>é</body></html>", encoding="utf-8")
    assert standalone_profile(page).decode("utf-8") == (
        "<html><head><script charset=\"utf-8\">var s = '<\\/script>'; Plotly.fr = 1;</script>\n<style>x</style>"
        "</head><body>é</body></html>")


def test_standalone_profile_without_the_release_s_script_uses_the_installed_plotly(tmp_path):
    page = tmp_path / "93.html"
    page.write_text(f"<head>{SHARED_TAG}</head>", encoding="utf-8")
    out = standalone_profile(page).decode("utf-8")
    assert "plotly.js v" in out and not re.search(r"<script[^>]*\bsrc=", out)
    assert "Télécharger le graphique en PNG" in out  # the French locale too


def test_standalone_profile_inlines_the_shared_stylesheet_too(tmp_path):
    (tmp_path / "regions").mkdir()
    (tmp_path / "jupyterlab.css").write_text(".jp-Cell { color: red }", encoding="utf-8")
    page = tmp_path / "regions" / "93.html"
    page.write_text('<head><link rel="stylesheet" href="../jupyterlab.css">\n<style>b {}</style></head>',
                    encoding="utf-8")
    assert standalone_profile(page).decode("utf-8") == (
        "<head><style>.jp-Cell { color: red }</style>\n<style>b {}</style></head>")
    (tmp_path / "jupyterlab.css").unlink()  # no release copy: the installed template's
    out = standalone_profile(page).decode("utf-8")
    assert "Copyright (c) Jupyter Development Team" in out and "<link" not in out


def test_a_page_without_the_shared_tag_is_returned_as_it_is(tmp_path):
    page = tmp_path / "93.html"
    page.write_bytes(b"<!doctype html><title>Profil 93</title><script>inline()</script>")
    assert standalone_profile(page) == page.read_bytes()


def test_the_home_page_links_the_profiles_present_in_cog_order(tmp_path):
    from pipelines.lib.reports.notebooks import index_html

    assert "Profils régionaux" not in index_html([], tmp_path, tmp_path)  # none rendered: no empty section
    (tmp_path / "regions").mkdir()
    for code in ("93", "11", "01"):
        (tmp_path / "regions" / f"{code}.html").write_text("<p>profil</p>", encoding="utf-8")
    page = index_html([], tmp_path, tmp_path)
    section = page[page.index("<h2 id=\"profils-regionaux\">Profils régionaux</h2>"):page.index("<h2>Données</h2>")]
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', section) == [
        ("regions/01.html", "Guadeloupe"), ("regions/11.html", "Île-de-France"),
        ("regions/93.html", "Provence-Alpes-Côte d'Azur")]


@pytest.mark.slow
def test_profile_links_the_reviews_of_its_ptsm_only(profiles):
    # issue 24: each PTSM's review sits in ../ptsm/ of the same release; 93 has one PTSM in the fixture (PTSM-13)
    assert re.findall(r'href="\.\./ptsm/([^"]+)\.html"', profiles["93"]) == ["PTSM-13"]
    assert "../ptsm/" not in profiles["11"]
    assert "Aucun PTSM de la région Île-de-France dans cette publication." in _text(profiles["11"])
