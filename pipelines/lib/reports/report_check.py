"""Look at the rendered reports the way a reader does: headless Chromium, network cut, two widths.

Used by `tests/test_reports_render.py` and by hand to make the screenshots a review needs:

    uv run python -m pipelines.lib.reports.report_check data/reports --screenshots /tmp/shots

prints, per report and regional profile (`regions/`) and per width (1400, 1000 and 390 px), console errors, requests
that tried to leave the folder, charts not drawn, pairs of overlapping texts within one chart, texts cut at a chart's
edge, anything sticking out of the window sideways, toolbars left in English or linking to Plotly's site, axe-core's
WCAG 2.1 A/AA violations (RGAA 4.1's automatable part, at the first width) and, in print media at the A4 column's
width, any chart, legend or table wider than the printed page; writes full-page screenshots (`<report>-<width>.png`)
plus one per figure (`<report>-<width>-figNN.png`). `print_pdfs` prints the release's A4 PDFs. Exit status 1 when
anything is wrong. Uses Debian's /usr/bin/chromium (never a downloaded browser).

`check_site` is the same inspection run by every release on its new pages before they are shown (static checks on
every page, the browser's on a fixed sample; which findings block and which warn: `BLOCKING_CHECKS`), recorded
in the release's `page_checks.json`; the PTSM reviews' checker (pipelines/lib/reviews/review_check.py) opens its
pages with `open_offline` too.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# Plotly's English toolbar titles; one of them on a page means the French locale or our config did not apply.
# "Share chart..." uploads the chart to Plotly Cloud (plotly.js 3 shows it unless `showSendToCloud` is off).
ENGLISH_TOOLBAR = ("Download plot as a png", "Download plot as a PNG", "Download plot", "Share chart...",
                   "Zoom in", "Zoom out", "Autoscale", "Reset axes", "Pan", "Box Select", "Lasso Select",
                   "Produced with Plotly.js", "Edit in Chart Studio", "Reset view")
WIDTHS = (1400, 1000, 390)  # desktop, laptop, phone (issue 21 §3)
# axe-core's rules of the automatable part of RGAA 4.1 (the French public sector's legal standard): WCAG 2.1 A and AA
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Runs in the page: every Plotly chart, whether it drew its traces, and the overlapping pairs of visible texts
# (tick labels, axis and legend titles, legend entries, bar labels, annotations; hover labels excluded).
INSPECT_JS = """
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
    // a text cut at the chart's edge: its box leaves the chart's own drawing (the root svg)
    const frame = gd.querySelector('.main-svg').getBoundingClientRect();
    const cut = boxes.filter(b => b.r.left < frame.left - 1 || b.r.right > frame.right + 1).map(b => b.text);
    const toolbar = [...gd.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title') || '');
    const links = [...gd.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
    return {index: i, drawn, texts: boxes.length, overlaps, cut, toolbar, links};
  });
}
"""


# Runs in the page: what sticks out of the window sideways (the reader would have to scroll the whole page). Inside a
# box that scrolls on its own (a wide table's wrapper) is fine; the charts are checked by INSPECT_JS.
OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
      const o = getComputedStyle(n).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.ptsm-skip, .hoverlayer, .modebar-container')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // wholly left of the page (Plotly's measuring svg at -10000 px) makes no one scroll
    if ((r.right > width + 1 || (r.left < -1 && r.right > 0)) && !scrolls(el)) {
      out.push(`${el.tagName.toLowerCase()}.${String(el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className).split(' ')[0]} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 20)};
}
"""

# Runs in the page at a desktop width: texts past the right edge of the page's main column (a grid column pushed out
# by its neighbour's long label, seen on every PTSM review at 1400 px), unless in a box that scrolls sideways or in a
# closed <details>. A phone shows none of it (its layouts fall to one column): hence a second width on the same load.
ESCAPE_JS = """
() => {
  const main = document.querySelector('main');
  if (!main) return [];
  const edge = main.getBoundingClientRect().right;
  const hidden = (el) => {
    for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(n).overflowX)) return true;
      if (n.tagName === 'DETAILS' && !n.open) return true;
    }
    return false;
  };
  return [...main.querySelectorAll('h1,h2,h3,p,li,dt,dd,th,td,caption,a,code,strong')]
    .filter(el => el.textContent.trim() !== '' && !hidden(el)
                  && [...el.getClientRects()].some(r => r.right > edge + 1))
    .map(el => el.textContent.trim().slice(0, 40)).slice(0, 20);
}
"""

# Runs in the page in print media: the boxes of charts, legends and tables wider than the printed column.
PRINT_FIT_JS = """
(width) => {
  const out = [];
  const sel = 'figure, .js-plotly-plot, .main-svg, .legend, table, .ptsm-table-wrap, img, h1, h2, p';
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('.modebar-container, .hoverlayer')) continue;
    const st = getComputedStyle(el);
    if (st.display === 'none') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > width + 1 || r.left < -1) {
      const cls = String(el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className).split(' ')[0];
      out.push(`${el.tagName.toLowerCase()}.${cls} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  return out;
}
"""


