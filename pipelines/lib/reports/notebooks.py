"""Execute the analysis notebooks on a marts release and render them as HTML reports readable offline.

Layout of what `render_notebooks(notebooks_dir, reports_dir, marts_dir)` writes into `reports_dir`:
- `NN_topic.html`: one report per numbered notebook, `<html lang="fr">`, titled after the notebook's heading, with
  a navigation bar to the other reports and the home page;
- `plotly-fr.min.js`: plotly.js once for all reports of the folder, followed by the French locale (months, decimal
  comma); each report loads it with a relative `<script src>` so the folder still opens offline. It is the vendored
  partial bundle `vendor/plotly-ptsm.min.js` (only the trace types the pages draw, built by `tools/plotly-bundle/`),
  not the Python package's full plotly.js: a quarter of its size for every page load and every profile served;
- `jupyterlab.css`: the notebook template's stylesheet (~260 kB), also once for the folder, linked by every page;
- `index.html`: the home page linking every report, the regional profiles already in `regions/` (COG order), the
  release and its data files;
- `donnees`: a relative link to the release folder (CSV, Parquet, DICTIONNAIRE.md), which the pages link into.
Files are written atomically with mode 0644 (readable by a web server or a colleague).
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from pipelines.lib.core.files import write_atomic

if TYPE_CHECKING:  # the notebook libraries cost seconds to import: only the reports step imports them
    import nbformat
    from nbclient import NotebookClient

KERNEL_TIMEOUT_S = 600
PLOTLY_FILE = "plotly-fr.min.js"
# plotly.js with only the trace types the pages draw (README "Development": rebuilding it). Its banner names them:
# `bundle_trace_types` reads it, the page check refuses a figure of any other type (it would draw nothing).
PLOTLY_VENDORED = Path(__file__).resolve().parent / "vendor" / "plotly-ptsm.min.js"
_BUNDLE_TRACES = re.compile(r"^\* traces: ([a-z0-9, ]+)$", re.MULTILINE)
TEMPLATE_CSS_FILE = "jupyterlab.css"
INDEX_FILE = "index.html"
FILE_MODE = 0o644
SITE_NAME = "Observatoire des PTSM"


def notebook_paths(notebooks_dir: Path) -> list[Path]:
    """The numbered analysis notebooks (`NN_topic.ipynb`), in order."""
    return sorted(p for p in Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))


def kernel_env(marts_dir: Path, reports_dir: Path | None = None) -> dict[str, str]:
    """The environment of a report kernel: this process's, reading `marts_dir`, writing beside `reports_dir`.

    The kernel spec runs `python`: this interpreter's folder goes first on PATH so the kernel sees the project's venv."""
    env = {**os.environ, "PTSM_MARTS_DIR": str(Path(marts_dir).resolve())}
    if reports_dir is not None:
        env["PTSM_REPORT_OUTPUT_DIR"] = str(Path(reports_dir).resolve())
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def import_renderers() -> None:
    """Import, in the calling thread, the libraries the notebook renderers import lazily (a refresh without pages never
    loads them). Why: `run_jobs` runs its kernels in threads of their own; two threads
    importing nbformat at once each see the other's half-initialised module ("cannot import name 'get_version' from
    partially initialized module 'nbformat.reader'"), which failed the pages of a release at random. Imported once
    here, before the threads start, the later imports only read sys.modules."""
    import jupyter_client.manager  # noqa: F401
    import jupyter_core.utils  # noqa: F401
    import nbclient  # noqa: F401
    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import nbformat.v4  # noqa: F401
    import plotly.offline  # noqa: F401


@contextmanager
def notebook_kernel(nb: nbformat.NotebookNode, cwd: Path) -> Iterator[NotebookClient]:
    """A notebook client whose kernel is shut down, and its channels closed, when the block ends (even on error).

    Why explicit: a client given its kernel manager does not own it and leaves the kernel running; the orphaned
    kernels then outlived the refresh and printed "Parent appears to have exited" / "Could not destroy zmq context"
    into `ptsm refresh`'s output. The kernel talks over IPC sockets in a private temporary folder (nothing listens
    on the network, no "running over TCP without encryption" warning); its own warnings are not the reader's
    business, its errors still reach stderr. `client.execute(env=...)` starts the kernel on first use and keeps it
    for the next runs of the block (regional profiles run one notebook per region in one kernel)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="ptsm-kernel-") as sockets:
        km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "k"))
        client = NotebookClient(nb, km=km, timeout=KERNEL_TIMEOUT_S, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd)}},
                                extra_arguments=["--IPKernelApp.log_level=ERROR"])
        try:
            yield client
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
                client.kc = None
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)


