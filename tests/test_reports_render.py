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

from pipeline_runner import Run
from pipelines.lib.config import PROJECT_ROOT
from pipelines.lib.reports import INDEX_FILE, PLOTLY_FILE, render_notebooks

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
REPORTS = ["00_synthese", "01_enquete_coordonnateurs", "02_vacance_coordonnateurs",
           "03_couverture_priorites_publics", "04_cofinancement", "05_evolutions"]


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory) -> Path:
    """Marts of the committed sample (the real refresh), then the real report step into a folder of its own."""
    root = tmp_path_factory.mktemp("sample-reports")
    raw = root / "raw"
    raw.mkdir()
    run = Run(root, raw).refresh()
    assert run.returncode == 0, run.output
    out = root / "out"
    render_notebooks(PROJECT_ROOT / "notebooks", out, run.marts)
    return out


# Runs in the page: every Plotly chart, whether it drew its traces, and the overlapping pairs of visible texts.
_INSPECT = """
() => {
  const visible = (el) => {
    for (let n = el; n && n.nodeType === 1; n = n.parentNode) {
      const st = getComputedStyle(n);
      if (st.display === 'none' || st.visibility === 'hidden' || parseFloat(st.opacity) === 0) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 0.5 && r.height > 0.5 && el.textContent.trim() !== '';
  };
  return [...document.querySelectorAll('.js-plotly-plot')].map((gd, i) => {
    const drawn = gd.querySelectorAll('.main-svg .trace path, .main-svg .heatmaplayer image, .main-svg .hm image').length;
    const texts = [...gd.querySelectorAll('svg text')].filter(t => !t.closest('.hoverlayer') && visible(t));
    const boxes = texts.map(t => ({text: t.textContent.trim().slice(0, 40), r: t.getBoundingClientRect()}));
    const overlaps = [];
    for (let a = 0; a < boxes.length; a++) {
      for (let b = a + 1; b < boxes.length; b++) {
        const p = boxes[a].r, q = boxes[b].r;
        const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (w > 1 && h > 1) overlaps.push(`${boxes[a].text} | ${boxes[b].text}`);
      }
    }
    return {index: i, drawn, texts: boxes.length, overlaps};
  });
}
"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield instance
        instance.close()


@pytest.mark.parametrize("width", [1400, 1000])
@pytest.mark.parametrize("name", REPORTS)
def test_report_draws_every_chart_without_error_or_overlap(sample_reports, browser, name, width):
    page_file = sample_reports / f"{name}.html"
    expected_charts = page_file.read_text(encoding="utf-8").count('class="plotly-graph-div"')
    context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
    outside = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri())
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
    page.wait_for_timeout(500)
    charts = page.evaluate(_INSPECT)
    context.close()
    assert errors == [] and outside == []
    assert len(charts) == expected_charts and expected_charts >= 4
    assert [c["index"] for c in charts if c["drawn"] == 0] == []
    assert {c["index"]: c["overlaps"] for c in charts if c["overlaps"]} == {}


def test_reports_are_french_light_and_readable_by_others(sample_reports):
    pages = sorted(sample_reports.glob("*.html"))
    assert [p.name for p in pages] == sorted([f"{n}.html" for n in REPORTS] + [INDEX_FILE])
    total = sum(p.stat().st_size for p in sample_reports.iterdir())
    assert total <= 12 * 1024 * 1024
    for path in [*pages, sample_reports / PLOTLY_FILE]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name
    for name in REPORTS:
        html = (sample_reports / f"{name}.html").read_text(encoding="utf-8")
        assert '<html lang="fr">' in html and "<title>Notebook</title>" not in html
        assert html.count("plotly.js v") == 0 and f'<script src="{PLOTLY_FILE}"' in html  # one shared copy
        assert html.count('href="index.html"') >= 1  # navigation back to the home page
        # every chart carries its furniture: number, Lecture, Champ, Source
        n_charts = html.count('class="plotly-graph-div"')
        assert len(re.findall(r"Graphique \d+ – ", html)) == n_charts
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
