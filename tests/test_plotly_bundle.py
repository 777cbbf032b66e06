"""Issue 20 §4 (the regional profile's p95) and issue 24 (page loads): the reports ship a partial plotly.js, only the
trace types the pages draw, instead of the full 4.8 MB one; the release's page check refuses a figure of any other
type, which the partial bundle would draw as an empty scatter without a word.

Fast part: the shipped bundle (its size, trace types, version against plotly.py's and against its build recipe's
lock, its licence), the figures' types read from a page, the check on hand-made pages (a pie outside the bundle
blocks; the same pie with a full plotly.js passes). Slow part: the bundle in Chromium registers exactly what its
banner says and draws each of its types as itself (and a pie as something else: why the check exists); every
figure of the sample release is of a type the published bundle draws.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest

from pipelines.lib.reports.notebooks import PLOTLY_FILE, PLOTLY_VENDORED, bundle_trace_types, plotly_bundle
from pipelines.lib.reports.report_check import check_site, figure_trace_types

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "tools" / "plotly-bundle"
PAGE = ('<!DOCTYPE html><html lang="fr"><head><title>Page</title><script src="plotly-fr.min.js"></script></head>'
        '<body><main id="contenu"><h1>Vacance des postes</h1>{body}</main></body></html>')


def _chart(fig: go.Figure) -> str:
    return fig.to_html(include_plotlyjs=False, full_html=False)


def _site(tmp_path: Path, body: str, script: str) -> Path:
    site = tmp_path / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text(PAGE.format(body=body), encoding="utf-8")
    (site / PLOTLY_FILE).write_text(script, encoding="utf-8")
    return site


def _version(script: str) -> str:
    return re.search(r"plotly\.js v(\d+\.\d+\.\d+)", script[:2000]).group(1)


# ------------------------------------------------------------------ the shipped bundle

def test_the_shared_plotly_js_holds_only_the_pages_trace_types():
    """Before: plotly.py's full plotly.js, 4,815,765 characters, every trace type (92 % of a profile served alone)."""
    bundle = plotly_bundle()
    assert bundle_trace_types(bundle) == {"bar", "heatmap", "scatter"}
    assert len(bundle.encode("utf-8")) < 1_500_000
    assert bundle.rstrip().endswith("});") and "Plotly.register(" in bundle[-3000:]  # the French locale follows


def test_the_bundle_is_plotly_py_s_plotly_js_version_and_its_recipe_s():
    from plotly.offline import get_plotlyjs

    vendored = PLOTLY_VENDORED.read_text(encoding="utf-8")
    lock = json.loads((RECIPE / "package-lock.json").read_text(encoding="utf-8"))
    manifest = json.loads((RECIPE / "package.json").read_text(encoding="utf-8"))
    assert _version(vendored) == _version(get_plotlyjs()) == lock["packages"]["node_modules/plotly.js"]["version"]
    assert manifest["devDependencies"]["plotly.js"] == _version(vendored)  # pinned exactly, not a range
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["devDependencies"]["esbuild"])
    assert f"esbuild {lock['packages']['node_modules/esbuild']['version']}" in vendored[:2000]
    licence = (PLOTLY_VENDORED.parent / "plotly.js-LICENSE.txt").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Plotly" in licence


def test_bundle_trace_types_reads_the_banner_and_knows_a_full_plotly_js():
    assert bundle_trace_types("/**\n* plotly.js v4.1.1 (partial)\n* traces: bar, pie\n*/\nvar Plotly;") == {"bar", "pie"}
    assert bundle_trace_types("/**\n* plotly.js v4.1.1\n* Copyright 2012-2026, Plotly, Inc.\n*/") is None
    assert bundle_trace_types("x" * 2000 + "\n* traces: bar\n") is None  # only the head: a banner, not the code


# ------------------------------------------------------------------ figures read from a page