def execute_notebook(path: Path, marts_dir: Path, reports_dir: Path | None = None) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel of this interpreter, reading `marts_dir`; the kernel is shut
    down before returning."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    with notebook_kernel(nb, Path(path).parent) as client:
        client.execute(env=kernel_env(marts_dir, reports_dir))  # passed on to the kernel manager
    return nb


# ---------------------------------------------------------------- runs shared among long-lived kernels
# Notebook runs shared among a few long-lived kernels: the numbered reports and the 18 regional profiles of a release.
#
# Why: starting a kernel and importing pandas, Plotly and DuckDB in it costs about 2.5 s of CPU, the run of a report
# about 1 s (measured on the sample). A fresh kernel per report spent most of the reports' time starting kernels, and
# one kernel for the profiles beside one for the reports left a core idle once the shorter list was done. Here every
# run is a job taken by the first free kernel (two kernels for two cores), so both cores stay busy to the end.
#
# What a run in a shared kernel sees of the runs before it: nothing of their variables (every name they defined is
# removed first, as `%reset -f` does, so a notebook that forgets to define a name fails here as it would alone), only
# the modules they imported (the cost saved) and those modules' settings, which every notebook sets itself
# (`figures.setup()`).

RESET_SOURCE = ("for _name in [n for n in get_ipython().user_ns if not n.startswith('_') "
                "and n not in get_ipython().user_ns_hidden]:\n    del get_ipython().user_ns[_name]")


@dataclass
class NotebookJob:
    """One notebook to run (`nb`, executed in place) and what to do with it once run (`finish`: write its page, in
    the kernel's thread); `name` names the job in an error."""
    name: str
    nb: nbformat.NotebookNode
    finish: Callable[[nbformat.NotebookNode], Path]


def run_jobs(jobs: list[NotebookJob], cwd: Path, env: dict[str, str], kernels: int = 1) -> list[Path]:
    """Every job run in one of `kernels` kernels (each in a thread of its own, started with `env` in `cwd`), taken in
    order by the first free kernel, and finished in that thread (`core.sessions.in_sessions`). Returns what each
    job's `finish` returned, in the jobs' order.

    The first failing job stops the kernels from taking new jobs; the running ones end, every kernel is shut down,
    then the error is raised again, noted with the job's name (a notebook's own error names its cell). Pages already
    finished stay written."""
    from nbformat.v4 import new_code_cell, new_notebook

    from pipelines.lib.core.sessions import in_sessions

    import_renderers()  # before the threads: two threads importing nbformat at once break each other

    def run(client: NotebookClient, job: NotebookJob) -> Path:
        again = client.km.has_kernel  # the kernel's first run starts it; a later one first removes the names before
        if again:
            job.nb.cells.insert(0, new_code_cell(RESET_SOURCE))
        client.nb = job.nb
        try:
            client.execute(env=env)
        finally:
            if again:
                job.nb.cells.pop(0)  # the reset is the pool's, not the notebook's
        return job.finish(job.nb)

    return in_sessions(jobs, lambda: notebook_kernel(new_notebook(), cwd), run, kernels, "ptsm-kernel",
                       lambda job: f"carnet : {job.name}")


def notebook_title(nb: nbformat.NotebookNode) -> str:
    """The first `# heading` of the notebook (the report's <title> and its name on the home page)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)
            if match:
                return match.group(1).strip()
    return "Rapport"


def notebook_summary(nb: nbformat.NotebookNode) -> str:
    """The first paragraph after the heading, as plain text (home page)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            body = re.sub(r"^#.*$", "", cell.source, count=1, flags=re.MULTILINE).strip()
            para = body.split("\n\n")[0]
            return re.sub(r"[*`]", "", " ".join(para.split()))
    return ""