@dataclass
class PageCheck:
    report: str
    width: int
    errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)
    accessibility: list[dict] = field(default_factory=list)
    print_unfit: list[str] = field(default_factory=list)  # boxes wider than the A4 column (`check_page(print_fit=)`)
    escaped: list[str] = field(default_factory=list)  # texts past the main column at 1400 px (`check_page(desktop=)`)

    @property
    def cut(self) -> dict[int, list[str]]:
        """Per chart, its texts cut at the chart's edge."""
        return {c["index"]: c["cut"] for c in self.charts if c.get("cut")}

    @property
    def undrawn(self) -> list[int]:
        return [c["index"] for c in self.charts if c["drawn"] == 0]

    @property
    def overlaps(self) -> dict[int, list[str]]:
        return {c["index"]: c["overlaps"] for c in self.charts if c["overlaps"]}

    @property
    def english_toolbar(self) -> dict[int, list[str]]:
        """Per chart, its English toolbar titles and its links to Plotly's site (logo, cloud)."""
        found = {}
        for c in self.charts:
            bad = [t for t in c.get("toolbar", []) if t in ENGLISH_TOOLBAR]
            bad += [h for h in c.get("links", []) if "plotly.com" in h or "plot.ly" in h]
            if bad:
                found[c["index"]] = bad
        return found

    @property
    def ok(self) -> bool:
        return not (self.errors or self.outside_requests or self.undrawn or self.overlaps or self.english_toolbar
                    or self.cut or self.overflow or self.accessibility or self.escaped)


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it stands: [{id, impact, help, targets}] (the axe.js bundled
    with PyPI's axe-playwright-python, injected into the page: nothing downloaded)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return [{"id": v["id"], "impact": v.get("impact"), "help": v.get("help"),
             "targets": [n["target"] for n in v["nodes"]][:5]} for v in results.response.get("violations", [])]


def open_offline(browser, page_file: Path, width: int, result_errors: list[str], outside: list[str],
                 height: int = 900):
    """`page_file` opened in a new offline context of `browser` at `width` px: every request that is not a local
    file is aborted and noted in `outside`, console errors and page errors go to `result_errors`; a page with Plotly
    charts is returned once they are drawn. The one browser set-up of the page checks (reports, profiles, PTSM
    reviews); the caller closes the context. `Tab` does the same in one tab reused page after page."""
    context = browser.new_context(viewport={"width": width, "height": height}, offline=True)

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: result_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: result_errors.append(str(e)))
    page.goto(Path(page_file).resolve().as_uri())
    _wait_drawn(page, page_file)
    return context, page


def _wait_drawn(page, page_file: Path) -> None:
    """A page with Plotly charts: until they are drawn, then Plotly's responsive relayout after the first drawing."""
    if 'class="plotly-graph-div"' in Path(page_file).read_text(encoding="utf-8"):
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
        page.wait_for_timeout(500)  # Plotly's responsive relayout after the first drawing


