"""Issue 21 §5: a chart's toolbar as a reader sees it in Chromium is French and sends nowhere (no Plotly logo
linking to plotly.com, no "send to cloud"/"edit in Chart Studio" button), with the plotly.js the reports ship."""

from __future__ import annotations

import re

import pytest

from pipelines.lib.reports.figures import plotly_config
from pipelines.lib.reports.notebooks import plotly_bundle

# Plotly's own English titles of the buttons a chart of ours can show; written out here, not read from the locale.
ENGLISH_LABELS = ["Download plot as a png", "Download plot as a PNG", "Share chart...", "Download plot", "Zoom in", "Zoom out", "Autoscale", "Reset axes",
                  "Pan", "Box Select", "Lasso Select", "Show closest data on hover", "Compare data on hover",
                  "Produced with Plotly", "Edit in Chart Studio", "Send data to Cloud", "Reset view"]
FORBIDDEN = re.compile(r"plotly\.com|plot\.ly|chart-studio|Produced with Plotly", re.IGNORECASE)


def toolbar_titles_and_html(browser, page_html: str) -> tuple[list[str], str]:
    """In a page of its own of `browser` (the module's Chromium, launched as the page check launches it)."""
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        page.set_content(page_html, wait_until="load")
        page.wait_for_selector(".modebar-btn", state="attached")
        titles = page.eval_on_selector_all(".modebar-btn", "els => els.map(e => e.getAttribute('data-title'))")
        # the chart as drawn (the inline plotly.js itself names plotly.com in its defaults)
        return titles, page.eval_on_selector(".plotly-graph-div", "e => e.outerHTML")
    finally:
        page.close()


def chart_page(config: dict) -> str:
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    div = fig.to_html(include_plotlyjs=False, full_html=False, config=config)
    return f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><script>{plotly_bundle()}</script></head>" \
           f"<body>{div}</body></html>"


@pytest.mark.slow
def test_the_toolbar_is_french_and_links_nowhere(browser):
    titles, dom = toolbar_titles_and_html(browser, chart_page(plotly_config("essai")))
    assert titles and all(titles)
    assert [t for t in titles if t in ENGLISH_LABELS] == []
    assert "Télécharger le graphique en PNG" in titles
    assert FORBIDDEN.findall(dom) == []


@pytest.mark.slow
def test_the_check_sees_plotly_s_default_toolbar(browser):
    """The same check on Plotly's defaults (English, logo linking to plotly.com) fails: it can fail."""
    titles, dom = toolbar_titles_and_html(browser, chart_page({}))
    assert [t for t in titles if t in ENGLISH_LABELS] != []
    assert FORBIDDEN.findall(dom) != []


@pytest.mark.slow
def test_the_report_checker_flags_an_english_toolbar(tmp_path, browser):
    """The checker run on published pages (report_check) reports Plotly's default toolbar and passes ours."""
    from pipelines.lib.reports.report_check import check_page

    (tmp_path / "ours.html").write_text(chart_page(plotly_config("essai")), encoding="utf-8")
    (tmp_path / "default.html").write_text(chart_page({}), encoding="utf-8")
    ours = check_page(browser, tmp_path / "ours.html", 1000)
    default = check_page(browser, tmp_path / "default.html", 1000)
    assert ours.english_toolbar == {} and ours.ok
    assert "Share chart..." in default.english_toolbar[0] and "https://plotly.com/" in default.english_toolbar[0]
    assert not default.ok
