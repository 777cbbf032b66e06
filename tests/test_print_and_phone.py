"""Issue 21 §2 and §3: every page of the site at phone width (390 px) and printed on A4.

At 390 px: nothing sticks out of the window sideways, no chart text is cut at the chart's edge or overlaps another,
and a map (a few dozen pixels wide there) is replaced by its ranked table. In print media at the A4 column's width:
no chart, legend or table wider than the page. The release's PDFs: one per report and per profile, A4, each with
the figures of its page, none split across two pages. All on the session's one rendering (conftest.sample_site).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import budget
from pipelines.lib.reports.report_check import WIDTHS, check_page, check_print

pytestmark = pytest.mark.slow
A4_POINTS = (595.3, 841.9)  # 210 x 297 mm at 72 points per inch


def site_pages(site: Path) -> list[Path]:
    return [site / "index.html", *sorted(site.glob("[0-9][0-9]_*.html")), *sorted((site / "regions").glob("*.html"))]


def _page_names() -> list:
    from pipelines.lib.core.config import PROJECT_ROOT
    from pipelines.lib.reports.notebooks import notebook_paths
    from pipelines.lib.reports.site import region_codes

    # 03's Graphique 7 had its legend below the chart, over the axis title "Part couverte" at 390 px: it is above now
    return ["index.html", *[f"{p.stem}.html" for p in notebook_paths(PROJECT_ROOT / "notebooks")],
            *[f"regions/{code}.html" for code in region_codes()]]


def _budgeted(names: list[str]) -> list:
    """The representative pages (tests/budget.py) in the default run, the others with the long budgets."""
    return [n if n in budget.REPRESENTATIVE_PAGES else pytest.param(n, marks=pytest.mark.long) for n in names]


def test_the_release_s_page_check_found_every_page_it_opened_fitting_the_phone_and_the_a4_column(sample_site):
    """The release's own page check (page_checks.json) opened the home page, every report and the longest and
    shortest profiles at 390 px, then in print media at the A4 column's width: no script error, no request leaving
    the folder, every chart drawn, no chart text cut or overlapping, nothing wider than the phone or the column (the
    last three only warn there: here nothing at all). The other pages are opened by the tests below (a
    representative one of each kind; every page with the long budgets)."""
    import json

    from pipelines.lib.reports.report_check import PAGE_CHECKS_FILE

    fact = json.loads((sample_site / PAGE_CHECKS_FILE).read_text(encoding="utf-8"))
    opened = set(fact["browser_pages"])
    assert {"index.html", *(p.relative_to(sample_site).as_posix() for p in site_pages(sample_site)[1:7])} <= opened
    assert any(p.startswith("regions/") for p in opened) and fact["browser_skipped"] is None
    layout = {"page_error", "outside_request", "undrawn_chart", "chart_text", "reflow", "print_fit", "toolbar"}
    assert [f for f in fact["blocking"] + fact["warnings"] if f["check"] in layout] == []



def test_the_release_s_check_records_overlapping_chart_texts_and_a_chart_wider_than_the_a4_column(tmp_path, browser):
    """It can fail: what the test above reads from page_checks.json, the release's check writes there (as warnings)
    for two chart texts on one spot and a chart wider than the printed A4 column."""
    import plotly.graph_objects as go

    from pipelines.lib.reports.notebooks import PLOTLY_FILE, plotly_bundle
    from pipelines.lib.reports.report_check import check_site

    (tmp_path / PLOTLY_FILE).write_text(plotly_bundle(), encoding="utf-8")
    crowded = go.Figure(go.Bar(x=["un", "deux"], y=[3, 4]))
    crowded.update_yaxes(showticklabels=False)
    crowded.add_annotation(x="un", y=2, text="Texte A", showarrow=False)
    crowded.add_annotation(x="un", y=2, text="Texte B", showarrow=False)
    wide = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    wide.update_layout(width=1200)
    charts = "".join(f.to_html(include_plotlyjs=False, full_html=False) for f in (crowded, wide))
    (tmp_path / "essai.html").write_text(f'<html lang="fr"><head><title>Essai</title><script src="{PLOTLY_FILE}">'
                                         f"</script></head><body><main>{charts}</main></body></html>", encoding="utf-8")
    fact = check_site(tmp_path, chromium=browser).as_fact()
    assert fact["browser_pages"] == ["essai.html"]
    assert {"chart_text", "print_fit"} <= {f["check"] for f in fact["warnings"]}, fact

@pytest.mark.parametrize("name", _budgeted(_page_names()))
def test_every_page_fits_the_phone_and_the_desktop(sample_site, browser, tab, name):
    problems = {}
    for page_file in [sample_site / name]:
        for width in (WIDTHS if budget.LONG else (max(WIDTHS), min(WIDTHS))):  # the laptop width too with --long
            check = check_page(browser, page_file, width, tab=tab)
            found = {k: v for k, v in (("errors", check.errors), ("outside", check.outside_requests),
                                       ("undrawn", check.undrawn), ("overlaps", check.overlaps), ("cut", check.cut),
                                       ("overflow", check.overflow)) if v}
            if found:
                problems[f"{page_file.relative_to(sample_site)}@{width}"] = found
    assert problems == {}


def test_below_600_px_a_map_is_its_ranked_table(sample_site, browser):
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto((sample_site / "00_synthese.html").resolve().as_uri())
    page.wait_for_timeout(500)
    shown = page.evaluate("""() => [...document.querySelectorAll('figure.ptsm-has-map')].map(f => ({
        map: f.querySelector('.ptsm-figure-body').getBoundingClientRect().height,
        rows: [...f.querySelectorAll('.ptsm-map-small tbody tr')].filter(r => r.getClientRects().length).length,
        first: f.querySelector('.ptsm-map-small tbody tr td').textContent}))""")
    page.set_viewport_size({"width": 1400, "height": 800})
    page.wait_for_timeout(300)
    wide = page.evaluate("""() => [...document.querySelectorAll('figure.ptsm-has-map')].map(f => ({
        map: f.querySelector('.ptsm-figure-body').getBoundingClientRect().height,
        table: f.querySelector('.ptsm-map-small').getBoundingClientRect().height}))""")
    page.close()
    assert len(shown) == 3  # the synthesis' three maps
    assert all(s["map"] == 0 and s["rows"] == 104 and s["first"] == "1" for s in shown)
    assert all(w["map"] > 300 and w["table"] == 0 for w in wide)


def test_in_print_every_chart_legend_and_table_fits_the_a4_column(sample_site, browser, tab):
    """The representative pages (tests/budget.py; the release's check printed the reports and two profiles), every
    page with the long budgets."""
    pages = budget.site_pages(site_pages(sample_site)[1:], sample_site)
    assert pages
    unfit = {p.relative_to(sample_site).as_posix(): check_print(browser, p, tab=tab) for p in pages}
    assert {k: v for k, v in unfit.items() if v} == {}


def test_the_print_check_sees_a_chart_wider_than_the_page(tmp_path, browser):
    """It can fail: a 1200 px wide chart does not fit the A4 column."""
    import plotly.graph_objects as go

    from pipelines.lib.reports.notebooks import PLOTLY_FILE, plotly_bundle

    (tmp_path / PLOTLY_FILE).write_text(plotly_bundle(), encoding="utf-8")
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_layout(width=1200)
    page = tmp_path / "large.html"
    page.write_text(f'<html lang="fr"><head><script src="{PLOTLY_FILE}"></script></head><body><main>'
                    + fig.to_html(include_plotlyjs=False, full_html=False) + "</main></body></html>", encoding="utf-8")
    unfit = check_print(browser, page)
    assert any(line.startswith(("div.plotly-graph-div", "svg.main-svg")) and line.endswith("..1208") for line in unfit), unfit  # body margin 8 px


def pdf_pages_text(path: Path, text: bool = True) -> tuple[list[str], list[tuple[float, float]]]:
    """The text and the size of each page of a PDF; without `text`, the sizes only (reading a page's text parses all
    its drawing: seconds for a report full of charts)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return ([(page.extract_text() or "") if text else "" for page in reader.pages],
            [(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages])


FIGURE_HEAD = re.compile(r"Graphique\s+(\d+)\s*[–-]")


def split_figures(texts: list[str]) -> tuple[set[int], list[int]]:
    """(numbers of the figures printed, those whose head and 'Source :' line are on two different pages)."""
    heads, split = {}, []
    for page_no, text in enumerate(texts):
        for match in FIGURE_HEAD.finditer(text):
            heads.setdefault(int(match.group(1)), (page_no, match.end()))
    for number, (page_no, offset) in heads.items():
        same_page = texts[page_no][offset:]
        nxt = FIGURE_HEAD.search(same_page)
        if "Source" not in (same_page[:nxt.start()] if nxt else same_page):
            split.append(number)
    return set(heads), sorted(split)


def test_split_figures_on_hand_made_pages():
    assert split_figures(["Graphique 1 – a\nSource : x\nGraphique 2 – b\n", "Source : y"]) == ({1, 2}, [2])
    assert split_figures(["Graphique 1 – a Source : x", "Graphique 2 – b Source : y"]) == ({1, 2}, [])


def test_one_a4_pdf_per_report_and_profile_with_every_figure_whole(sample_site):
    """Every report and profile has its PDF, every page of it A4; every figure printed whole (its title and its source
    on one page): read in the PDF of every numbered report (six notebooks, six layouts) and of the representative
    profile (tests/budget.py: the 18 profiles are one notebook's), of every profile with the long budgets (reading a
    PDF's text parses all its drawing: 0.2-0.5 s each)."""
    pages = site_pages(sample_site)[1:]
    assert len(pages) == 6 + 18
    read = set(pages[:6]) | set(budget.site_pages(pages, sample_site))
    assert len(read) == (24 if budget.LONG else 6 + 1)
    problems = {}
    for page_file in pages:
        pdf = page_file.with_suffix(".pdf")
        assert pdf.is_file(), pdf
        texts, sizes = pdf_pages_text(pdf, text=page_file in read)
        assert sizes and all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in sizes), pdf
        if page_file not in read:
            continue
        expected = len(re.findall(r'<figure\b[^>]*class="ptsm-figure[ "]', page_file.read_text(encoding="utf-8")))
        printed, split = split_figures(texts)
        if printed != set(range(1, expected + 1)) or split:
            problems[pdf.name] = {"expected": expected, "printed": sorted(printed), "split": split}
    assert problems == {}
