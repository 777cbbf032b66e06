"""The release's page check loads each sampled page once for all its checks and its PDF, in one tab per browser
session (issue 24's speed target): a defect seen only at 390 px, or only in print, is still reported; an event is
charged to the page it came from, never to the next page the same tab opens; and the PDF printed from the shared load
has the pages a fresh load prints.

Hand-made pages, each defect written out, plus the sample release's own PDFs (printed by its page check from the
shared load) against fresh prints; the browser is the real Chromium (report_check.launch).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from pipelines.lib.reports.report_check import Tab, browser_findings, check_site, print_pdf, printed_pages

pytestmark = pytest.mark.slow

PAGE = ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Rapport {n}</title>'
        '<style>@page {{ size: A4; }} {css}</style>'
        '</head><body><main id="contenu"><h1>Rapport {n}</h1><p>Texte du rapport {n}.</p>{body}</main></body></html>')


def _site(tmp_path: Path, pages: dict[str, tuple[str, str]]) -> Path:
    """Pages named `NN_x.html` (each printed and opened in the browser), from (css, body)."""
    site = tmp_path / "site"
    site.mkdir()
    for n, (name, (css, body)) in enumerate(pages.items(), start=1):
        (site / name).write_text(PAGE.format(n=n, css=css, body=body), encoding="utf-8")
    return site


def _found(result) -> list[tuple[str, str, bool]]:
    return [(f.page, f.check, f.blocking) for f in result.findings]


# a block 520 px wide below 600 px of window only: sticks out of a 390 px phone, not of the 703 px A4 column
PHONE_ONLY = ("@media screen and (max-width: 599px) { .large { width: 520px; } }", '<div class="large">Bloc</div>')
# a table 1200 px wide in print only: fits every screen (100 %), not the A4 column
PRINT_ONLY = ("table { width: 100%; } @media print { table { width: 1200px; } }",
              "<table><caption>Tableau</caption><tr><th>Région</th><td>12</td></tr></table>")


def test_a_page_too_wide_only_on_a_phone_is_refused_and_still_printed_whole(tmp_path, browser):
    site = _site(tmp_path, {"01_a.html": PHONE_ONLY, "02_b.html": ("", "")})
    # the release's pool of browser sessions (one session: both pages in its one tab), then the caller's browser
    for result in (check_site(site, workers=1, print_first=True), check_site(site, chromium=browser, print_first=True)):
        assert _found(result) == [("01_a.html", "reflow", True)]
        assert "div.large" in result.findings[0].detail
        # printed from the same load, after the 390 px checks: A4, one page, nothing of the phone's layout kept
        assert [len(PdfReader(site / pdf).pages) for pdf in ("01_a.pdf", "02_b.pdf")] == [1, 1]
        box = PdfReader(site / "01_a.pdf").pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_a_page_too_wide_only_in_print_is_reported_after_its_phone_checks(tmp_path, browser):
    site = _site(tmp_path, {"01_a.html": PRINT_ONLY, "02_b.html": PHONE_ONLY})
    result = check_site(site, workers=1, print_first=True)  # the pool's one session: the phone-only page second
    assert _found(result) == [("01_a.html", "print_fit", False), ("02_b.html", "reflow", True)]
    assert result.findings[0].detail.startswith("table.")
    assert _found(check_site(site, chromium=browser, print_first=True)) == _found(result)


def test_each_page_s_errors_and_requests_stay_with_it_in_a_shared_tab(tmp_path, browser):
    # one tab opens the four pages in site order: 01 throws and asks the web; 02 logs an error at each resize of its
    # window: in its own check (390 px, then 1400 px since it has no chart, then the A4 column), once more when the tab
    # is resized for 03, a late event of a page already checked that must not be charged to 03; 03 and 04 are clean
    site = _site(tmp_path, {
        "01_a.html": ("", '<script>throw new Error("boum")</script><img alt="logo" src="https://example.org/l.png">'),
        "02_b.html": ("", "<script>addEventListener('resize', () => console.error('fenêtre de ' + innerWidth))"
                          "</script>"),
        "03_c.html": ("", ""), "04_d.html": ("", "")})

    def found(tab=None) -> dict[str, list[tuple[str, str]]]:
        # the order of an image's failure and a script's error within one page is the browser's: compared sorted;
        # 02's resize to 1400 px is followed at once by the one to the A4 column, and the browser may fire one resize
        # event for both: its 1400 px error, when there is one, is not counted
        return {p.name: sorted((f.check, f.detail) for f in browser_findings(browser, site, p, tab=tab)
                               if f.detail != "fenêtre de 1400")
                for p in sorted(site.glob("*.html"))}

    tab = Tab(browser)
    try:
        shared = found(tab)
    finally:
        tab.close()
    assert shared == {
        "01_a.html": [("outside_request", "https://example.org/l.png"), ("page_error", "Failed to load resource: "
                                                                                      "net::ERR_FAILED"),
                      ("page_error", "boum")],
        "02_b.html": [("page_error", "fenêtre de 703")], "03_c.html": [], "04_d.html": []}
    assert found() == shared  # the same, each page in a context of its own (as before the shared tab)


def test_a_tab_left_in_print_media_opens_the_next_page_on_screen(tmp_path, browser):
    # 01 is printed (print media emulated in the tab), then 02 is checked in the same tab: at 390 px on screen its
    # phone-only block must stick out, as in a fresh context
    site = _site(tmp_path, {"01_a.html": ("", ""), "02_b.html": PHONE_ONLY})
    tab = Tab(browser)
    try:
        print_pdf(browser, site / "01_a.html", tmp_path / "01_a.pdf", tab=tab)
        assert [f.check for f in browser_findings(browser, site, site / "02_b.html", tab=tab)] == ["reflow"]
    finally:
        tab.close()


def test_the_release_s_pdfs_printed_from_the_shared_load_have_the_pages_of_a_fresh_print(sample_site, tmp_path,
                                                                                           browser):
    """The sample release's page check printed each sampled report and profile from the load it checked at 390 px
    (then resized to the A4 column): a fresh load printed alone gives the same number of pages, and the same text on
    each page. By default one report and one profile of them (a fresh print and its text cost ~3 s of CPU a page);
    every one with the long budgets."""
    import json

    import budget
    from pipelines.lib.reports.report_check import PAGE_CHECKS_FILE

    opened = set(json.loads((sample_site / PAGE_CHECKS_FILE).read_text(encoding="utf-8"))["browser_pages"])
    shared = [p for p in printed_pages(sample_site) if p.relative_to(sample_site).as_posix() in opened]
    assert len(shared) >= 6 + 2  # every numbered report and at least the longest and shortest profiles
    if not budget.LONG:  # report 03 (a representative page, tests/budget.py) and the first profile printed
        shared = [next(p for p in shared if p.name == "03_couverture_priorites_publics.html"),
                  next(p for p in shared if p.parent.name == "regions")]
    for page in shared:
        fresh = print_pdf(browser, page, tmp_path / f"{page.parent.name}-{page.stem}.pdf")
        released, alone = PdfReader(page.with_suffix(".pdf")), PdfReader(fresh)
        assert len(released.pages) == len(alone.pages), page.name
        assert [p.extract_text() for p in released.pages] == [p.extract_text() for p in alone.pages], page.name