class Tab:
    """One offline tab of `browser` that opens page after page, as `open_offline` opens each in a context of its own
    (same viewport, same offline routing, same console and script errors, each noted for the page it came from).

    Why one tab: every report and profile loads the same plotly.js (1.2 MB), and a new context is a new renderer
    process that compiles it again (~1.5-2.5 s of CPU a page with the full 4.8 MB bundle, measured); the same tab's
    renderer keeps it compiled (~0.3 s), whatever the bundle's size. Between pages the tab's print media and viewport
    are reset, and an event is noted for a page only once that page is the tab's document (the main frame's
    navigation to it): a late event of the previous page is not charged to the next."""

    def __init__(self, browser, height: int = 900):
        self.height = height
        self.context = browser.new_context(viewport={"width": WIDTHS[0], "height": height}, offline=True)
        self._next: tuple[list, list] | None = None     # the notes of the page being opened
        self._current: tuple[list, list] | None = None  # the notes of the page that is the tab's document
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("framenavigated", self._navigated)
        self.page.on("console", lambda m: self._note(0, m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self._note(0, str(e)))

    def _navigated(self, frame) -> None:
        if frame.parent_frame is None:  # the main frame: the new page is the tab's document
            self._current = self._next

    def _note(self, which: int, text: str) -> None:
        if self._current is not None:
            self._current[which].append(text)

    def _route(self, r) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            self._note(1, r.request.url)
            r.abort()

    def open(self, page_file: Path, width: int, result_errors: list[str], outside: list[str]):
        """`page_file` as the tab's document at `width` px, screen media, its charts drawn (as `open_offline`)."""
        self._next = self._current = None  # nothing of the previous page is noted from here on
        self.page.emulate_media(media="null")
        self.page.set_viewport_size({"width": width, "height": self.height})
        self._next = (result_errors, outside)
        self.page.goto(Path(page_file).resolve().as_uri())
        _wait_drawn(self.page, page_file)
        return self.page

    def close(self) -> None:
        self.context.close()


def _print_layout(page) -> None:
    """The page as printed: print media, then the charts redrawn for the A4 column by the page's own
    `ptsmPrintLayout` (what `beforeprint` does when a reader prints from the browser)."""
    from pipelines.lib.reports.notebooks import PRINT_CHART_MAX_HEIGHT_PX, PRINT_WIDTH_PX

    page.emulate_media(media="print")
    page.evaluate("([w, h]) => window.ptsmPrintLayout ? window.ptsmPrintLayout(w, h).then(() => true) : false",
                  [PRINT_WIDTH_PX, PRINT_CHART_MAX_HEIGHT_PX])
    page.wait_for_timeout(200)


def check_print(browser, page_file: Path, tab: Tab | None = None) -> list[str]:
    """The boxes (figures, charts, legends, tables, paragraphs) wider than the printed A4 column, in print media. In
    `tab` when given (its next page), else in a context of its own."""
    from pipelines.lib.reports.notebooks import PRINT_WIDTH_PX

    errors: list[str] = []
    if tab is not None:
        context, page = None, tab.open(page_file, PRINT_WIDTH_PX, errors, [])
    else:
        context, page = open_offline(browser, page_file, PRINT_WIDTH_PX, errors, [])
    _print_layout(page)
    out = page.evaluate(PRINT_FIT_JS, PRINT_WIDTH_PX)
    if context is not None:
        context.close()
    return errors + out


def print_pdf(browser, page_file: Path, target: Path, tab: Tab | None = None) -> Path:
    """`page_file` printed to an A4 PDF by Chromium (DevTools Page.printToPDF), charts drawn at the printed width;
    opened in `tab` when given (the release's browser sessions: one tab each), else in a context of its own."""
    from pipelines.lib.reports.notebooks import PRINT_WIDTH_PX

    own = tab is None
    tab = Tab(browser) if own else tab
    try:
        page = tab.open(page_file, PRINT_WIDTH_PX, [], [])
        _print_layout(page)
        return _write_pdf(page, target)
    finally:
        if own:
            tab.close()


def _write_pdf(page, target: Path) -> Path:
    """The page as it stands, laid out for print (`_print_layout`), written to `target` as an A4 PDF."""
    from pipelines.lib.core.files import write_atomic

    pdf = page.pdf(prefer_css_page_size=True, print_background=True, outline=True, tagged=True)
    write_atomic(target, pdf, mode=0o644)
    return target


def printed_pages(reports_dir: Path) -> list[Path]:
    """The pages printed to A4 PDF: every report page and regional profile (the home page is not printed)."""
    from pipelines.lib.reports.notebooks import INDEX_FILE
    from pipelines.lib.reports.site import PROFILES_DIR

    reports_dir = Path(reports_dir)
    pages = [p for p in sorted(reports_dir.glob("*.html")) if p.name != INDEX_FILE]
    return pages + sorted((reports_dir / PROFILES_DIR).glob("*.html"))


def print_pdfs(reports_dir: Path, workers: int | None = None) -> list[Path]:
    """One A4 PDF beside every report page and regional profile of `reports_dir` (`NN_x.pdf`, `regions/<code>.pdf`),
    the files a ministry publishes; the home page is not printed. Pages are printed `workers` at a time
    (`in_browsers`), so that both cores stay busy through each page's fixed pauses. A page that fails to
    print fails the whole set, and the PDFs this call wrote are removed: no partial set is left beside the pages."""
    return _print_and_inspect(printed_pages(reports_dir), [], None, workers)[0]


def _print_and_inspect(printed: list[Path], inspected: list[Path], inspect, workers: int | None):
    """The PDFs of `printed` and `inspect(browser, tab, page, pdf)` of every page of `inspected`, all in one set of
    browser sessions (`in_browsers`), each opening its pages one after the other in one `Tab`, the inspected pages
    first (the longer jobs: axe-core). A page both inspected and printed is loaded once: `inspect` prints it to `pdf`
    from that load (`check_page(pdf=)`; None for a page not printed). Returns (the PDFs in the order of `printed`,
    the inspections in the order of `inspected`); on any error the PDFs written are removed before it is re-raised."""
    written: list[Path] = []  # appended by the workers' threads (list.append is atomic)
    to_print = set(printed)
    tabs: dict[int, Tab] = {}  # per browser, its one tab (each worker thread has its own browser)

    def work(browser, job: tuple[str, Path]):
        kind, page_file = job
        tab = tabs.get(id(browser)) or tabs.setdefault(id(browser), Tab(browser))
        pdf = page_file.with_suffix(".pdf") if page_file in to_print else None
        if kind == "inspect":
            found = inspect(browser, tab, page_file, pdf)
            if pdf is not None:
                written.append(pdf)
            return found
        written.append(print_pdf(browser, page_file, pdf, tab=tab))
        return pdf

    jobs = [("inspect", p) for p in inspected] + [("print", p) for p in printed if p not in set(inspected)]
    try:
        results = in_browsers(jobs, work, workers)
    except BaseException:
        for pdf in written:
            pdf.unlink(missing_ok=True)
        raise
    return [p.with_suffix(".pdf") for p in printed], results[:len(inspected)]


# Browser sessions at once for the release's PDFs and page check. Each page has fixed pauses (Plotly's responsive
# relayout and print layout, ~1 s a checked page) that one session alone would spend idle; four sessions keep 2 cores
# busy through them without the memory of many Chromiums (~150 MB each). Each session opens its pages in one tab
# (`Tab`): plotly.js is compiled once per session instead of once per page (measured: a fresh context 1.5-2.5 s of
# CPU a page before drawing anything, the same tab ~0.3 s).
BROWSER_WORKERS = 4


def in_browsers(items: list, work, workers: int | None = None) -> list:
    """`work(browser, item)` for every item, `workers` at a time, each worker a thread with its own Playwright and
    Chromium (Playwright's sync API belongs to the thread that started it: one instance per thread), taking the next
    item when free (`core.sessions.in_sessions`). Returns the results in the order of `items` whatever order they end
    in, so what is recorded does not depend on timing. The first error stops the workers from taking new items; it is
    re-raised, naming its item, once every browser is closed."""
    from contextlib import contextmanager

    from playwright.sync_api import sync_playwright

    from pipelines.lib.core.sessions import in_sessions

    try:  # imported lazily by axe_violations: once here, not by the workers at once (see notebooks.import_renderers)
        import axe_playwright_python.sync_playwright  # noqa: F401
    except ImportError:  # a production install without the dev tools: the page check says so where it runs axe
        pass

    @contextmanager
    def browser():
        with sync_playwright() as playwright:
            instance = launch(playwright)
            try:
                yield instance
            finally:
                instance.close()

    return in_sessions(items, browser, work, workers or BROWSER_WORKERS, "ptsm-browser",
                       lambda item: f"page : {item[-1] if isinstance(item, tuple) else item}")


def check_page(browser, page_file: Path, width: int, screenshots: Path | None = None,
               accessibility: bool = False, print_fit: bool = False, pdf: Path | None = None,
               tab: Tab | None = None, desktop: bool = False) -> PageCheck:
    """Open one report offline at `width` px and inspect it (optionally writing screenshots, optionally running
    axe-core; with `print_fit`, then in print media at the A4 column's width in the same tab, as `check_print` does
    in a tab of its own: one page load fewer for the release's page check). With `pdf` (and `print_fit`), the page
    is then printed to that A4 PDF from the same load, laid out as `print_pdf` lays out a page it opens itself: one
    more load saved. In `tab` when given (the release's browser sessions), else in a context of its own. With
    `desktop`, the same load is then widened to 1400 px for the texts past the main column (`ESCAPE_JS`)."""
    if pdf is not None and not print_fit:
        raise ValueError("check_page : le PDF s'imprime après le contrôle d'impression (print_fit)")
    result = PageCheck(report=page_file.stem, width=width)
    own = tab is None
    tab = Tab(browser) if own else tab
    try:
        _inspect(tab.open(page_file, width, result.errors, result.outside_requests), page_file, width, result,
                 screenshots, accessibility, print_fit, pdf, desktop)
    finally:
        if own:
            tab.close()
    return result


def _inspect(page, page_file: Path, width: int, result: PageCheck, screenshots: Path | None, accessibility: bool,
             print_fit: bool, pdf: Path | None, desktop: bool = False) -> None:
    """`check_page`'s inspection of `page`, opened at `width` px; its findings go to `result`."""
    result.charts = page.evaluate(INSPECT_JS)
    sideways = page.evaluate(OVERFLOW_JS)
    result.overflow = sideways["out"] + ([f"page {sideways['scrollWidth']} px > {sideways['width']} px"]
                                         if sideways["scrollWidth"] > sideways["width"] + 1 else [])
    if accessibility:
        # axe reads the stylesheets with XMLHttpRequest, which a file:// page refuses: that console error is axe's
        seen = len(result.errors)
        result.accessibility = axe_violations(page)
        del result.errors[seen:]
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshots / f"{page_file.stem}-{width}.png"), full_page=True)
        for i, element in enumerate(page.locator("figure").all()):
            element.screenshot(path=str(screenshots / f"{page_file.stem}-{width}-fig{i + 1:02d}.png"))
    if desktop:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        result.escaped = page.evaluate(ESCAPE_JS)
    if print_fit:
        from pipelines.lib.reports.notebooks import PRINT_WIDTH_PX

        page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": 900})
        page.wait_for_timeout(300)  # Plotly's own resize first, then the print layout over it
        _print_layout(page)
        result.print_unfit = page.evaluate(PRINT_FIT_JS, PRINT_WIDTH_PX)
        if pdf is not None:
            _write_pdf(page, pdf)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])