# A4 (210 mm) less the 12 mm side margins of the stylesheet's @page rule, at CSS's 96 px per inch: 186 mm = 703 px.
PRINT_WIDTH_PX = 703
# 297 mm less 30 mm of margins is 1009 px: a figure's title, caption lines and note (up to ~300 px) and the
# heading kept with it must fit beside the chart
PRINT_CHART_MAX_HEIGHT_PX = 640

REPORT_CSS = """
<style>
body { font-family: Marianne, 'Segoe UI', Arial, Helvetica, sans-serif; color: #1e1e1e; }
.jp-Notebook { max-width: 1180px; margin: 0 auto; }
.ptsm-nav { font-size: 14px; padding: 8px 16px; border-bottom: 1px solid #ddd; background: #f6f8fa; }
.ptsm-nav a { margin-right: 14px; color: #1f5a91; }
.ptsm-nav a[aria-current] { font-weight: bold; color: #1e1e1e; text-decoration: none; }
.ptsm-banner { background: #e8f0fe; padding: 8px 16px; border-radius: 4px; margin: 8px 0; }
.ptsm-banner.ptsm-synthetic { background: #b00020; color: #fff; font-size: 1.15em; font-weight: bold; padding: 12px 16px; }
.ptsm-banner-sub { font-weight: normal; font-size: 0.85em; }
figure.ptsm-figure, figure.ptsm-table { margin: 18px 0 26px 0; padding: 0; }
.ptsm-figure-head, .ptsm-table-head { font-weight: bold; font-size: 16px; margin-bottom: 6px; }
.ptsm-synthetic-badge { display: inline-block; white-space: nowrap; margin-left: 10px; font-size: 12px; color: #fff; background: #b00020; padding: 2px 6px;
  border-radius: 3px; vertical-align: middle; }
figure figcaption p { margin: 3px 0; font-size: 13px; color: #333; }
.ptsm-table-wrap { overflow-x: auto; }
.ptsm-table-wrap table.ptsm-table { border-collapse: collapse; font-size: 13px; width: 100%; table-layout: auto; }
.ptsm-table-wrap table.ptsm-table td:first-child { min-width: 15em; }
.ptsm-table-wrap table.ptsm-table td { max-width: 24em; }
.ptsm-table-wrap table.ptsm-table th { white-space: normal; min-width: 5em; background: #eef2f6; text-align: left; padding: 5px 8px; border-bottom: 2px solid #b9c3cc; }
.ptsm-table-wrap table.ptsm-table td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
.ptsm-table-wrap table.ptsm-table td.num { text-align: right !important; white-space: nowrap; font-variant-numeric: tabular-nums; }
.ptsm-table-wrap table.ptsm-table tr.ptsm-highlight td { background: #fdecea; font-weight: bold; }
.ptsm-table-wrap table.ptsm-table tr.ptsm-muted td { color: #5f5f5f; }
.ptsm-warning { background: #fff4e5; border-left: 4px solid #e07b00; padding: 6px 12px; margin: 8px 0; }
.ptsm-methodology { background: #f6f8fa; border: 1px solid #dde3ea; border-radius: 4px; padding: 4px 18px 10px 18px;
  margin: 24px 0; }
.ptsm-methodology h2 { font-size: 1.3em; }
.ptsm-methodology h3 { font-size: 1.05em; }
main a, main a:link, main a:visited, .jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited { text-decoration: underline; }
details.ptsm-data { margin: 4px 0 0 0; font-size: 13px; }
details.ptsm-data summary { cursor: pointer; color: #1f5a91; text-decoration: underline; }
details.ptsm-data .ptsm-table-wrap { max-height: 24em; overflow-y: auto; }
.ptsm-map-small { display: none; }
.js-plotly-plot, .plotly-graph-div { max-width: 100%; }
img, svg { max-width: 100%; }
ul.ptsm-key-figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 20px 0; padding: 0 !important; list-style: none !important; }
ul.ptsm-key-figures > li { list-style: none !important; margin: 0; }
.ptsm-key-figures li { flex: 1 1 10em; border: 1px solid #b9c3cc; border-left: 4px solid #1f5a91; padding: 8px 12px; }
.ptsm-key-figures .ptsm-key-value { display: block; font-size: 1.6em; font-weight: bold; color: #1f5a91; }
.ptsm-colophon { border-top: 1px solid #b9c3cc; margin: 32px 0 16px 0; padding-top: 8px; font-size: 14px; }
.ptsm-colophon h2 { font-size: 1.1em; }
.ptsm-cite { background: #f6f8fa; border: 1px solid #dde3ea; padding: 6px 10px; }
@media (max-width: 599px) {
  /* a chart needs about 640 px for its labels: narrower, it keeps that width in a frame that scrolls sideways
     (WCAG 1.4.10 lets graphics scroll in two dimensions); a map becomes its ranked table */
  .ptsm-figure-body { overflow-x: auto; }
  .ptsm-figure-body > div { min-width: 640px; }
  .ptsm-wide .ptsm-figure-body > div { min-width: 960px; }
  .ptsm-has-map .ptsm-figure-body, .ptsm-has-map details.ptsm-data { display: none; }
  .ptsm-has-map .ptsm-map-small { display: block; max-height: 30em; overflow-y: auto; }
  .ptsm-nav { display: flex; flex-wrap: wrap; gap: 4px 14px; }
  .ptsm-nav a { margin-right: 0; }
  .jp-Notebook { padding: 0 8px; }
  .jp-Cell, .jp-OutputArea-output, .jp-RenderedHTMLCommon { padding-left: 0 !important; padding-right: 0 !important; }
  .ptsm-table-wrap table.ptsm-table td:first-child { min-width: 8em; }
  .ptsm-figure-head, .ptsm-table-head { font-size: 15px; }
}
@page { size: A4; margin: 15mm 12mm 15mm 12mm; }
@media print {
  .ptsm-nav, .ptsm-skip, .modebar, .modebar-container, details.ptsm-data, .ptsm-map-small { display: none !important; }
  body { font-size: 11pt; }
  .jp-Notebook, main { max-width: none; padding: 0; margin: 0; }
  .jp-Cell, .jp-OutputArea-output, .jp-RenderedHTMLCommon { padding-left: 0 !important; padding-right: 0 !important; }
  figure.ptsm-figure, figure.ptsm-table.ptsm-small, .ptsm-key-figures, .ptsm-cite { break-inside: avoid; page-break-inside: avoid; }
  .ptsm-figure-head, .ptsm-table-head, h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  .ptsm-table-wrap { overflow: visible; }
  /* the template's output rows are flex boxes, inside which Chromium may not keep a figure on one page */
  .jp-OutputArea, .jp-OutputArea-child, .jp-Cell-outputWrapper, .jp-Cell-outputArea { display: block !important; }
  .ptsm-table-wrap table.ptsm-table { font-size: 9pt; table-layout: fixed; width: 100%; }
  .ptsm-table-wrap table.ptsm-table td, .ptsm-table-wrap table.ptsm-table th { min-width: 0 !important; max-width: none;
    white-space: normal !important; overflow-wrap: anywhere; }
  .ptsm-table-wrap table.ptsm-table td:first-child { min-width: 0; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: #1e1e1e; }
}
.ptsm-skip { position: absolute; left: -9999px; top: 0; }
.ptsm-skip:focus { left: 8px; top: 8px; z-index: 1000; background: #fff; color: #1f5a91; padding: 6px 10px;
  border: 2px solid #1f5a91; }
</style>
<script>
/* Printing (from the browser, or the release's PDFs: pipelines.lib.reports.report_check.print_pdf): Plotly draws a
   chart at the screen's width and would lose its right half on A4, and a chart of 104 PTSM is taller than a page.
   ptsmPrintLayout redraws every chart at the printed column's width (A4 less the @page margins) and at most
   PRINT_CHART_MAX_HEIGHT_PX high (one page with its title and caption), its row labels smaller to fit; back after. */
(function () {
  function charts() { return window.Plotly ? Array.from(document.querySelectorAll('.js-plotly-plot')) : []; }
  window.ptsmPrintLayout = function (width, maxHeight) {
    return Promise.all(charts().map(function (gd) {
      var layout = {width: Math.min(width, gd.parentElement.clientWidth || width)};
      var height = gd._fullLayout ? gd._fullLayout.height : gd.clientHeight;
      if (height <= maxHeight) return Plotly.relayout(gd, layout);
      var rows = 0;
      (gd.data || []).forEach(function (t) {
        if ((t.orientation === 'h' || t.type === 'heatmap') && t.y) rows = Math.max(rows, t.y.length);
      });
      layout.height = maxHeight;
      // the chart's div and the wrapper plotly.py writes around it keep the height first given: shrink them too
      [gd, gd.parentElement].forEach(function (el) {
        if (el.style.height) { el.dataset.ptsmHeight = el.style.height; el.style.height = maxHeight + 'px'; }
      });
      if (!rows) return Plotly.relayout(gd, layout);
      var size = Math.max(6, Math.min(12, Math.floor(0.75 * maxHeight / rows)));
      layout['yaxis.tickfont.size'] = size;
      layout['uniformtext.minsize'] = Math.min(size, 10);
      return Plotly.update(gd, {'textfont.size': size}, layout);
    }));
  };
  window.addEventListener('beforeprint', function () { window.ptsmPrintLayout(PRINT_WIDTH_PX, PRINT_CHART_MAX_HEIGHT_PX); });
  window.addEventListener('afterprint', function () {
    charts().forEach(function (gd) {
      var update = {width: null, autosize: true};
      [gd, gd.parentElement].forEach(function (el) {
        if (el.dataset.ptsmHeight) { el.style.height = el.dataset.ptsmHeight; delete el.dataset.ptsmHeight; }
      });
      if (gd.parentElement.style.height.endsWith('px')) update.height = parseFloat(gd.parentElement.style.height);
      Plotly.relayout(gd, update);
    });
  });
})();
</script>
""".replace("PRINT_WIDTH_PX", str(PRINT_WIDTH_PX)).replace("PRINT_CHART_MAX_HEIGHT_PX", str(PRINT_CHART_MAX_HEIGHT_PX))

