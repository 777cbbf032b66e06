"""Regional profiles: ONE notebook (`notebooks/regions/profil_region.ipynb`) executed once per region with its
`REGION` parameter, each run written as `<reports>/regions/<code>.html`.

Why long-lived kernels: starting a kernel and importing pandas/Plotly costs seconds, the work per region well under
one; the 18 parametrised copies run in the kernels of the release's reports (`notebooks.run_jobs`: the names of the
previous run removed first), so nothing of a region leaks into the next one but imported modules.

Why two forms of a page: inside the release a profile loads the reports folder's shared plotly.js and notebook
template stylesheet (`../plotly-fr.min.js`, `../jupyterlab.css`), since inlining them (~5 MB) into 18 pages made a
release's reports ~100 MB, over a GB for the 12 releases kept (issue 14: <= 12 MB per release, still offline from the
folder). A profile that travels alone — downloaded from the API by a regional token, copied into
`ptsm export --region` — must open offline without that folder: `standalone_profile` inlines both, the one place the
two use. A page without the shared tags (rendered before the change, or a hand-made one) is already whole.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from pipelines.lib.core.files import write_atomic
from pipelines.lib.reports.notebooks import PLOTLY_FILE, TEMPLATE_CSS_FILE
from pipelines.lib.reports.site import PROFILES_DIR, region_codes, rendered_profiles  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    import nbformat

    from pipelines.lib.reports.notebooks import NotebookJob

PROFILE_NOTEBOOK = Path("regions") / "profil_region.ipynb"
PARAMETER_TAG = "parameters"
# how a profile in `<reports>/regions/` loads the folder's shared plotly.js and template stylesheet;
# `standalone_profile` replaces exactly these
SHARED_PLOTLY_TAG = f'<script src="../{PLOTLY_FILE}" charset="utf-8"></script>'
SHARED_CSS_HREF = f"../{TEMPLATE_CSS_FILE}"
SHARED_CSS_TAG = f'<link rel="stylesheet" href="{SHARED_CSS_HREF}">'
# a profile in `<reports>/regions/` reaches the release's data files one folder up, through the reports' `donnees`
DATA_HREF = re.compile(r'href="(?:\.\./)?donnees/([^"/]*)"')  # a file, or the folder itself ("")
PDF_LINK = re.compile(r'\s*·\s*<a href="[^"/]+\.pdf">[^<]*</a>')  # the colophon's link to the page's own PDF
SITE_DATA_PREFIX = "../donnees/"
# the way home from a profile of the site; a profile that travels alone (export, API) has no site around it
SITE_NAV = re.compile(r'<nav class="ptsm-nav"[^>]*>.*?</nav>', re.DOTALL)


def relink_data(page: str, link: Callable[[str], str]) -> str:
    """Every link of `page` to a data file (`donnees/<file>`, `../donnees/<file>`) pointed at `link(<file>)`.

    Why: one profile travels three ways (the site, `ptsm export --region`, the API) and its data files sit
    somewhere else in each; the page is rendered once and its data links are pointed where the files are."""
    return DATA_HREF.sub(lambda m: f'href="{html.escape(link(m.group(1)))}"', page)


def with_parameter(nb: nbformat.NotebookNode, region: str) -> nbformat.NotebookNode:
    """A copy of the notebook whose cell tagged `parameters` is followed by `REGION = '<code>'` (papermill style:
    the default stays visible, the injected value wins)."""
    import copy

    from nbformat.v4 import new_code_cell

    out = copy.deepcopy(nb)
    index = next((i for i, c in enumerate(out.cells) if PARAMETER_TAG in c.get("metadata", {}).get("tags", [])), None)
    if index is None:
        raise ValueError("le carnet de profil n'a pas de cellule marquée « parameters »")
    cell = new_code_cell(f"REGION = {region!r}  # paramètre injecté au rendu")
    cell.metadata["tags"] = ["injected-parameters"]
    out.cells.insert(index + 1, cell)
    return out


def profile_html(nb: nbformat.NotebookNode, title: str, colophon: str = "") -> str:
    """One French page: no code cells, the report style, loading the shared plotly.js and template stylesheet of the
    reports folder above, closed by `colophon` (site.colophon_html)."""
    from pipelines.lib.reports.notebooks import (INDEX_FILE, MAIN_ID, REPORT_CSS, SITE_NAME, drop_inert_tab_stops,
                                                 html_exporter, share_template_css, strip_remote_scripts,
                                                 without_stray_results)

    body, _ = html_exporter().from_notebook_node(without_stray_results(nb))
    body = share_template_css(drop_inert_tab_stops(strip_remote_scripts(body)), SHARED_CSS_HREF)
    body = relink_data(body, lambda name: SITE_DATA_PREFIX + name)
    nav = (f'<a class="ptsm-skip" href="#{MAIN_ID}">Aller au contenu</a><nav class="ptsm-nav" aria-label="Publication">'
           f'<a href="../{INDEX_FILE}">Accueil de la publication</a>'
           f'<a href="../{INDEX_FILE}#profils-regionaux">Tous les profils régionaux</a></nav>')
    body = re.sub(r"(<body\b[^>]*>)", lambda m: m.group(1) + nav, body, count=1)
    body = re.sub(r"<main\b", f'<main id="{MAIN_ID}"', body, count=1)
    body = re.sub(r"<html\b[^>]*>", '<html lang="fr">', body, count=1)
    body = re.sub(r"<title>.*?</title>", lambda _: f"<title>{html.escape(f'{title} — {SITE_NAME}', quote=False)}</title>", body,
                  count=1, flags=re.DOTALL)
    if colophon:
        from pipelines.lib.reports.site import add_colophon

        body = add_colophon(body, colophon)
    from pipelines.lib.reports.prose import expand_acronyms

    return expand_acronyms(body.replace("</head>", f"{SHARED_PLOTLY_TAG}\n{REPORT_CSS}</head>", 1))


def standalone_profile(path: Path | str, data_link: Callable[[str], str] | None = None) -> bytes:
    """The profile at `path` (`<reports>/regions/<code>.html`) as a page that opens alone, offline: the shared
    script tag replaced by plotly.js and the French locale inline, the shared stylesheet link by its content.

    Each is the release's own file in `<reports>/` (what the page was drawn with), else the installed one. A page
    without the tags is returned as it is. `data_link` points its data links where the reader will find the files
    (the export folder, the API); without it they stay those of the site."""
    from pipelines.lib.reports.notebooks import plotly_bundle, template_css

    path = Path(path)
    page = path.read_bytes()
    shared_files = ((SHARED_PLOTLY_TAG, PLOTLY_FILE, plotly_bundle, '<script charset="utf-8">{}</script>'),
                    (SHARED_CSS_TAG, TEMPLATE_CSS_FILE, template_css, "<style>{}</style>"))
    for tag, name, build, element in shared_files:
        if tag.encode("utf-8") not in page:
            continue
        shared = path.parent.parent / name
        text = shared.read_text(encoding="utf-8") if shared.is_file() else build()
        inline = element.format(re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE))
        page = page.replace(tag.encode("utf-8"), inline.encode("utf-8"), 1)
    if data_link is not None:  # travelling alone: data links where the files are, no site navigation, no PDF beside it
        page = PDF_LINK.sub("", SITE_NAV.sub("", relink_data(page.decode("utf-8"), data_link))).encode("utf-8")
    return page


def profile_jobs(notebook: Path, out_dir: Path, marts_dir: Path,
                 regions: Iterable[str] | None = None) -> list[NotebookJob]:
    """One run of `notebook` per region (its `REGION` injected), each writing `<out_dir>/<code>.html` atomically once
    run: the runs `render_regional_profiles` executes, or `notebooks.render_notebooks` after the numbered reports in
    the same kernels (the release's pages)."""
    import nbformat

    from pipelines.lib.publish.release import ReleaseError, read_manifest
    from pipelines.lib.reports.figures import DATA_LINK
    from pipelines.lib.reports.notebooks import NotebookJob
    from pipelines.lib.reports.marts_reader import region_names
    from pipelines.lib.reports.site import colophon_html

    out_dir = Path(out_dir)
    codes = list(regions) if regions is not None else region_codes()
    names = region_names()
    source = nbformat.read(notebook, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        info = read_manifest(marts_dir)
    except ReleaseError:
        info = {}

    def page(code: str) -> Callable[[nbformat.NotebookNode], Path]:
        def write(nb: nbformat.NotebookNode) -> Path:
            target = out_dir / f"{code}.html"
            title = f"Profil régional — {names.get(code, code)}"
            colophon = colophon_html(title, info, data_href=f"../{DATA_LINK}/", pdf_href=f"{code}.pdf")
            write_atomic(target, profile_html(nb, title, colophon), mode=0o644)
            return target
        return write

    return [NotebookJob(f"profil {code}", with_parameter(source, code), page(code)) for code in codes]


def render_regional_profiles(notebook: Path, out_dir: Path, marts_dir: Path,
                             regions: Iterable[str] | None = None) -> list[Path]:
    """Execute `notebook` once per region in one kernel on `marts_dir`; write `<out_dir>/<code>.html` atomically.

    A region whose run fails raises (the refresh reports it) and leaves the pages already written in place."""
    from pipelines.lib.reports.notebooks import kernel_env, run_jobs

    jobs = profile_jobs(notebook, out_dir, marts_dir, regions)
    return run_jobs(jobs, Path(notebook).parent, kernel_env(marts_dir, out_dir))