# ---------------------------------------------------------------- the release's page check (every release)

# What a release's pages are checked for before they are shown (`check_site`, called by the reports step with every
# release: pipelines/defs/publish/reports.py). A blocking finding keeps the previous publication's pages in place;
# a warning is recorded in `page_checks.json` and logged. Blocking: what makes a page false, broken or inaccessible
# to someone (a code identifier or a raw cell output shown to a reader, a link to nothing or to an internal file,
# a script error, a chart not drawn, a request leaving the folder, a page wider than a 390 px phone — WCAG 1.4.10
# reflow — and axe-core's serious or critical WCAG 2.1 A/AA violations). Warning: what a reader can still get past
# (an acronym not spelled out, axe's minor and moderate findings, chart texts overlapping or cut inside a chart's
# own frame, a box wider than the printed A4 column, an English Plotly toolbar).
CHECK_LABELS = {  # check id -> what the French message calls it
    "internal_name": "nom interne du code visible",
    "stray_output": "sortie brute de cellule visible",
    "number_format": "nombre écrit sans séparateur des milliers",
    "timestamp_number": "date écrite comme un nombre (horodatage)",
    "broken_link": "lien cassé",
    "internal_file": "lien vers un fichier interne",
    "page_error": "erreur de script",
    "outside_request": "requête hors du dossier",
    "undrawn_chart": "graphique non dessiné",
    "reflow": "page plus large qu'un écran de 390 px",
    "column_overflow": "texte qui déborde de la colonne de la page à 1400 px (page sans graphique)",
    "accessibility": "accessibilité (axe-core, WCAG 2.1 A/AA)",
    "acronym": "sigle non développé",
    "chart_text": "textes de graphique qui se chevauchent ou coupés",
    "print_fit": "plus large que la colonne A4 imprimée",
    "toolbar": "barre d'outils de graphique en anglais ou liée à Plotly",
    "missing_trace": "type de graphique absent du plotly.js publié",
}
BLOCKING_CHECKS = frozenset({"internal_name", "stray_output", "number_format", "timestamp_number", "broken_link",
                             "internal_file", "page_error", "outside_request", "undrawn_chart", "reflow",
                             "column_overflow", "missing_trace"})