# A box that scrolls (a wide table, a chart in its frame at phone width, a long data table) must be reachable from the
# keyboard, or a keyboard user cannot see what it hides (WCAG 2.1.1; axe-core's serious `scrollable-region-focusable`,
# found at 390 px on every page by the release's page check). It takes a tab stop, named after its figure or table,
# only while it actually scrolls: on a desktop nothing scrolls and no inert tab stop is added (issue 21 §4). Shared by
# the reports, the profiles (REPORT_CSS) and the PTSM reviews (their template).
SCROLL_FOCUS_SCRIPT = """<script>
(function () {
  function name(el) {
    var figure = el.closest('figure[aria-label]');
    var caption = el.querySelector('caption');
    return figure ? figure.getAttribute('aria-label') : (caption ? caption.textContent.trim() : 'Tableau');
  }
  function sync() {
    document.querySelectorAll('main div, main figure, main details, main pre').forEach(function (el) {
      if (el.closest('.js-plotly-plot')) return;
      var st = getComputedStyle(el);
      var shut = el.parentElement && el.parentElement.closest('details:not([open])');  // not shown, not reachable
      var scrolls = !shut && ((/auto|scroll/.test(st.overflowX) && el.scrollWidth > el.clientWidth + 1)
                              || (/auto|scroll/.test(st.overflowY) && el.scrollHeight > el.clientHeight + 1));
      if (scrolls && !el.hasAttribute('tabindex')) {
        el.setAttribute('tabindex', '0'); el.setAttribute('role', 'region');
        el.setAttribute('aria-label', name(el)); el.dataset.ptsmScroll = '1';
      } else if (!scrolls && el.dataset.ptsmScroll) {
        ['tabindex', 'role', 'aria-label', 'data-ptsm-scroll'].forEach(function (a) { el.removeAttribute(a); });
      }
    });
  }
  window.addEventListener('load', function () { sync(); setTimeout(sync, 300); });
  window.addEventListener('resize', sync);
  document.addEventListener('toggle', sync, true);
})();
</script>
"""
REPORT_CSS += SCROLL_FOCUS_SCRIPT


