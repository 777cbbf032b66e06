"""The PTSM reviews looked at the way a reader does: reviews of the synthetic sample (four of
different shapes; all 104 with `--long`) opened in ONE headless Chromium with the network cut, at 1400 and 390 px (no
console error, no request leaving the folder, no overlapping text, no page wider than the screen, lang="fr", one h1,
every table captioned), and printed to A4 PDF. First, the check is shown able to fail on a hand-made bad page."""

from __future__ import annotations

from pathlib import Path

import pytest

import budget
from pipelines.lib.reviews.printing import BackgroundPrinter
from pipelines.lib.reviews.ptsm_reviews import REVIEWS_DIR
from pipelines.lib.reviews.review_check import WIDTHS, check_review

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_reviews(sample_site) -> list[Path]:
    """Every review of the committed sample, as the session's one sample refresh rendered them (conftest)."""
    return sorted((sample_site / REVIEWS_DIR).glob("PTSM-*.html"))


# Without the long budgets (tests/budget.py), the browser reads the reviews that differ in shape, not all 104: three
# workbooks (PTSM-35), one workbook and vacancy periods (PTSM-08), the data-quality table (PTSM-29), and the longest
# page. `--long` reads every review.
VARIED_REVIEWS = ("PTSM-35", "PTSM-08", "PTSM-29")


def _read_by_browser(reviews: list[Path]) -> list[Path]:
    if budget.LONG:
        return reviews
    longest = max(reviews, key=lambda p: p.stat().st_size)
    return [p for p in reviews if p.stem in VARIED_REVIEWS or p == longest]


def test_the_check_can_fail(tmp_path, browser):
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><h1>Bilan</h1>"
        '<p style="position:absolute;top:400px;left:10px">Texte A</p>'
        '<p style="position:absolute;top:400px;left:10px">Texte B</p>'
        '<table style="width:2000px"><tr><td>trop large</td></tr></table>'
        '<img src="https://example.org/pixel.png" alt="">'
        "</body></html>", encoding="utf-8")
    check = check_review(browser, page, 390)
    assert check.overlaps == ["Texte A | Texte B"]
    assert check.overflow
    assert check.outside_requests == ["https://example.org/pixel.png"]
    assert check.structure == ["lang=None", "1 tableaux sans légende"]
    assert not check.ok


def test_text_pushed_past_the_main_column_is_found(tmp_path, browser):
    """Seen on every sample review at 1400 px: the funding facts (a grid `max-content 1fr`) gave the long label
    "Groupe ARS (FIR …, DAF …, autres crédits ARS, appels à projets nationaux)" its whole width and pushed the amounts
    into a column of a few words, past the right edge of the page's column. The check finds such text, not text in a
    box that scrolls; the template's grid now caps the label column (`fit-content(45%)`)."""
    label = ("Groupe ARS (FIR (fonds d'intervention régional), DAF (dotation annuelle de financement), autres crédits "
             "ARS, appels à projets nationaux) ") * 2  # a label as long as the column: the amount has no room left
    facts = f"<dl style='display:grid;grid-template-columns:{{}};gap:4px 16px'><dt>{label}</dt><dd>751 500 €</dd></dl>"
    page = ('<html lang="fr"><body><main style="max-width:1100px;margin:0 auto">{}'
            '<div style="overflow-x:auto"><table style="width:2000px"><caption>t</caption><tr><td>défile</td></tr>'
            "</table></div></main></body></html>")
    pushed, capped = tmp_path / "pushed.html", tmp_path / "capped.html"
    pushed.write_text(page.format(facts.format("max-content 1fr")), encoding="utf-8")
    capped.write_text(page.format(facts.format("fit-content(45%) 1fr")), encoding="utf-8")
    assert "751 500 €" in check_review(browser, pushed, 1400).escaped
    assert check_review(browser, capped, 1400).escaped == []  # the wide table scrolls in its box: not counted


def test_every_sample_review_reads_well_at_both_widths_in_one_browser(sample_reviews, browser):
    assert len(sample_reviews) == 104
    for page in sample_reviews:
        assert "Données SYNTHÉTIQUES" in page.read_text(encoding="utf-8")  # the synthetic mark on every page
    read = _read_by_browser(sample_reviews)
    assert set(VARIED_REVIEWS) <= {p.stem for p in read}
    problems = {}
    for page in read:
        for width in WIDTHS:
            check = check_review(browser, page, width)
            if not check.ok:
                problems[f"{page.stem}@{width}"] = check.problems()
    assert problems == {}


def test_sample_reviews_print_to_a4_pdf(sample_reviews, tmp_path):
    # in a thread of its own, as the refresh prints: this module's browser holds Playwright's loop in this thread
    pdfs = BackgroundPrinter(sample_reviews[:3], tmp_path / "bilans").result()
    assert [p.name for p in pdfs] == [f"{p.stem}.pdf" for p in sample_reviews[:3]]
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and b"/MediaBox [0 0 594.95996 841.91998]" in data  # A4 in points


def test_the_refresh_s_pdfs_replace_the_previous_set_whole(sample_reviews, tmp_path):
    out = tmp_path / "bilans"
    out.mkdir()
    (out / "PTSM-99.pdf").write_bytes(b"%PDF- an old release's")  # a PTSM of the previous set only
    printer = BackgroundPrinter(sample_reviews[:2], out)
    printer.result()
    assert sorted(p.name for p in out.iterdir()) == ["PTSM-99.pdf"]  # printed, not yet published
    assert [p.name for p in printer.publish()] == [f"{p.stem}.pdf" for p in sample_reviews[:2]]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{p.stem}.pdf" for p in sample_reviews[:2])
    assert [p.name for p in tmp_path.iterdir()] == ["bilans"]  # no staging folder left beside it


def test_a_discarded_set_leaves_the_previous_pdfs(sample_reviews, tmp_path):
    out = tmp_path / "bilans"
    out.mkdir()
    (out / "PTSM-99.pdf").write_bytes(b"%PDF- the release still shown")
    BackgroundPrinter(sample_reviews[:1], out).discard()  # a notebook failed: these pages will not be shown
    assert [p.name for p in tmp_path.iterdir()] == ["bilans"] and [p.name for p in out.iterdir()] == ["PTSM-99.pdf"]


def test_a_discarded_set_stops_printing_instead_of_finishing_it(sample_reviews, tmp_path):
    # a refused release discards its reviews' PDFs: the printer stops at the next page instead of printing all 104
    # first (a refused refresh then ends in seconds); the PDFs of the release still shown stay
    out = tmp_path / "bilans"
    out.mkdir()
    (out / "PTSM-99.pdf").write_bytes(b"%PDF- the release still shown")
    printer = BackgroundPrinter(sample_reviews, out)
    printer.discard()
    assert len(printer.printed) < len(sample_reviews) == 104
    assert [p.name for p in tmp_path.iterdir()] == ["bilans"] and [p.name for p in out.iterdir()] == ["PTSM-99.pdf"]


def test_a_failed_print_fails_the_step(tmp_path):
    printer = BackgroundPrinter([tmp_path / "absent.html"], tmp_path / "bilans")
    with pytest.raises(Exception):
        printer.result()
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing published, no staging folder left
