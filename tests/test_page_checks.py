"""The page check every release runs before its pages are shown (issue 21; developers' rule "prove it on every
release"): pipelines/lib/reports/report_check.check_site, called by the reports step (render_all).

Fast part: hand-made pages, where each defect is written out and the expected finding worked out by hand (a code
identifier, a link to nothing, out of the site or to the quality report, an acronym never spelled out, a missing
anchor). Slow part: the sample release's own `page_checks.json` (the fact the real refresh wrote), the browser
checks on copies of rendered sample pages with a defect injected (an image without alternative, grey text at
1.9:1, a table wider than a phone), and a copy of the sample installation whose new pages fail the check: its
previous pages stay.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pipelines.lib.reports.report_check import (PAGE_CHECKS_FILE, SiteCheck, browser_findings, browser_sample,
                                                 check_site, finding, static_findings)

PAGE = ('<!DOCTYPE html><html lang="fr"><head><title>Page</title></head><body><main id="contenu">'
        '<h1>Vacance des postes</h1>{body}</main></body></html>')


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    site = tmp_path / "site"
    for name, body in pages.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PAGE.format(body=body), encoding="utf-8")
    return site


def _found(result: SiteCheck) -> list[tuple[str, str, str, bool]]:
    return [(f.page, f.check, f.detail, f.blocking) for f in result.findings]


# ------------------------------------------------------------------ static checks (every page, no browser)

def test_a_page_in_plain_french_with_working_links_passes(tmp_path):
    site = _site(tmp_path, {
        "index.html": '<p>Voir <a href="regions/84.html">le profil</a> et <a href="#contenu">le contenu</a>.</p>'
                      '<p><a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/">Licence</a></p>',
        "regions/84.html": '<p><a href="../index.html">Accueil</a>, <a href="../donnees/DICTIONNAIRE.md">données</a>'
                           '</p>'})
    (site / "donnees").mkdir()
    (site / "donnees" / "DICTIONNAIRE.md").write_text("x", encoding="utf-8")
    result = check_site(site, browser=False)
    assert result.pages == ["index.html", "regions/84.html"]
    assert result.findings == [] and result.blocking == []


def test_each_static_defect_is_found_and_what_must_block_blocks(tmp_path):
    site = _site(tmp_path, {
        "index.html": '<p>Voir le mart ptsm_overview.</p>',
        "01_a.html": '<p><a href="02_absent.html">la suite</a> et <a href="#ailleurs">plus bas</a>.</p>',
        "02_b.html": '<p><a href="../../manifest.json">le manifeste</a>, <a href="donnees/quality_report.csv">'
                     'la qualité</a>.</p><img src="graphique.png" alt="Graphique">',
        "03_c.html": '<p>Chaque ARS suit ses PTSM.</p>',
    })
    (site / "donnees").mkdir()
    (site / "donnees" / "quality_report.csv").write_text("x", encoding="utf-8")
    result = check_site(site, browser=False)
    assert _found(result) == [
        ("01_a.html", "broken_link", "02_absent.html", True),
        ("01_a.html", "broken_link", "#ailleurs (ancre absente de la page)", True),
        ("02_b.html", "broken_link", "../../manifest.json (sort du site)", True),
        ("02_b.html", "internal_file", "donnees/quality_report.csv", True),
        ("02_b.html", "broken_link", "graphique.png", True),
        ("03_c.html", "acronym", "ARS", False),
        ("03_c.html", "acronym", "PTSM", False),
        ("index.html", "internal_name", "« Page Vacance des postes Voir le mart ptsm_overview. »", True),
    ]
    assert [f.page for f in result.warnings] == ["03_c.html", "03_c.html"]  # an acronym warns, never blocks
    message = result.failure_message()
    assert message.splitlines()[0] == (
        "Pages refusées (6 problème(s) bloquant(s)), la publication précédente des pages reste en place : "
        "01_a.html : lien cassé — 02_absent.html")
    assert message.splitlines()[-1] == ("  - index.html : nom interne du code visible — « Page Vacance des postes Voir "
                                        "le mart ptsm_overview. »")


def test_a_raw_cell_output_blocks(tmp_path):
    site = _site(tmp_path, {"01_a.html": '<div class="jp-RenderedText jp-OutputArea-output" '
                                         'data-mime-type="text/plain"><pre>1</pre></div>'})
    assert _found(check_site(site, browser=False)) == [("01_a.html", "stray_output", "1 sortie(s)", True)]


def test_axe_impacts_serious_and_critical_block_the_others_warn():
    assert [finding("p.html", "accessibility", "x", impact=i).blocking
            for i in ("critical", "serious", "moderate", "minor", None)] == [True, True, False, False, False]
    assert finding("p.html", "reflow", "x").blocking and not finding("p.html", "print_fit", "x").blocking
    assert not finding("p.html", "chart_text", "x").blocking and not finding("p.html", "toolbar", "x").blocking


def test_the_browser_sample_is_every_report_and_the_longest_and_shortest_reviews_and_profiles(tmp_path):
    reviews = {f"ptsm/PTSM-{i:03d}.html": "<p>x</p>" * (i % 7 + 1) for i in range(1, 11)}
    profiles = {f"regions/{code}.html": "<p>x</p>" * n for code, n in (("01", 3), ("02", 5), ("03", 1), ("04", 4))}
    site = _site(tmp_path, {"index.html": "", "01_a.html": "", **profiles, **reviews})
    picked = [p.relative_to(site).as_posix() for p in browser_sample(site, sorted(site.rglob("*.html")))]
    # reviews: i % 7 + 1 paragraphs each, the longest is i = 6 (7 paragraphs), the shortest i = 7 (1); profiles: the
    # longest 02 (5 paragraphs), the shortest 03 (1)
    assert picked == ["01_a.html", "index.html", "ptsm/PTSM-006.html", "ptsm/PTSM-007.html", "regions/02.html",
                      "regions/03.html"]


def test_the_fact_says_what_was_checked_and_what_blocks(tmp_path):
    from pipelines.lib.reports.report_check import write_fact

    site = _site(tmp_path, {"index.html": "<p>Voir REGION.</p>"})
    result = check_site(site, browser=False)
    fact = json.loads(write_fact(site, result).read_text(encoding="utf-8"))
    assert fact["passed"] is False and fact["pages_checked"] == 1 and fact["pages_checked_in_browser"] == 0
    assert fact["blocking"] == [{"page": "index.html", "check": "internal_name",
                                 "message": "index.html : nom interne du code visible — « Page Vacance des "
                                            "postes Voir REGION. »"}]
    assert "accessibility:serious" in fact["blocking_checks"] and "acronym" not in fact["blocking_checks"]


def test_the_release_step_refuses_on_the_text_before_opening_a_browser_or_printing(tmp_path):
    # the release's step (print_first): a page whose text is refused is neither opened in the browser nor printed,
    # and neither is any other page of the set; links to the PDFs the step would print are not counted as broken
    site = _site(tmp_path, {"01_a.html": '<p><a href="01_a.pdf">Version PDF</a> ; voir le mart ptsm_overview.</p>',
                            "02_b.html": '<p><a href="02_b.pdf">Version PDF</a></p>',
                            "index.html": '<p><a href="01_a.html">Premier rapport</a></p>'})
    result = check_site(site, print_first=True)
    assert _found(result) == [
        ("01_a.html", "internal_name", "« Page Vacance des postes Version PDF ; voir le mart ptsm_overview. »", True)]
    assert result.browser_pages == [] and sorted(p.name for p in site.iterdir()) == ["01_a.html", "02_b.html",
                                                                                     "index.html"]
    assert result.browser_skipped == ("contrôles dans le navigateur et PDF non faits : des pages sont déjà refusées "
                                      "sur leur texte")


# ------------------------------------------------------------------ the sample release (slow)

@pytest.mark.slow
def test_the_sample_release_s_pages_passed_the_check_it_ran(sample_site):
    """The fact the real refresh wrote: every page of the site checked, the reports, the home page and a sample of
    the profiles and reviews in the browser, nothing blocking."""
    fact = json.loads((sample_site / PAGE_CHECKS_FILE).read_text(encoding="utf-8"))
    pages = sorted(sample_site.rglob("*.html"))
    assert fact["pages_checked"] == len(pages) == 1 + 6 + 18 + 104
    assert fact["pages_checked_in_browser"] == 1 + 6 + 2 + 2 and fact["browser_skipped"] is None
    assert fact["passed"] is True and fact["blocking"] == []


def _copy(sample_site: Path, tmp_path: Path) -> Path:
    """The whole sample site (a profile links its PDF and its PTSM's reviews). Its `donnees/` holds relative links
    into the release (`../../ptsm_overview.csv`): copied as links they would dangle outside the release, so the
    copy holds the files they point to."""
    return Path(shutil.copytree(os.path.realpath(sample_site), tmp_path / "site", symlinks=False))


def _inject(page: Path, html: str) -> None:
    text = page.read_text(encoding="utf-8")
    at = text.index("</main>")
    page.write_text(text[:at] + html + text[at:], encoding="utf-8")


@pytest.mark.slow
def test_a_rendered_page_with_a_defect_fails_the_check(sample_site, tmp_path, browser, tab):
    site = _copy(sample_site, tmp_path)
    profile = site / "regions" / "84.html"
    assert [f for f in browser_findings(browser, site, profile, tab=tab) if f.blocking] == []  # as published
    _inject(profile, '<p>Voir la colonne plan_received du mart ptsm_overview et <a href="donnees/x.csv">x</a>.</p>'
                     '<img src="../plotly-fr.min.js" width="40" height="40">'
                     '<p style="color:#bbbbbb">texte grisé</p>'
                     '<table style="width:900px"><caption>Large</caption><tr><th>a</th></tr></table>')
    static = [(f.check, f.blocking) for f in static_findings(site, profile)]
    assert static == [("internal_name", True), ("internal_name", True), ("broken_link", True)]  # 2 identifiers
    result = check_site(site, only=[profile], chromium=browser)  # the changed page opened once, in the browser
    assert result.browser_pages == ["regions/84.html"]
    assert [(f.check, f.blocking) for f in result.findings][:3] == static  # the text's findings, then the browser's
    axe = {f.detail.split(" ")[0]: f.blocking for f in result.findings if f.check == "accessibility"}
    assert axe == {"color-contrast": True, "image-alt": True}  # both serious or critical for axe-core
    reflow = [f for f in result.findings if f.check == "reflow"]
    assert len(reflow) == 1 and reflow[0].blocking and "table" in reflow[0].detail
    assert {f.check for f in result.blocking} == {"internal_name", "broken_link", "accessibility", "reflow"}
    assert result.failure_message().startswith("Pages refusées (")
    assert "regions/84.html : nom interne du code visible" in result.failure_message()


# ------------------------------------------------------------------ a refresh whose pages fail (slow)

def _notebook(folder: Path, text: str) -> Path:
    import nbformat

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Rapport d'essai\n\n{text}")]
    nbformat.write(nb, folder / "01_essai.ipynb")
    return folder


@pytest.mark.slow
def test_a_refresh_whose_pages_fail_the_check_leaves_the_previous_pages(sample_release, tmp_path):
    """The previous publication is a copy of the sample installation, whose pages (reports, profiles, reviews and
    their PDFs) its own refresh rendered and checked; the reports step then renders a page naming code identifiers:
    refused, and every page and PDF shown before is still shown, byte for byte."""
    from pipeline_runner import files_under, render_reports

    root = Path(shutil.copytree(sample_release.root, tmp_path / "site", symlinks=True))  # relative links stay valid
    marts, reports, pdfs = root / "marts", root / "reports", root / "bilans"
    shown, pages, printed = os.path.realpath(reports), files_under(reports), files_under(pdfs)
    assert "00_synthese.html" in pages and "ptsm/PTSM-35.html" in pages and "PTSM-35.pdf" in printed

    # in this process: a refusal needs no process of its own
    rendered, failures = render_reports(marts, reports, _notebook(tmp_path / "notebooks",
                                                                  "Voir la colonne plan_received du mart ptsm_overview."))
    assert not rendered
    assert "Pages refusées (" in failures  # one finding per identifier: plan_received, ptsm_overview...
    assert ("bloquant(s)), la publication précédente des pages reste en place : 01_essai.html : nom interne du code "
            "visible — « ") in failures and "plan_received du mart ptsm_overview" in failures
    assert os.path.realpath(reports) == shown  # the pages of the sample's refresh, still shown
    assert files_under(reports) == pages and files_under(pdfs) == printed  # every page and review PDF, byte for byte
    assert not list(Path(os.path.realpath(marts)).glob(".reports-tmp-*"))  # the refused pages are gone
    assert sorted(p.name for p in root.glob(".bilans-*")) == []  # and the PDFs printed for them


@pytest.mark.slow
def test_a_box_that_scrolls_on_a_phone_takes_a_tab_stop_only_while_it_scrolls(tmp_path, browser):
    """axe-core's serious `scrollable-region-focusable`, found by the page check at 390 px on every page: without the
    script a wide table's scrolling box fails it; with it the box is reachable at 390 px, and no stop is added at
    1400 px where nothing scrolls."""
    from pipelines.lib.reports.notebooks import SCROLL_FOCUS_SCRIPT
    from pipelines.lib.reports.report_check import check_page

    table = ('<figure aria-label="Tableau 1 – Postes par région"><div class="ptsm-table-wrap" style="overflow-x:auto">'
             '<table style="width:900px"><caption>Postes</caption><tr><th>Région</th></tr><tr><td>Corse</td></tr>'
             '</table></div></figure>')
    bare, scripted = tmp_path / "bare.html", tmp_path / "scripted.html"
    bare.write_text(PAGE.format(body=table), encoding="utf-8")
    scripted.write_text(PAGE.format(body=table).replace("</body>", SCROLL_FOCUS_SCRIPT + "</body>"), encoding="utf-8")
    assert "scrollable-region-focusable" in {v["id"] for v in check_page(browser, bare, 390, accessibility=True)
                                              .accessibility}
    assert check_page(browser, scripted, 390, accessibility=True).accessibility == []
    stops = {}
    for width in (390, 1400):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto(scripted.resolve().as_uri())
        page.wait_for_timeout(400)
        stops[width] = page.evaluate("() => [...document.querySelectorAll('[tabindex]')].map(e => "
                                     "[e.className, e.getAttribute('role'), e.getAttribute('aria-label')])")
        page.close()
    assert stops == {390: [["ptsm-table-wrap", "region", "Tableau 1 – Postes par région"]], 1400: []}


def test_the_page_checks_doc_is_what_the_code_runs():
    # fix with `uv run python -m pipelines.lib.reports.report_check --write-doc`
    from pipelines.lib.reports.report_check import PAGE_CHECKS_DOC, page_checks_doc

    text = PAGE_CHECKS_DOC.read_text(encoding="utf-8")
    assert "<!-- generated: page_checks -->\n| message" in text
    assert page_checks_doc(text) == text


def test_every_check_reads_the_html_or_the_browser_and_the_static_ones_are_those_the_html_gives(tmp_path):
    from pipelines.lib.reports.report_check import BLOCKING_CHECKS, BROWSER_CHECKS, CHECK_LABELS, STATIC_CHECKS

    assert STATIC_CHECKS | BROWSER_CHECKS == set(CHECK_LABELS) and not STATIC_CHECKS & BROWSER_CHECKS
    assert BLOCKING_CHECKS <= set(CHECK_LABELS)
    page = tmp_path / "page.html"  # one of each defect the HTML shows (the doc says these are read on every page)
    page.write_text('<!doctype html><html lang="fr"><head><title>t</title></head><body><main>'
                    "<p>Voir le mart ptsm_overview ; 3313 actions ; 1640908800000 ; l'ARS.</p>"
                    '<a href="absent.html">lien</a><a href="quality_report.csv">qualité</a>'
                    '<div class="jp-OutputArea-output"><pre>Out[3]: 42</pre></div></main></body></html>',
                    encoding="utf-8")
    found = {f.check for f in static_findings(tmp_path, page)}
    assert {"internal_name", "number_format", "timestamp_number", "acronym", "broken_link"} <= found <= STATIC_CHECKS


@pytest.mark.slow
def test_text_pushed_past_the_page_s_column_at_1400_px_is_refused_from_the_phone_s_load(tmp_path, browser):
    """Seen on every PTSM review at 1400 px (the funding facts' grid pushed the amounts past the column), invisible at
    390 px where the layout is one column: the release's browser check widens each page it opened to 1400 px on the
    same load and refuses text past the main column (`column_overflow`); a table that scrolls in its box is fine."""
    from pipelines.lib.reports.report_check import browser_findings

    label = ("Groupe ARS (FIR (fonds d'intervention régional), DAF (dotation annuelle de financement), autres crédits "
             "ARS, appels à projets nationaux) ") * 2
    body = ("<dl style='display:grid;grid-template-columns:{};gap:4px 16px'><dt>" + label + "</dt><dd>751 500 €</dd>"
            "</dl><div style='overflow-x:auto'><table style='width:2000px'><caption>Tableau</caption><tr><td>défile</td>"
            "</tr></table></div>")
    for name, columns in (("pushed", "max-content 1fr"), ("capped", "fit-content(45%) 1fr")):
        (tmp_path / f"{name}.html").write_text(PAGE.format(body=body.format(columns)).replace(
            "<main", "<main style='max-width:1100px;margin:0 auto'"), encoding="utf-8")
    pushed = [f for f in browser_findings(browser, tmp_path, tmp_path / "pushed.html") if f.check == "column_overflow"]
    assert [(f.page, f.blocking) for f in pushed] == [("pushed.html", True)] and "751 500 €" in pushed[0].detail
    assert [f.check for f in browser_findings(browser, tmp_path, tmp_path / "capped.html")
            if f.check == "column_overflow"] == []