MAIN_ID = "contenu"


def _nav(current: str | None, entries: list[tuple[str, str]]) -> str:
    home_attr = ' aria-current="page"' if current is None else ""
    links = [f'<a href="{INDEX_FILE}"{home_attr}>Accueil</a>']
    for name, title in entries:
        attr = ' aria-current="page"' if name == current else ""
        links.append(f'<a href="{name}.html"{attr}>{html.escape(_short(title))}</a>')
    # the first tab stop: a keyboard reader skips the navigation (WCAG 2.4.1); `MAIN_ID` is the page's <main>
    skip = f'<a class="ptsm-skip" href="#{MAIN_ID}">Aller au contenu</a>'
    return skip + f'<nav class="ptsm-nav" aria-label="Rapports de la publication">{"".join(links)}</nav>'


def _short(title: str) -> str:
    return title.split(" — ")[0]


def without_stray_results(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of `nb` without the bare values a cell's last expression leaves (`1`, the number `rep.table` returns):
    a page shows what the toolkit displays, never a Python repr. Rich results (HTML, images, Markdown) stay."""
    import copy

    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "execute_result" and set(o.get("data", {})) <= {"text/plain"})]
    return out


_INERT_TABINDEX = re.compile(r'(<div class="jp-[^"]*"[^>]*?)\s+tabindex="0"')


def drop_inert_tab_stops(page: str) -> str:
    """The lab template makes every cell and output a keyboard tab stop (`tabindex="0"`), meaningful in JupyterLab,
    inert in a report: ~60 presses of Tab on report 01 that reach nothing (WCAG 2.4.3). Links, the details of each
    chart and the PNG button stay reachable."""
    return _INERT_TABINDEX.sub(r"\1", page)


def to_html(nb: nbformat.NotebookNode, *, title: str | None = None, nav: str = "", colophon: str = "") -> str:
    """The report page without code cells: French, titled, loading the shared plotly.js of its folder, closed by
    `colophon` (site.colophon_html: how to cite, licence, contact)."""
    body, _ = html_exporter().from_notebook_node(without_stray_results(nb))
    body = drop_inert_tab_stops(strip_remote_scripts(body))
    body = re.sub(r"<html\b[^>]*>", '<html lang="fr">', body, count=1)
    page_title = html.escape(f"{title or notebook_title(nb)} — {SITE_NAME}")
    body = re.sub(r"<title>.*?</title>", f"<title>{page_title}</title>", body, count=1, flags=re.DOTALL)
    body = share_template_css(body, TEMPLATE_CSS_FILE)
    head_extra = f'<script src="{PLOTLY_FILE}" charset="utf-8"></script>\n{REPORT_CSS}'
    body = body.replace("</head>", head_extra + "</head>", 1)
    body = re.sub(r"(<body\b[^>]*>)", lambda m: m.group(1) + nav, body, count=1)
    if colophon:
        from pipelines.lib.reports.site import add_colophon

        body = add_colophon(body, colophon)
    from pipelines.lib.reports.prose import expand_acronyms

    return expand_acronyms(re.sub(r"<main\b", f'<main id="{MAIN_ID}"', body, count=1))


_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE)


def strip_remote_scripts(html_text: str) -> str:
    """Drop the CDN scripts nbconvert's template adds (require.js, MathJax): the reports use no maths, load plotly.js
    from their own folder, and must open offline without network requests."""
    return _REMOTE_SCRIPT.sub("", html_text)


_TEMPLATE_STYLE = re.compile(r'<style type="text/css">.*?</style>\s*', re.DOTALL)


def html_exporter():
    """The nbconvert exporter of every page: lab template, no code, no prompts."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def share_template_css(page: str, href: str) -> str:
    """The page with the template's stylesheets of its head (`<style type="text/css">`, the same ~260 kB in every
    page) replaced, where the first stood, by one `<link>` to `href`: 24 copies per release were a third of its
    reports. Styles inside the body (a table's own) stay."""
    head_end = page.index("</head>")
    head = page[:head_end]
    first = _TEMPLATE_STYLE.search(head)
    if first is None:
        return page
    link = f'<link rel="stylesheet" href="{href}">\n'
    head = head[:first.start()] + link + _TEMPLATE_STYLE.sub("", head[first.start():])
    return head + page[head_end:]


def template_css() -> str:
    """The stylesheets `share_template_css` takes out of a page, as the template writes them (an empty notebook's
    page: they do not depend on the notebook)."""
    from nbformat.v4 import new_notebook

    body, _ = html_exporter().from_notebook_node(new_notebook())
    head = body[:body.index("</head>")]
    return "\n".join(m.group(0).strip()[len('<style type="text/css">'):-len("</style>")]
                     for m in _TEMPLATE_STYLE.finditer(head))


def plotly_bundle() -> str:
    """The vendored partial plotly.js (same version as the Python package's, only the trace types the pages draw:
    1.2 MB instead of 4.8), then the French locale registration."""
    from pipelines.lib.reports.figures import FR_LOCALE_JS

    return PLOTLY_VENDORED.read_text(encoding="utf-8") + "\n" + FR_LOCALE_JS


def bundle_trace_types(script: str) -> frozenset[str] | None:
    """The trace types a plotly.js bundle registers, read from the banner its build writes from its one list
    (`tools/plotly-bundle/build.mjs`: `* traces: bar, heatmap, scatter`); None for a bundle without that line (the
    full plotly.js, which registers every type). Only the head of `script` is read."""
    found = _BUNDLE_TRACES.search(script[:2000])
    return frozenset(t.strip() for t in found.group(1).split(",")) if found else None


def _write_atomic(path: Path, text: str) -> None:
    """Atomic write with mode 0644 (mkstemp's 0600 kept reports from a web server or a colleague)."""
    write_atomic(path, text, mode=FILE_MODE)


def _release_info(marts_dir: Path) -> dict:
    from pipelines.lib.publish.release import ReleaseError, read_manifest

    try:
        return read_manifest(marts_dir)
    except ReleaseError:
        return {}


def index_html(entries: list[tuple[str, str, str]], marts_dir: Path, reports_dir: Path) -> str:
    """The home page: every report with its summary, the regional profiles present, the release, the data files."""
    from pipelines.lib.publish.datapackage import INTERNAL_MARTS
    from pipelines.lib.reports.formatting import fr_datetime
    from pipelines.lib.reports.site import PROFILES_DIR, colophon_html, rendered_profiles

    from pipelines.lib.reports.figures import DATA_LINK
    from pipelines.lib.reports.prose import glossary_html

    info = _release_info(marts_dir)
    base = f"{DATA_LINK}/"
    label = f"publication {info.get('release_id', '?')} du {fr_datetime(info.get('produced_at', ''))}"
    banner = ""
    if info.get("synthetic"):
        from pipelines.lib.reports.marts_reader import SYNTHETIC_TEXT

        banner = f'<div class="ptsm-banner ptsm-synthetic" role="alert">⚠ {html.escape(SYNTHETIC_TEXT)}</div>'
    items = "".join(
        f'<li><a href="{name}.html"><b>{html.escape(title)}</b></a><br><span>{html.escape(summary)}</span></li>'
        for name, title, summary in entries
    )
    profiles = rendered_profiles(reports_dir)
    regions = "" if not profiles else (
        "<h2 id=\"profils-regionaux\">Profils régionaux</h2><p>Un profil par région : ses PTSM comparés à la France entière.</p><ul>"
        + "".join(f'<li><a href="{PROFILES_DIR}/{code}.html">{html.escape(name, quote=False)}</a></li>' for code, name in profiles)
        + "</ul>")
    marts = sorted(m for m in (info.get("marts") or []) if isinstance(m, str)) if isinstance(info.get("marts"), list) \
        else sorted((info.get("marts") or {}).keys())
    marts = [m for m in marts if m not in INTERNAL_MARTS]  # the quality report stays inside the observatory
    data = "".join(f'<li><code>{html.escape(m)}</code> : <a href="{base}{m}.csv">CSV</a> · '
                   f'<a href="{base}{m}.parquet">Parquet</a></li>' for m in marts)
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{SITE_NAME} — rapports de la {html.escape(label)}</title>{REPORT_CSS}
<style>main {{ max-width: 980px; margin: 0 auto; padding: 0 16px; }} li {{ margin: 10px 0; }}</style></head>
<body>{_nav(None, [(n, t) for n, t, _ in entries])}<main id="{MAIN_ID}">
<h1>{SITE_NAME} : rapports d'analyse</h1>{banner}
<p>Rapports de la {html.escape(label)}. Chaque rapport numérote ses graphiques et tableaux et donne pour chacun
« Lecture », « Champ » et « Source » ; une section « Méthodologie » termine chaque rapport.</p>
<h2>Rapports</h2><ul>{items}</ul>{regions}
<h2>Données</h2><p>Fichiers de la publication (CSV : séparateur point-virgule, virgule décimale, lisibles dans Excel)
et <a href="{base}DICTIONNAIRE.md">dictionnaire des données</a> ; description au format Data Package :
<a href="{base}datapackage.json">datapackage.json</a>.</p><ul>{data}</ul>
{glossary_html()}
{colophon_html(SITE_NAME, info, data_href=base)}
</main></body></html>
"""


def link_data(reports_dir: Path, marts_dir: Path) -> None:
    """`<reports_dir>/donnees/`: the release's public files only (site.curate_data), linked relatively so they hold
    when the reports live inside the release. It was a link to the whole release folder, which put the internal
    quality report and the manifest (the server's input path) one click from every page (issue 21 §7)."""
    from pipelines.lib.reports.figures import DATA_LINK
    from pipelines.lib.reports.site import curate_data

    curate_data(Path(reports_dir) / DATA_LINK, marts_dir)


def render_notebooks(notebooks_dir: Path, reports_dir: Path, marts_dir: Path, profiles: Sequence[NotebookJob] = (),
                     kernels: int = 1) -> list[Path]:
    """Execute every numbered notebook on `marts_dir` and write the reports, the shared plotly.js and `index.html`
    into `reports_dir`, each atomically. `profiles`: the regional profiles' runs (regional_profiles.profile_jobs),
    queued after the reports in the same `kernels` kernels (`run_jobs`: the first free kernel takes the next run);
    the home page, written last, lists them.

    A failing notebook (an asserted sentence disagreeing with the marts, a crash) or profile raises, leaves the
    previous page of that notebook in place and writes no home page. Returns the report pages (not the script, the
    profiles nor the home page)."""
    import nbformat

    from pipelines.lib.reports.figures import DATA_LINK
    from pipelines.lib.reports.site import colophon_html

    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(reports_dir / PLOTLY_FILE, plotly_bundle())
    _write_atomic(reports_dir / TEMPLATE_CSS_FILE, template_css())
    link_data(reports_dir, marts_dir)
    sources = [(path.stem, nbformat.read(path, as_version=4)) for path in notebook_paths(notebooks_dir)]
    # the title and summary are the notebook's own heading and first paragraph: known before it runs, so each page
    # is written (with the navigation to all) as soon as its notebook has run
    entries = [(name, notebook_title(nb), notebook_summary(nb)) for name, nb in sources]
    nav = [(name, title) for name, title, _ in entries]
    info = _release_info(marts_dir)

    def page(name: str, title: str) -> Callable[[nbformat.NotebookNode], Path]:
        def write(nb: nbformat.NotebookNode) -> Path:
            colophon = colophon_html(title, info, data_href=f"{DATA_LINK}/", pdf_href=f"{name}.pdf")
            target = reports_dir / f"{name}.html"
            _write_atomic(target, to_html(nb, title=title, nav=_nav(name, nav), colophon=colophon))
            return target
        return write

    reports = [NotebookJob(name, nb, page(name, title)) for (name, nb), (_, title) in zip(sources, nav)]
    written = run_jobs(reports + list(profiles), Path(notebooks_dir), kernel_env(marts_dir, reports_dir), kernels)
    _write_atomic(reports_dir / INDEX_FILE, index_html(entries, marts_dir, reports_dir))
    return written[:len(reports)]