def test_figure_trace_types_reads_each_figure_s_data_not_its_template():
    """plotly.py's default template names every trace type (pie, choropleth...) in the layout: not read."""
    mixed = go.Figure([go.Bar(x=["a"], y=[1]), go.Scatter(x=["a"], y=[2])])
    untyped = '<script>Plotly.newPlot("g3", [{"x": [1], "y": [2]}], {}, {})</script>'
    page = _chart(mixed) + _chart(go.Figure(go.Heatmap(z=[[1, 2]]))) + untyped
    assert '"pie"' in page  # in the template
    assert figure_trace_types(page) == [["bar", "scatter"], ["heatmap"], ["scatter"]]
    assert figure_trace_types("<script>Plotly.newPlot(gd, data)</script><p>rien</p>") == []  # not plotly.py's call


# ------------------------------------------------------------------ the release's page check

def test_the_page_check_blocks_a_figure_the_published_bundle_cannot_draw(tmp_path):
    body = (_chart(go.Figure(go.Bar(x=["Oui", "Non"], y=[3, 4])))
            + _chart(go.Figure(go.Pie(labels=["Oui", "Non"], values=[3, 4]))))
    result = check_site(_site(tmp_path, body, plotly_bundle()), browser=False)
    assert [(f.page, f.check, f.detail, f.blocking) for f in result.findings] == [
        ("index.html", "missing_trace",
         "graphique n° 2 : pie (le plotly.js publié ne dessine que bar, heatmap, scatter)", True)]
    assert result.failure_message().endswith(
        "index.html : type de graphique absent du plotly.js publié — graphique n° 2 : pie (le plotly.js publié ne "
        "dessine que bar, heatmap, scatter)")


def test_the_same_page_passes_with_a_bundle_that_draws_it(tmp_path):
    from plotly.offline import get_plotlyjs

    body = _chart(go.Figure(go.Pie(labels=["Oui", "Non"], values=[3, 4])))
    assert check_site(_site(tmp_path / "full", body, get_plotlyjs()), browser=False).findings == []
    partial_with_pie = "/**\n* plotly.js v4.1.1 (partial)\n* traces: pie, scatter\n*/\n"
    assert check_site(_site(tmp_path / "pie", body, partial_with_pie), browser=False).findings == []
    drawn = _chart(go.Figure([go.Bar(x=["a"], y=[1]), go.Heatmap(z=[[1]]), go.Scatter(x=[1], y=[1])]))
    assert check_site(_site(tmp_path / "ours", drawn, plotly_bundle()), browser=False).findings == []


# ------------------------------------------------------------------ in the browser, and on the sample release

DRAWN_TYPES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => gd._fullData.map(t => t.type))"""


@pytest.mark.slow
def test_the_bundle_registers_what_its_banner_says_and_draws_each_type_as_itself(browser):
    figures = [go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])),
               go.Figure(go.Scatter(x=[1, 2], y=[2, 1])), go.Figure(go.Pie(labels=["a", "b"], values=[1, 2]))]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.set_content(f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><script>{plotly_bundle()}"
                         f"</script></head><body>{''.join(_chart(f) for f in figures)}</body></html>",
                         wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
        registered = page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces).sort()")
        drawn = page.evaluate(DRAWN_TYPES_JS)
    finally:
        page.close()
    assert registered == sorted(bundle_trace_types(plotly_bundle())) == ["bar", "heatmap", "scatter"]
    assert drawn[:3] == [["bar"], ["heatmap"], ["scatter"]]
    assert drawn[3] != ["pie"]  # silently drawn as something else: the page check has to catch it
    assert errors == []


@pytest.mark.slow
def test_every_figure_of_the_sample_release_is_of_a_type_the_published_bundle_draws(sample_site):
    registered = bundle_trace_types((sample_site / PLOTLY_FILE).read_text(encoding="utf-8"))
    assert registered == bundle_trace_types(PLOTLY_VENDORED.read_text(encoding="utf-8"))  # the release ships it
    seen: set[str] = set()
    for page in sorted(sample_site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        figures = figure_trace_types(html)
        assert len(figures) == html.count('class="plotly-graph-div"'), page.name  # every chart read
        seen.update(t for types in figures for t in types)
    assert seen == registered  # every registered type is used: nothing shipped for nothing
    checks = json.loads((sample_site / "page_checks.json").read_text(encoding="utf-8"))
    assert "missing_trace" in checks["blocking_checks"] and checks["passed"]
