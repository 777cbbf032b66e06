"""Issue 21 §4 (RGAA 4.1, whose automatable part is WCAG 2.1 AA): text alternatives for every chart, colours that
hold for every reader, keyboard stops that lead somewhere, and axe-core's A/AA rules on every page of the site.

Colour maths written out here, not read from the toolkit: WCAG 2.1's relative luminance and contrast ratio, and
deuteranopia simulated with Machado, Oliveira & Fernandes (2009)'s matrix (severity 1) on linear RGB, distances in
CIELAB (D65). Hand-checked anchors: white on black is 21:1, #777777 on white 4.48:1 (axe reported 4.47 on report
00's greyed rows), pure red and pure green are 170 CIELAB units apart but under 30 under deuteranopia.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest

import budget
from pipelines.lib.reports.figures import chart_data, chart_summary
from pipelines.lib.reports.notebooks import drop_inert_tab_stops

# ------------------------------------------------------------------ colour maths (independent of the code)

MACHADO_DEUTERANOPIA = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]]
GRAPHICS_CONTRAST = 3.0     # WCAG 1.4.11, non-text contrast
SERIES_DISTANCE = 15.0      # CIELAB distance under deuteranopia between two series of one chart (lines, bars)
CLASS_DISTANCE = 9.0        # between two classes of a map (outlined shapes, classes in order of lightness)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.strip().lower()
    if colour.startswith("rgb"):
        parts = [float(p) for p in re.findall(r"[\d.]+", colour)[:3]]
        return tuple(int(round(p)) for p in parts)
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def luminance(colour: str) -> float:
    r, g, b = (_linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = "#ffffff") -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _lab(r: float, g: float, b: float) -> tuple[float, float, float]:
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    f = lambda t: t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116  # noqa: E731
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def deuteranopia_distance(a: str, b: str) -> float:
    def simulated(colour):
        lin = [_linear(c) for c in _rgb(colour)]
        return _lab(*(min(1.0, max(0.0, sum(m * v for m, v in zip(row, lin)))) for row in MACHADO_DEUTERANOPIA))
    return math.dist(simulated(a), simulated(b))


def test_the_colour_maths_on_known_values():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#777777") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff") == pytest.approx(1.0)
    assert deuteranopia_distance("#ff0000", "#00ff00") < 30 and math.dist(_lab(1, 0, 0), _lab(0, 1, 0)) > 150
    assert deuteranopia_distance("#1f5a91", "#1f5a91") == 0


# ------------------------------------------------------------------ colours of the rendered charts

def plotly_charts(page: str) -> list[tuple[list[dict], dict]]:
    """(data, layout) of every chart of a page, parsed from its `Plotly.newPlot(id, data, layout, config)` call."""
    decoder = json.JSONDecoder()
    charts = []
    for match in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        data, end = decoder.raw_decode(page, match.end())
        rest = page[end:].lstrip()[1:].lstrip()
        layout, _ = decoder.raw_decode(rest)
        charts.append((data, layout))
    return charts


def _colours(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _opaque(colour: str) -> bool:
    return not (colour.startswith("rgba") and float(re.findall(r"[\d.]+", colour)[3]) < 1) and colour != "white" \
        and luminance(colour) < 0.99


def chart_colours(data: list[dict]) -> tuple[set[str], set[str]]:
    """(series colours, map class colours) that carry data in one chart: bar and marker colours, line colours of
    lines, fill colours of map shapes; not the 'Donnée inconnue' grey (outlined and named in the legend), not
    heatmap scales (each cell has its value written or in the data table)."""
    series, classes = set(), set()
    for trace in data:
        if trace.get("type") == "heatmap" or str(trace.get("name", "")).startswith("Donnée inconnue"):
            continue
        if trace.get("fill") == "toself":
            classes.update(c.lower() for c in _colours(trace.get("fillcolor")) if _opaque(c))
            continue
        if trace.get("x") == [None] and trace.get("y") == [None]:
            continue  # a legend swatch (maps): the class itself is checked on the shapes
        series.update(c.lower() for c in _colours((trace.get("marker") or {}).get("color")) if _opaque(c))
        if "lines" in str(trace.get("mode", "lines")) and trace.get("type", "scatter") == "scatter":
            series.update(c.lower() for c in _colours((trace.get("line") or {}).get("color")) if _opaque(c))
    return series, classes


def colour_problems(page: str) -> list[str]:
    problems = []
    for i, (data, _) in enumerate(plotly_charts(page)):
        series, classes = chart_colours(data)
        for colour in sorted(series | classes):
            if contrast(colour) < GRAPHICS_CONTRAST:
                problems.append(f"chart {i}: {colour} {contrast(colour):.2f}:1 on white")
        for limit, group in ((SERIES_DISTANCE, series), (CLASS_DISTANCE, classes)):
            for a, b in itertools.combinations(sorted(group), 2):
                if deuteranopia_distance(a, b) < limit:
                    problems.append(f"chart {i}: {a} and {b} merge under deuteranopia "
                                    f"({deuteranopia_distance(a, b):.1f})")
    return problems


def _page_with(fig: go.Figure) -> str:
    return "<html><body>" + fig.to_html(include_plotlyjs=False, full_html=False) + "</body></html>"


def test_the_colour_check_fails_on_the_old_palette():
    """The issue's findings, as the check sees them: olive at 2.98:1, the small-region grey at 1.79:1, red and brown
    merging under deuteranopia."""
    fig = go.Figure([go.Scatter(x=[1, 2], y=[1, 2], line=dict(color=c), mode="lines")
                     for c in ("#c0392b", "#8c6d31", "#9a9a2e")])
    fig.add_trace(go.Bar(x=["a", "b"], y=[1, 2], marker_color=["#1f5a91", "#b9c3cc"]))
    problems = colour_problems(_page_with(fig))
    assert "chart 0: #9a9a2e 2.98:1 on white" in problems
    assert "chart 0: #b9c3cc 1.79:1 on white" in problems
    assert any(p.startswith("chart 0: #8c6d31 and #c0392b merge") for p in problems)


def test_the_colour_check_passes_distinct_dark_colours():
    fig = go.Figure([go.Scatter(x=[1, 2], y=[1, 2], line=dict(color=c), mode="lines") for c in ("#1f5a91", "#e06000")])
    assert colour_problems(_page_with(fig)) == []


# ------------------------------------------------------------------ text alternative of a chart (fast)

def test_a_bar_chart_s_data_table_is_its_values_in_french():
    fig = go.Figure(go.Bar(x=["Île-de-France", "Bretagne"], y=[12, 3.5]))
    fig.update_layout(xaxis_title="Région", yaxis_title="PTSM")
    assert chart_data(fig) == (["Région", "PTSM"], [["Île-de-France", "12"], ["Bretagne", "3,50"]], False)


def test_a_horizontal_percent_chart_keeps_its_percent_and_its_series():
    fig = go.Figure([go.Bar(y=["CDI", "CDD"], x=[0.5, 0.125], orientation="h", name="2024"),
                     go.Bar(y=["CDI"], x=[0.4], orientation="h", name="2023")])
    fig.update_xaxes(tickvals=[0, 0.5], ticktext=["0 %", "50 %"])
    header, rows, is_map = chart_data(fig)
    assert header == ["Série", "Catégorie", "Valeur"] and not is_map
    assert rows == [["2024", "CDI", "50\u202f%"], ["2024", "CDD", "12,5\u202f%"], ["2023", "CDI", "40\u202f%"]]


def test_a_monthly_series_data_table_reads_dates_not_their_nanoseconds():
    """Seen on the sample: the data table of every chart over months (report 02's vacancy, report 05's coverage
    heatmap, every profile) read "1 640 908 800 000 000 000" for 31 December 2021: plotly keeps a pandas date column
    as numpy datetime64, whose `.item()` is an integer of nanoseconds."""
    import pandas as pd

    months = pd.to_datetime(pd.Series(["2021-12-31", "2022-01-31"]))
    line = go.Figure(go.Scatter(x=months, y=[0.25, 0.125], name="Vacance"))
    line.update_yaxes(tickvals=[0, 0.25], ticktext=["0 %", "25 %"])
    assert chart_data(line)[1] == [["Vacance", "31 décembre 2021", "25\u202f%"],
                                   ["Vacance", "31 janvier 2022", "12,5\u202f%"]]
    heat = go.Figure(go.Heatmap(x=months, y=["1. Repérage"], z=[[0.5, 0.75]]))
    assert chart_data(heat)[1] == [["1. Repérage", "31 décembre 2021", "0,50"],
                                   ["1. Repérage", "31 janvier 2022", "0,75"]]


def test_a_report_table_writes_a_date_as_a_date_too():
    """`Report.table` turns cells into text by the same rule as the charts' data tables: a date column reads
    "31 décembre 2021", never a count of nanoseconds nor "2021-12-31 00:00:00"."""
    import numpy as np
    import pandas as pd

    from pipelines.lib.reports.figures import _default, table_html

    assert _default(np.datetime64("2021-12-31T00:00:00.000000000")) == "31 décembre 2021"
    page = table_html(pd.DataFrame({"mois": pd.to_datetime(["2021-12-31"]), "postes": [89]}))
    assert "<td>31 décembre 2021</td>" in page and "00:00:00" not in page


def test_a_map_s_data_table_ranks_every_ptsm_unknown_last():
    from pipelines.lib.reports.maps import MapClass, ptsm_map

    values = {"PTSM-01": 2, "PTSM-02": 6}
    fig = ptsm_map(values, classes=[MapClass("0 à 5", 0, 6, "#5494cc"), MapClass("6", 6, None, "#072548")],
                   value_label="Priorités", names={"PTSM-01": "Ain", "PTSM-02": "Aisne"})
    header, rows, is_map = chart_data(fig)
    assert header == ["Rang", "PTSM", "Priorités"] and is_map
    assert rows[:2] == [["1", "Aisne", "6"], ["2", "Ain", "2"]]
    assert len(rows) == 104 and rows[2][2] == "donnée inconnue" and rows[-1][2] == "donnée inconnue"


def test_the_summary_is_the_title_and_the_lecture_without_markup():
    assert chart_summary("Graphique 2 – Vacance", "En <b>2024</b>, 12 PTSM sur 104 &amp; plus.") == (
        "Graphique 2 – Vacance. En 2024 , 12 PTSM sur 104 & plus. Les valeurs sont dans le tableau "
        "« Données du graphique ».")


def test_the_lab_template_s_inert_tab_stops_are_dropped_and_links_kept():
    page = ('<div class="jp-Cell-inputWrapper" tabindex="0"><div class="jp-RenderedHTMLCommon jp-OutputArea-output" '
            'data-mime-type="text/html" tabindex="0"><a href="x.html" tabindex="0">x</a></div></div>')
    assert drop_inert_tab_stops(page) == ('<div class="jp-Cell-inputWrapper"><div class="jp-RenderedHTMLCommon '
                                          'jp-OutputArea-output" data-mime-type="text/html"><a href="x.html" '
                                          'tabindex="0">x</a></div></div>')


# ------------------------------------------------------------------ the published site (slow: one rendering)

def site_pages(site: Path) -> list[Path]:
    return [site / "index.html", *sorted(p for p in site.glob("[0-9][0-9]_*.html")),
            *sorted((site / "regions").glob("*.html"))]


@pytest.mark.slow
def test_the_site_has_every_page(sample_site):
    names = [p.relative_to(sample_site).as_posix() for p in site_pages(sample_site)]
    assert len(names) == 1 + 6 + 18 and "regions/84.html" in names and "00_synthese.html" in names


@pytest.mark.slow
def test_the_release_s_page_check_ran_axe_and_found_no_violation(sample_site):
    """The release's own page check (page_checks.json) ran axe-core at 390 px on the home page, every report and a
    longest and a shortest profile and review: no violation, not even a minor one (those only warn there)."""
    from pipelines.lib.reports.report_check import PAGE_CHECKS_FILE

    fact = json.loads((sample_site / PAGE_CHECKS_FILE).read_text(encoding="utf-8"))
    opened = set(fact["browser_pages"])
    assert {p.relative_to(sample_site).as_posix() for p in site_pages(sample_site)[:7]} <= opened  # home, reports
    assert any(p.startswith("regions/") for p in opened) and fact["browser_skipped"] is None
    assert [f for f in fact["blocking"] + fact["warnings"] if f["check"] == "accessibility"] == []


@pytest.fixture(scope="module")
def desktop_pages(sample_site, tab) -> dict[str, dict]:
    """The representative pages (tests/budget.py; every page with the long budgets), each opened once at 1400 px in
    the module's tab, as the release's check opens a page once for all it looks at: its tab stops (`TABBABLE_JS`), then
    axe-core's violations on the same load. Two tests below read them; a page load each saved (~1 CPU-second)."""
    from pipelines.lib.reports.report_check import axe_violations

    looked = {}
    for page_file in budget.site_pages(site_pages(sample_site), sample_site):
        page = tab.open(page_file, 1400, [], [])
        page.wait_for_timeout(300)
        looked[page_file.relative_to(sample_site).as_posix()] = {"tab_stops": page.evaluate(TABBABLE_JS),
                                                                 "axe": axe_violations(page)}
    return looked