BLOCKING_IMPACTS = frozenset({"serious", "critical"})  # axe-core's impacts that block; minor and moderate warn
# where each check looks: read from the HTML of every page (`static_findings`), or on the pages opened in the browser
# (`browser_sample`: at 390 px, then at 1400 px without charts, then in print media at the A4 column's width)
STATIC_CHECKS = frozenset({"internal_name", "stray_output", "number_format", "timestamp_number", "acronym",
                           "missing_trace", "broken_link", "internal_file"})
BROWSER_CHECKS = frozenset({"page_error", "outside_request", "undrawn_chart", "reflow", "column_overflow",
                            "accessibility", "chart_text", "print_fit", "toolbar"})
PAGE_CHECKS_DOC = Path(__file__).resolve().parents[3] / "docs" / "page_checks.md"
PHONE_WIDTH = WIDTHS[-1]
INTERNAL_FILES = ("quality_report", "manifest.json")  # stay internal (README): no page may link them
# Browser checks (one page load each, shared with its PDF: the costly part): every numbered report and the home page;
# of the pages one template fills many times, a fixed sample: the longest (most rows or charts: the first to overflow)
# and the shortest, by size then name: of the PTSM reviews (one Jinja2 template, 104 pages) and of the regional
# profiles (one notebook, 18 pages). 2-4 s of CPU a page in the browser, axe-core about half of it: the sample keeps
# the page check of a release short. The static checks read every page.
SAMPLED_FOLDERS = {"ptsm": 1, "regions": 1}  # folder -> how many of its longest pages (plus its shortest)
PAGE_CHECKS_FILE = "page_checks.json"


@dataclass(frozen=True)
class Finding:
    page: str    # the page's path in the site ("regions/84.html")
    check: str   # a key of CHECK_LABELS
    detail: str
    blocking: bool

    @property
    def message(self) -> str:
        return f"{self.page} : {CHECK_LABELS[self.check]} — {self.detail}"


def finding(page: str, check: str, detail: str, *, impact: str | None = None) -> Finding:
    blocking = impact in BLOCKING_IMPACTS if check == "accessibility" else check in BLOCKING_CHECKS
    return Finding(page, check, detail, blocking)


_LINKED = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src", "iframe": "src",
           "source": "src", "embed": "src", "object": "data"}


def link_findings(site: Path, page_file: Path, soup, coming: frozenset[Path] = frozenset()) -> list[Finding]:
    """Every local link and resource of a parsed page, followed on disk: it reaches a file of the site (not outside
    it, not the internal quality report or manifest) or one of `coming` (the PDFs the release's step is about to
    print); a link to `#x` reaches an element with id `x`."""
    import os
    from urllib.parse import unquote, urlsplit

    name = page_file.relative_to(site).as_posix()
    ids: set = set()
    linked: dict[str, list] = {tag: [] for tag in _LINKED}  # one walk of the tree (a find_all per tag was 12 walks)
    for element in soup.find_all(True):
        if element.has_attr("id"):
            ids.add(element.get("id"))
        if element.name == "a" and element.has_attr("name"):
            ids.add(element.get("name"))
        if element.name in linked and element.has_attr(_LINKED[element.name]):
            linked[element.name].append(element)
    found = []
    for tag, attribute in _LINKED.items():
        for element in linked[tag]:
            href = element[attribute].strip()
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # an address on the web (licence, Etalab), mailto:, data:
            if not parts.path:
                if parts.fragment and parts.fragment not in ids:
                    found.append(finding(name, "broken_link", f"{href} (ancre absente de la page)"))
                continue
            target = Path(os.path.normpath(page_file.parent / unquote(parts.path)))
            inside = target == site or site in target.parents
            if not inside:
                found.append(finding(name, "broken_link", f"{href} (sort du site)"))
            elif target.name.startswith(INTERNAL_FILES):
                found.append(finding(name, "internal_file", href))
            elif not (target in coming or target.exists()):
                found.append(finding(name, "broken_link", href))
    return found


