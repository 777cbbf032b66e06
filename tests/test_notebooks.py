"""The analysis notebooks run top to bottom on a differently shaped publication and render offline reports."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import nbformat
import pytest

from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.reports.maps import ptsm_layout
from pipelines.lib.reports.marts_reader import fr_pct, state

# written out here, not imported from the code under test
SYNTHETIC_TEXT = "Données SYNTHÉTIQUES — échantillon de démonstration, ne pas diffuser comme données réelles"
OVERSEAS = ["Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]
from pipelines.lib.reports.notebooks import notebook_paths, render_notebooks

_spec = importlib.util.spec_from_file_location("nb_make_marts", Path(__file__).parent / "fixtures" / "notebooks" / "make_marts.py")
_make_marts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_make_marts)
build = _make_marts.build

NOTEBOOKS = PROJECT_ROOT / "notebooks"
# Charts each notebook draws on the fixture publication, worked out from tests/fixtures/notebooks/make_marts.py:
EXPECTED_CHARTS = {
    # 3 maps + the published_comparison status chart
    "00_synthese": 4,
    # 15 survey charts minus duree_cdd (no CDD), quotite (no part-time), metier_precedent, poste_lie and diplome
    # (questions absent from the 2025 wave)
    "01_enquete_coordonnateurs": 10,
    # national line, region heatmap, region bars, territory kinds, carriers
    "02_vacance_coordonnateurs": 5,
    # priority heatmap, publics, themes (blind spots), La Réunion, child/adolescent counts, population coverage of
    # priorities and of publics (no Nouvelle-Aquitaine)
    "03_couverture_priorites_publics": 7,
    # by funder, by year, by PTSM, by region, tripartite by region
    "04_cofinancement": 5,
    # the fixture has no time marts (survey_wave_comparison...): only the vacancy trend; each absent mart is said
    "05_evolutions": 1,
}


@pytest.fixture(scope="module")
def fixture_reports(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("nb")
    build(root / "marts")
    written = render_notebooks(NOTEBOOKS, root / "reports", root / "marts")
    return {p.stem: p.read_text(encoding="utf-8") for p in written}


@pytest.mark.slow  # executes every notebook
def test_every_notebook_is_rendered(fixture_reports):
    assert sorted(fixture_reports) == sorted(EXPECTED_CHARTS)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_report_contains_its_charts_offline(fixture_reports, name):
    html = fixture_reports[name]
    assert html.count("Plotly.newPlot") == EXPECTED_CHARTS[name]
    # plotly.js is loaded from the report's own folder (one copy for all reports): the report opens without network
    assert html.count("plotly.js v") == 0 and '<script src="plotly-fr.min.js"' in html
    assert 'src="https://cdn.plot.ly' not in html
    assert SYNTHETIC_TEXT in html


@pytest.mark.slow  # executes every notebook
def test_synthesis_shows_the_three_maps_with_insets(fixture_reports):
    html = fixture_reports["00_synthese"]
    for text in ("Mois de vacance", "Priorités couvertes", "Part des euros hors ARS", "Donnée inconnue", *OVERSEAS):
        assert json.dumps(text)[1:-1] in html  # figure JSON escapes accents


@pytest.mark.slow  # executes every notebook
def test_sentences_are_generated_from_the_fixture_marts(fixture_reports):
    # hand-worked from the fixture: 3 of 6 PTSM vacant on 2023-12-31; 6 of 9 respondents in CDI
    assert "3 PTSM sur 6 n’ont pas de coordonnateur" in fixture_reports["02_vacance_coordonnateurs"].replace("'", "’")
    assert "67\u202f% des répondants sont en CDI." in fixture_reports["01_enquete_coordonnateurs"]
    # 9 complete answers in 2025, but only 3 PTSM (01, 13, 22) with someone in post on 2023-12-31: no rate above 100 %
    assert ("Taux de réponse non calculable : la vague 2025 compte 9 réponses complètes pour 3 PTSM ayant un "
            "coordonnateur en poste au 31 décembre 2023") in fixture_reports["01_enquete_coordonnateurs"]
    # a red bar has its legend: the fixture's salary band the report highlights, among 8 respondents with a salary
    assert "lire les intervalles.</span> En rouge, la réponse « 2\u202f300–2\u202f499\u202f€ » que le rapport met en avant." \
        in fixture_reports["01_enquete_coordonnateurs"]
    # none of the report's 13 examples (ch. 7.1) is among the fixture's six PTSM: said, not silently empty (on the
    # sample, the one whose computed type differs, Haute-Loire, is named)
    assert "13 exemples sur 13 sont absents de ces données." in fixture_reports["02_vacance_coordonnateurs"]
    # the fixture's only line for a year after its workbook: PTSM-974, 3 000 € of 2024 in a June 2023 workbook
    assert "les montants prévus pour une année postérieure au classeur qui les déclare (3\u202f000\u202f€ au total)" \
        in fixture_reports["04_cofinancement"]
    assert "La plus longue vacance cumulée depuis janvier 2021 est de 36 mois (PTSM Meuse et PTSM de Lille)" \
        in fixture_reports["00_synthese"]


@pytest.mark.slow  # executes every notebook
def test_03_marks_the_report_s_thematic_blind_spots_by_the_shared_rule(fixture_reports):
    # the red trace holds exactly the catalogue's five blind-spot themes, counted by catalogue.ptsm_by_theme (the
    # rule the PTSM reviews read): of the fixture's 5 PTSM with a plan, PTSM-974 addresses suicide prevention and
    # PTSM-13 housing; none addresses employment, care without consent or primary care
    html = fixture_reports["03_couverture_priorites_publics"]
    start = html.index(json.dumps("Angle mort thématique cité par le rapport"))
    trace_start = html.rindex('{"customdata"', 0, start)
    trace_end = html.index('"type":"bar"}', start) + len('"type":"bar"}')
    trace = json.loads(html[trace_start:trace_end])
    assert dict(zip(trace["y"], trace["text"])) == {
        "Prévention du suicide": "20\u202f% (1)", "Logement": "20\u202f% (1)", "Emploi": "0\u202f% (0)",
        "Soins sans consentement": "0\u202f% (0)", "Premier recours": "0\u202f% (0)"}


@pytest.mark.slow  # executes every notebook
def test_no_page_shows_a_code_identifier_to_its_reader(fixture_reports):
    """Mart and column names, notebook parameters and status codes belong to the data dictionary, not to a page
    (issue 21 §1); only the download lists name the files they offer."""
    from pipelines.lib.reports.prose import internal_names, stray_outputs

    found = {name: internal_names(html) for name, html in fixture_reports.items()}
    assert {name: names for name, names in found.items() if names} == {}
    # nor a raw cell output (the `1` a `rep.table` call left in five reports)
    assert {name: stray_outputs(html) for name, html in fixture_reports.items() if stray_outputs(html)} == {}


@pytest.mark.slow  # executes every notebook
def test_no_page_writes_a_number_without_french_thousands_separators(fixture_reports):
    """3 313, not 3313: the rule the release's page check applies (`number_format`), on every report of the fixture
    publication, whose sums of actions and euros run to four digits and more."""
    from pipelines.lib.reports.prose import unformatted_numbers

    assert {name: found for name, html in fixture_reports.items() if (found := unformatted_numbers(html))} == {}


@pytest.mark.parametrize("path", notebook_paths(NOTEBOOKS), ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_state_refuses_a_sentence_that_disagrees_with_the_mart():
    with pytest.raises(AssertionError, match="valeur du mart"):
        state("{} des répondants", 0.35, 0.36, fmt=fr_pct, show=False)
    state("{} des répondants", 0.35, 0.35 + 1e-12, fmt=fr_pct, show=False)
    state("{} inconnu", None, float("nan"), show=False)  # unknown on both sides is consistent


def test_french_percent():
    assert fr_pct(0.3478) == "35\u202f%"
    assert fr_pct(0.15, 1) == "15,0\u202f%"


def test_map_layout_draws_every_registry_ptsm_and_puts_overseas_in_insets():
    layout = ptsm_layout()
    assert len(layout.rings) == 104 and all(layout.rings.values())
    frames = dict(layout.frames)
    for ptsm, label in zip(["PTSM-971", "PTSM-972", "PTSM-973", "PTSM-974", "PTSM-976"], OVERSEAS):
        x0, y0, x1, y1 = frames[label]
        points = [p for ring in layout.rings[ptsm] for p in ring]
        assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points)
    # mainland stays in projected lon/lat: Paris near (2.35 * cos 46.5°, 48.86)
    paris = layout.rings["PTSM-75"][0]  # the mainland ring; the zoomed copy in the Paris inset comes after it
    assert all(math.isclose(y, 48.86, abs_tol=0.1) and math.isclose(x, 2.35 * 0.688, abs_tol=0.15) for x, y in paris)
    x0, y0, x1, y1 = frames["Paris et petite couronne"]
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in layout.rings["PTSM-75"][1])
    # dissolved: Corse (2A + 2B) and Limousin (19, 23, 87) are one ring each, not one per département
    assert len(layout.rings["PTSM-COR"]) == 1 and len(layout.rings["PTSM-LIM"]) == 1


def _survey_notebook_on_two_waves(tmp_path: Path, computed_survey_n: str) -> str:
    """Notebook 01 on the fixture publication plus a 2023 wave of 5 respondents (the first 5 fixture responses), with
    published_comparison's respondent count `computed_survey_n`; returns the page text."""
    import re
    import html as html_lib

    import pandas as pd

    from pipelines.lib.reports.notebooks import execute_notebook, to_html

    release = build(tmp_path / "marts", survey_waves={2023: _make_marts.RESPONSES[:5], 2025: _make_marts.RESPONSES})
    comparison = pd.read_parquet(release / "published_comparison.parquet")
    # the refresh judged survey_n on the report's wave: the 5 responses of 2023, never the 9 of 2025
    assert comparison.loc[comparison["figure_id"] == "survey_n", "computed_value"].tolist() == ["5"]
    comparison.loc[comparison["figure_id"] == "survey_n", ["computed_value", "status"]] = [computed_survey_n, "differs"]
    comparison.to_parquet(release / "published_comparison.parquet", index=False)
    nb = execute_notebook(NOTEBOOKS / "01_enquete_coordonnateurs.ipynb", tmp_path / "marts", tmp_path)
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", to_html(nb), flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.slow  # executes notebook 01 twice
def test_survey_report_compares_published_figures_on_the_report_wave_only(tmp_path):
    # 2023: 5 respondents; 2025 (analysed): 9. The published figures are about 2023 (published_figures.csv).
    text = _survey_notebook_on_two_waves(tmp_path / "ok", "5")
    assert "Vague analysée : 2025, avec 9 réponses complètes." in text
    assert "Le recalcul porte sur les 5 réponses complètes de la vague 2023." in text
    assert "recalcul : réponses complètes de la vague 2023 (et non de la vague analysée, 2025)." in text
    assert "Chiffres de l'enquête 2023 publiés par le rapport et leur recalcul sur la même vague" in text
    # a comparison computed on the 2025 respondents is refused: the notebook asserts what it states
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError, match="valeur 9 ≠ valeur du mart 5"):
        _survey_notebook_on_two_waves(tmp_path / "wrong", "9")
