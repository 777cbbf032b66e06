"""A test that looks: every report rendered from the synthetic sample, opened in headless Chromium with the network
cut, at 1400 and 1000 px wide. No console error, no request leaving the folder, every chart drawn, and no two text
boxes of one chart overlapping (bounding boxes of the SVG text elements: tick labels, titles, legends, bar labels,
annotations). Also the files themselves: French pages, one shared plotly.js, 0644, total size.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

import budget
from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.reports.report_check import WIDTHS, check_page
from pipelines.lib.reports.notebooks import notebook_paths

INDEX_FILE, PLOTLY_FILE, CSS_FILE = "index.html", "plotly-fr.min.js", "jupyterlab.css"  # written out, not imported

pytestmark = pytest.mark.slow
REPORTS = [p.stem for p in notebook_paths(PROJECT_ROOT / "notebooks")]


@pytest.fixture(scope="session")
def sample_reports(sample_site) -> Path:
    """Marts of the committed sample (the real refresh), then the real report step into a folder of its own: the
    session's one rendering (conftest.sample_site)."""
    return sample_site


def _budgeted() -> list:
    """Every report at every width with the long budgets. By default the representative reports (tests/budget.py) at
    the laptop width, which no other default test opens: every report at 390 px was opened by the release's own page
    check (test_print_and_phone asserts on its record), and 1400 px by test_print_and_phone."""
    return [(n, w) if f"{n}.html" in budget.REPRESENTATIVE_PAGES and w == WIDTHS[1]
            else pytest.param(n, w, marks=pytest.mark.long) for n in REPORTS for w in WIDTHS]


@pytest.mark.parametrize("name,width", _budgeted())
def test_report_draws_every_chart_without_error_or_overlap(sample_reports, browser, tab, name, width):
    page_file = sample_reports / f"{name}.html"
    expected_charts = page_file.read_text(encoding="utf-8").count('class="plotly-graph-div"')
    check = check_page(browser, page_file, width, tab=tab)
    assert check.errors == [] and check.outside_requests == []
    assert len(check.charts) == expected_charts and expected_charts >= 4
    assert check.undrawn == []
    assert check.overlaps == {}
    assert check.cut == {} and check.overflow == []  # texts cut at a chart's edge, the page wider than the window


def test_the_overlap_check_sees_overlapping_labels(tmp_path, browser):
    """The check must be able to fail: two annotations written on the same spot are reported."""
    import plotly.graph_objects as go

    from pipelines.lib.reports.notebooks import PLOTLY_FILE, plotly_bundle

    fig = go.Figure(go.Bar(x=["un", "deux"], y=[3, 4]))
    fig.update_yaxes(showticklabels=False)  # keep only the two annotations and the two category ticks
    fig.add_annotation(x="un", y=2, text="Texte A", showarrow=False)
    fig.add_annotation(x="un", y=2, text="Texte B", showarrow=False)
    (tmp_path / PLOTLY_FILE).write_text(plotly_bundle(), encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(f'<html><head><script src="{PLOTLY_FILE}"></script></head><body>'
                    + fig.to_html(include_plotlyjs=False, full_html=False) + "</body></html>", encoding="utf-8")
    check = check_page(browser, page, 1000)
    assert check.errors == [] and check.undrawn == []
    assert check.overlaps == {0: ["Texte A | Texte B"]}


def test_reports_are_french_light_and_readable_by_others(sample_reports):
    assert REPORTS[:5] == ["00_synthese", "01_enquete_coordonnateurs", "02_vacance_coordonnateurs",
                           "03_couverture_priorites_publics", "04_cofinancement"]
    pages = sorted(sample_reports.glob("*.html"))
    assert [p.name for p in pages] == sorted([f"{n}.html" for n in REPORTS] + [INDEX_FILE])
    total = sum(p.stat().st_size for p in sample_reports.iterdir())
    assert total <= 12 * 1024 * 1024
    for path in [*pages, sample_reports / PLOTLY_FILE, sample_reports / CSS_FILE]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name
    for name in REPORTS:
        html = (sample_reports / f"{name}.html").read_text(encoding="utf-8")
        assert '<html lang="fr">' in html and "<title>Notebook</title>" not in html
        assert html.count("plotly.js v") == 0 and f'<script src="{PLOTLY_FILE}"' in html  # one shared copy
        head = html[:html.index("</head>")]  # the template's ~260 kB stylesheet: one shared copy too
        assert f'<link rel="stylesheet" href="{CSS_FILE}">' in head and '<style type="text/css">' not in head
        assert html.count('href="index.html"') >= 1  # navigation back to the home page
        # every chart carries its furniture: number, Lecture, Champ, Source
        n_charts = html.count('class="plotly-graph-div"')
        assert len(re.findall(r'class="ptsm-figure-head">Graphique \d+ – ', html)) == n_charts
        for label in ("Lecture :", "Champ :", "Source :"):
            assert html.count(f"<b>{label}</b>") >= n_charts, (name, label)
        assert "Méthodologie" in html and "DICTIONNAIRE.md" in html
    index = (sample_reports / INDEX_FILE).read_text(encoding="utf-8")
    assert all(f'href="{n}.html"' in index for n in REPORTS)


def test_comparison_table_shows_all_63_figures_in_french(sample_reports):
    html = (sample_reports / "00_synthese.html").read_text(encoding="utf-8")
    table = html[html.index("Chiffres publiés par le rapport et leur recalcul"):]
    table = table[:table.index("</table>")]
    assert table.count("<tr") == 63 + 1  # header + every published figure of data/reference/published_figures.csv
    assert table.count('class="ptsm-highlight"') == 1  # survey_vehicule, the one figure in "écart"
    assert table.count('class="ptsm-muted"') == 3  # the three Cour des comptes counts
    assert ">non recalculable<" in table and ">reproduit<" in table and ">écart<" in table
    assert "79 PTSM examinés" in table  # the published base next to the computed one
    assert "+1,0\u202fpt" in table  # survey_vehicule: 66 % computed vs 65 % published
    for english in ("reproduced", "not_computable", "None", "count (of 79)"):
        assert f">{english}<" not in table