def static_findings(site: Path, page_file: Path, coming: frozenset[Path] = frozenset()) -> list[Finding]:
    """The checks read from the HTML itself (no browser, ~0.1 s a page): code identifiers and raw cell outputs shown
    to a reader, acronyms never spelled out (pipelines/lib/reports/prose.py), links (`coming`: files about to be
    written, counted as there: `link_findings`)."""
    from bs4 import BeautifulSoup

    from pipelines.lib.reports.prose import (internal_names, stray_outputs, timestamp_numbers, unexpanded_acronyms,
                                             unformatted_numbers)

    name = page_file.relative_to(site).as_posix()
    page = page_file.read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")  # parsed once (half of the check's time): the links, then the text
    links = link_findings(site, page_file, soup, coming)
    found = [finding(name, "internal_name", f"« {context.strip()} »") for context in internal_names(page, soup)]
    if stray := stray_outputs(page):
        found.append(finding(name, "stray_output", f"{stray} sortie(s)"))
    found += [finding(name, "acronym", acronym) for acronym in unexpanded_acronyms(page)]
    found += [finding(name, "number_format", f"« {context} »") for context in unformatted_numbers(page)]
    found += [finding(name, "timestamp_number", f"« {context} »") for context in timestamp_numbers(page)]
    found += trace_findings(site, name, page)
    return found + links


def figure_trace_types(page: str) -> list[list[str]]:
    """The trace types of each figure a page draws, in page order: the `"type"` of every trace in the data argument
    of each `Plotly.newPlot(id, data, layout, config)` that plotly.py writes (a trace without one is a scatter, as
    plotly.js reads it). The layout's template, which names every type, is not read."""
    import json
    import re

    decoder, figures = json.JSONDecoder(), []
    for call in re.finditer(r"Plotly\.newPlot\(\s*", page):
        try:
            _, end = decoder.raw_decode(page, call.end())  # the div's id
            data, _ = decoder.raw_decode(page, re.compile(r"\s*,\s*").match(page, end).end())
        except (ValueError, AttributeError):
            continue  # not a figure plotly.py wrote (a call in a script of ours): nothing to read
        figures.append([str(t.get("type", "scatter")) for t in data if isinstance(t, dict)])
    return figures


def trace_findings(site: Path, name: str, page: str) -> list[Finding]:
    """A figure drawing a trace type the published plotly.js does not register (blocking): plotly.js would silently
    draw it as an empty scatter. The types are those the site's `plotly-fr.min.js` names in its banner (the vendored
    partial bundle's, `notebooks.bundle_trace_types`), else the vendored bundle's; a full plotly.js registers all."""
    from pipelines.lib.reports.notebooks import PLOTLY_FILE, PLOTLY_VENDORED, bundle_trace_types

    if "Plotly.newPlot(" not in page:
        return []
    published = site / PLOTLY_FILE if (site / PLOTLY_FILE).is_file() else PLOTLY_VENDORED
    with open(published, encoding="utf-8") as script:
        registered = bundle_trace_types(script.read(2000))
    if registered is None:
        return []
    return [finding(name, "missing_trace", f"graphique n° {i + 1} : {', '.join(sorted(set(types) - registered))} "
                                           f"(le plotly.js publié ne dessine que {', '.join(sorted(registered))})")
            for i, types in enumerate(figure_trace_types(page)) if set(types) - registered]


def browser_findings(browser, site: Path, page_file: Path, pdf: Path | None = None,
                     tab: Tab | None = None) -> list[Finding]:
    """The checks that need the page drawn, in one load: at 390 px (script errors, requests leaving the folder,
    charts drawn, chart texts, page wider than the phone, English toolbar, axe-core), then, for a page without charts,
    at 1400 px (texts past the main column), then in print media at the A4 column's width; with `pdf`, the page then printed there
    (`check_page`). In `tab` when given."""
    name = page_file.relative_to(site).as_posix()
    # widened to 1400 px only without charts (the reviews, the home page): each chart redrawn at that width cost ~1.4 s
    # of CPU a page (measured: pages 50 -> 58 s), and the charts' pages are the notebook template's one column
    charts = 'class="plotly-graph-div"' in page_file.read_text(encoding="utf-8")
    check = check_page(browser, page_file, PHONE_WIDTH, accessibility=True, print_fit=True, pdf=pdf, tab=tab,
                       desktop=not charts)
    found = [finding(name, "page_error", e) for e in check.errors]
    found += [finding(name, "outside_request", url) for url in check.outside_requests]
    found += [finding(name, "undrawn_chart", f"graphique n° {i + 1}") for i in check.undrawn]
    found += [finding(name, "reflow", "; ".join(check.overflow[:5]))] if check.overflow else []
    for i, texts in sorted({**check.overlaps, **check.cut}.items()):
        found.append(finding(name, "chart_text", f"graphique n° {i + 1} : {', '.join(texts[:3])}"))
    found += [finding(name, "toolbar", f"graphique n° {i + 1} : {', '.join(t)}")
              for i, t in sorted(check.english_toolbar.items())]
    for v in check.accessibility:
        found.append(finding(name, "accessibility", f"{v['id']} ({v['impact']}) : {v['help']} — {v['targets'][:2]}",
                             impact=v["impact"]))
    found += [finding(name, "column_overflow", " ; ".join(check.escaped[:5]))] if check.escaped else []
    found += [finding(name, "print_fit", "; ".join(check.print_unfit[:5]))] if check.print_unfit else []
    return found