@pytest.mark.slow
def test_no_wcag_2_1_a_or_aa_violation_on_any_page(desktop_pages):
    """axe-core at 1400 px (the release's check runs it at 390 px): on the representative pages (tests/budget.py),
    on every page with the long budgets; one tab opens them in turn, as in the release's check."""
    assert len(desktop_pages) >= 4
    assert {name: looked["axe"] for name, looked in desktop_pages.items() if looked["axe"]} == {}


@pytest.mark.slow
def test_axe_sees_the_issue_s_violations(tmp_path, browser):
    """axe-core as run by the checker finds what the issue found: greyed text at 4.1:1, a link told apart by colour
    only, an image without an alternative. It can fail."""
    from pipelines.lib.reports.report_check import check_page

    page = tmp_path / "page.html"
    page.write_text('<!DOCTYPE html><html lang="fr"><head><title>t</title></head><body><main>'
                    '<p style="color:#888">texte grisé</p><p>Voir <a href="x" style="color:#202020;'
                    'text-decoration:none">le lien</a> ici.</p><img src="x.png"></main></body></html>', encoding="utf-8")
    ids = {v["id"] for v in check_page(browser, page, 1400, accessibility=True).accessibility}
    assert {"color-contrast", "image-alt"} <= ids


@pytest.mark.slow
def test_every_chart_has_a_summary_and_its_data_table(sample_site):
    for page_file in site_pages(sample_site)[1:]:
        page = page_file.read_text(encoding="utf-8")
        charts = page.count('class="plotly-graph-div"')
        # nbconvert's sanitiser may reorder attributes: read them one by one
        figures = [(re.search(r'aria-label="([^"]+)"', attrs), inner)
                   for attrs, inner in re.findall(r"<figure\b([^>]*)>(.*?)</figure>", page, re.DOTALL)
                   if re.search(r'class="ptsm-figure[ "]', attrs)]
        assert len(figures) == charts, page_file.name
        for label, inner in figures:
            assert label is not None, page_file.name
            label = html.unescape(label.group(1))
            assert re.match(r"Graphique \d+ – .{5,}", label), (page_file.name, label)
            details = re.search(r'<details class="ptsm-data"><summary>Données du graphique</summary>(.*?)</details>',
                                inner, re.DOTALL)
            assert details is not None, (page_file.name, label)
            rows = details.group(1).count("<tr>")
            assert rows >= 2 or "elles sont dans les fichiers de données de la publication" in details.group(1), \
                (page_file.name, label)