def site_pages(site: Path) -> list[Path]:
    """Every HTML page of a rendered site, in a fixed order."""
    return sorted(Path(site).rglob("*.html"), key=lambda p: p.relative_to(site).as_posix())


def browser_sample(site: Path, pages: list[Path]) -> list[Path]:
    """The pages opened in the browser, in site order: all but those of SAMPLED_FOLDERS, and of each of these its
    longest pages and its shortest (deterministic: by size, then name)."""
    picked: set[Path] = set()
    for folder, longest in SAMPLED_FOLDERS.items():
        members = sorted((p for p in pages if p.relative_to(site).parts[0] == folder),
                         key=lambda p: (-p.stat().st_size, p.name))
        picked.update(members[:longest] + members[-1:])
    return [p for p in pages if p.relative_to(site).parts[0] not in SAMPLED_FOLDERS or p in picked]


@dataclass
class SiteCheck:
    pages: list[str]
    browser_pages: list[str]
    findings: list[Finding] = field(default_factory=list)
    browser_skipped: str | None = None  # why no browser check ran (no Chromium or Playwright on this installation)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]

    def failure_message(self) -> str:
        """The French message of a refused set of pages: its first line names the first page and problem (the
        refresh summary prints it), the others follow."""
        lines = [f.message for f in self.blocking]
        return (f"Pages refusées ({len(lines)} problème(s) bloquant(s)), la publication précédente des pages reste "
                f"en place : {lines[0]}" + "".join(f"\n  - {line}" for line in lines[1:]))

    def as_fact(self) -> dict:
        """What `page_checks.json` records in the release: pages checked, how, and every finding in French."""
        def rows(items):
            return [{"page": f.page, "check": f.check, "message": f.message} for f in items]
        return {
            "passed": not self.blocking,
            "pages_checked": len(self.pages),
            "pages_checked_in_browser": len(self.browser_pages),
            "browser_pages": self.browser_pages,
            "browser_skipped": self.browser_skipped,
            "blocking_checks": sorted(BLOCKING_CHECKS) + [f"accessibility:{i}" for i in sorted(BLOCKING_IMPACTS)],
            "blocking": rows(self.blocking),
            "warnings": rows(self.warnings),
        }


def check_site(site: Path, *, browser: bool = True, only: list[Path] | None = None, chromium=None,
               workers: int | None = None, print_first: bool = False) -> SiteCheck:
    """Every page of the rendered site `site` checked (static checks on all pages, the browser's on `browser_sample`
    of them, `workers` pages at a time: `in_browsers`), or only the pages `only` (links still resolved in the whole
    site). Without Playwright or Chromium the browser checks are skipped and the reason recorded. `chromium`: a
    browser already launched (`launch`) to reuse, in this thread (its pages then one after the other).

    `print_first` (the release's step): the static checks run first, on every page, counting the PDFs about to be
    printed as there; a page refused on its text stops the step there, before any browser is launched or page
    printed (a refused release costs seconds, not the minutes of its PDFs). Otherwise the A4 PDFs of the site's
    reports and profiles (`print_pdfs`) are printed by the same browser sessions while they check the sampled pages
    (one pool, no idle core between the two); printing either writes every PDF or fails the step, so the links
    counted as there are. Without the browser nothing is printed (as `print_pdfs` without Playwright) and the
    links to the PDFs are followed on disk."""
    import importlib.util
    import os

    site = Path(os.path.normpath(Path(site).absolute()))
    pages = site_pages(site)
    if only is not None:
        wanted = {Path(os.path.normpath(Path(p).absolute())) for p in only}
        pages = [p for p in pages if p in wanted]
    sample = browser_sample(site, pages) if browser else []
    result = SiteCheck(pages=[p.relative_to(site).as_posix() for p in pages], browser_pages=[])
    found: list[list[Finding]] = []
    can_browse = importlib.util.find_spec("playwright") is not None and os.access(CHROMIUM, os.X_OK)
    static: list[Finding] | None = None
    if print_first and browser and can_browse:  # the text first: a refused page is neither opened nor printed
        coming = frozenset(p.with_suffix(".pdf") for p in printed_pages(site))
        static = [f for page_file in pages for f in static_findings(site, page_file, coming)]
        if any(f.blocking for f in static):
            result.findings = static
            result.browser_skipped = ("contrôles dans le navigateur et PDF non faits : des pages sont déjà refusées "
                                      "sur leur texte")
            return result
    if not browser:
        result.browser_skipped = "contrôles dans le navigateur non demandés"
    elif not can_browse:
        result.browser_skipped = (f"Playwright ou Chromium ({CHROMIUM}) absent : contrôles dans le navigateur non faits"
                                  + (", PDF des rapports non produits" if print_first else ""))
    elif chromium is not None:  # a browser of the caller's thread: its pages one after the other, in one tab
        to_print = printed_pages(site) if print_first else []
        tab = Tab(chromium)
        try:
            found = [browser_findings(chromium, site, page_file, tab=tab,
                                      pdf=page_file.with_suffix(".pdf") if page_file in to_print else None)
                     for page_file in sample]
            for page_file in to_print:
                if page_file not in sample:
                    print_pdf(chromium, page_file, page_file.with_suffix(".pdf"), tab=tab)
        finally:
            tab.close()
    elif sample or print_first:  # several pages at once, the findings in site order as one after the other
        found = _print_and_inspect(printed_pages(site) if print_first else [], sample,
                                   lambda instance, tab, page_file, pdf: browser_findings(instance, site, page_file,
                                                                                          pdf=pdf, tab=tab),
                                   workers)[1]
    if static is None:  # after the PDFs (none printed here, or printed by a caller): the pages link them
        static = [f for page_file in pages for f in static_findings(site, page_file)]
    result.findings += static
    for page_file, page_findings in zip(sample, found):
        result.findings += page_findings
        result.browser_pages.append(page_file.relative_to(site).as_posix())
    return result