@pytest.mark.slow
def test_the_colours_drawn_contrast_and_stay_apart_under_deuteranopia(sample_site):
    problems = {p.name: colour_problems(p.read_text(encoding="utf-8")) for p in site_pages(sample_site)[1:]}
    assert {k: v for k, v in problems.items() if v} == {}
    assert sum(len(plotly_charts(p.read_text(encoding="utf-8"))) for p in site_pages(sample_site)) > 50


TABBABLE_JS = """() => [...document.querySelectorAll('*')]
  .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length)
  .map(e => ({tag: e.tagName.toLowerCase(), href: e.getAttribute('href'), cls: String(e.className.baseVal ?? e.className),
              title: e.getAttribute('data-title')}))"""


@pytest.mark.slow
def test_every_tab_stop_leads_somewhere(desktop_pages):
    """Links with a target, the chart's PNG button and its data table's summary; nothing else (the lab template made
    ~60 cells and outputs of report 01 tab stops). The pages share two templates (the home page's, the notebooks'):
    the representative pages (tests/budget.py) by default, every page with the long budgets."""
    assert len(desktop_pages) >= 4 and all(looked["tab_stops"] for looked in desktop_pages.values())
    inert = {}
    for name, looked in desktop_pages.items():
        bad = [s for s in looked["tab_stops"] if not ((s["tag"] == "a" and s["href"]) or s["tag"] == "summary"
               or (s["tag"] == "button" and s["title"] == "Télécharger le graphique en PNG"))]
        if bad:
            inert[name] = bad[:5]
    assert inert == {}


# ------------------------------------------------------------------ phone width (issue 21 §3), fast part

def test_long_titles_and_category_labels_are_wrapped_for_a_phone():
    from pipelines.lib.reports.figures import fit_narrow_screens, wrap_text

    assert wrap_text("Part des 58 répondants (trait : intervalle de confiance à 95 %)", 38) == \
        "Part des 58 répondants (trait :<br>intervalle de confiance à 95 %)"
    assert wrap_text("court", 38) == "court"
    fig = go.Figure(go.Bar(y=["Provence-Alpes-Côte d'Azur (6 PTSM)", "Corse"], x=[1, 2], orientation="h"))
    fig.update_xaxes(title="Part des PTSM de la région sans coordonnateur en poste")
    fit_narrow_screens(fig)
    assert fig.layout.xaxis.title.text == "Part des PTSM de la région sans<br>coordonnateur en poste"
    assert list(fig.layout.yaxis.ticktext) == ["Provence-Alpes-Côte<br>d'Azur (6 PTSM)", "Corse"]
    assert list(fig.data[0].y) == ["Provence-Alpes-Côte d'Azur (6 PTSM)", "Corse"]  # the data keep their labels