def write_fact(site: Path, result: SiteCheck) -> Path:
    """`page_checks.json` at the root of the site: the release's record of its pages' check."""
    import json

    from pipelines.lib.core.files import write_atomic

    text = json.dumps(result.as_fact(), ensure_ascii=False, indent=2) + "\n"
    return write_atomic(Path(site) / PAGE_CHECKS_FILE, text.encode("utf-8"), mode=0o644)


def checks_table() -> str:
    """Every page check as a Markdown table (its French message, id, effect, the pages it reads), in CHECK_LABELS'
    order: the generated part of docs/page_checks.md, so that the list a reader finds is the list the code runs."""
    def effect(check: str) -> str:
        if check == "accessibility":
            return f"blocks at impact {' or '.join(sorted(BLOCKING_IMPACTS))}, warns below"
        return "blocks" if check in BLOCKING_CHECKS else "warns"

    rows = ["| message (French, as the refresh prints it) | id | effect | pages read |", "|---|---|---|---|"]
    for check, label in CHECK_LABELS.items():
        where = "every page (its HTML)" if check in STATIC_CHECKS else "the pages opened in the browser"
        rows.append(f"| {label} | `{check}` | {effect(check)} | {where} |")
    return "\n".join(rows) + "\n"


def page_checks_doc(text: str) -> str:
    """`text` (docs/page_checks.md) with its generated table rewritten from the code."""
    import re

    return re.sub(r"(<!-- generated: page_checks -->\n).*?(<!-- end: page_checks -->)",
                  lambda m: m.group(1) + checks_table() + m.group(2), text, flags=re.S)


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Inspecte les rapports HTML dans Chromium sans réseau.")
    parser.add_argument("reports_dir", type=Path, nargs="?")
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--release-check", action="store_true",
                        help="le contrôle des pages de chaque publication (check_site) : bloquants et avertissements")
    parser.add_argument("--write-doc", action="store_true",
                        help=f"réécrit la table générée de {PAGE_CHECKS_DOC.name} depuis le code, puis s'arrête")
    args = parser.parse_args(argv)
    if args.write_doc:
        PAGE_CHECKS_DOC.write_text(page_checks_doc(PAGE_CHECKS_DOC.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    if args.reports_dir is None:
        parser.error("le dossier des rapports est requis (sauf avec --write-doc)")
    if args.release_check:
        result = check_site(args.reports_dir)
        for item in result.findings:
            print(f"{'BLOQUANT' if item.blocking else 'avertissement'} {item.message}")
        print(f"{len(result.pages)} pages lues, {len(result.browser_pages)} ouvertes dans le navigateur : "
              f"{len(result.blocking)} problème(s) bloquant(s), {len(result.warnings)} avertissement(s)")
        return 1 if result.blocking else 0
    from pipelines.lib.reports.site import PROFILES_DIR

    pages = sorted(args.reports_dir.glob("*.html")) + sorted((args.reports_dir / PROFILES_DIR).glob("*.html"))
    failed = False
    with sync_playwright() as p:
        browser = launch(p)
        for page_file in pages:
            unfit = check_print(browser, page_file)
            if unfit:
                print(f"{page_file.stem} imprimé en A4 : dépasse la largeur imprimable : {unfit}")
                failed = True
            for width in WIDTHS:
                check = check_page(browser, page_file, width, args.screenshots, accessibility=width == WIDTHS[0])
                status = "ok" if check.ok else "PROBLÈME"
                print(f"{check.report} à {width} px : {len(check.charts)} graphiques, {status}")
                for label, value in (("erreurs console", check.errors), ("requêtes hors du dossier", check.outside_requests),
                                     ("graphiques non dessinés", check.undrawn), ("textes qui se chevauchent", check.overlaps),
                                     ("barre d'outils en anglais ou liens vers Plotly", check.english_toolbar),
                                     ("textes coupés au bord du graphique", check.cut),
                                     ("débordement horizontal", check.overflow),
                                     ("accessibilité (axe-core, WCAG 2.1 A/AA)", check.accessibility)):
                    if value:
                        print(f"  {label} : {value}")
                failed |= not check.ok
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
