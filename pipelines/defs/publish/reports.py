"""Analysis reports: the notebooks re-run on each new marts release and rendered as self-contained HTML.

The reports belong to the release they were computed from: they are rendered into it (`<release>/reports`) and
PTSM_REPORTS_DIR is switched to them only once all are written, so it never mixes the reports of two runs."""

from pathlib import Path

import dagster as dg

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.reports.regional_profiles import PROFILE_NOTEBOOK, PROFILES_DIR, profile_jobs
from pipelines.lib.publish.release import publish_reports
from pipelines.lib.reports.notebooks import render_notebooks
from pipelines.lib.reviews import printing
from pipelines.lib.reviews.ptsm_reviews import REVIEWS_DIR, render_ptsm_reviews
from pipelines.lib.reports import report_check

KERNELS = 2  # notebook kernels at once for a release's pages: one per core of the machine it is sized for


def render_all(notebooks_dir: Path, release: Path, target: Path, pdf_dir: Path | None = None) -> list[Path]:
    """The PTSM reviews (`<target>/ptsm/<id>.html`, templates: seconds for all), the 18 regional profiles
    (`<target>/regions/<code>.html`), then the numbered reports of the same release. With `pdf_dir`, the reviews' A4 PDFs
    (`<pdf_dir>/<id>.pdf`) are printed by Chromium in the background meanwhile (pipelines/lib/reviews/printing.py);
    without Chromium the pages are written and the log says why there is no PDF.

    The numbered reports and the profiles are run by two kernels that share the runs (2 cores: one each); the home
    page, written last by `render_notebooks`, lists the profiles; they load the shared plotly.js it writes. Then every
    page is printed to A4 PDF by Chromium, several at once, and every page is checked (`check_pages`): a
    blocking finding raises, so the release's previous pages stay. A notebooks folder without the profile notebook (a
    trimmed copy, as in the reliability tests) renders the numbered reports only."""
    profiles = (notebooks_dir / PROFILE_NOTEBOOK).is_file()
    # without profiles the reviews' navigation (to their region's profile) would lead nowhere: the page check refuses it
    reviews = render_ptsm_reviews(release, target / REVIEWS_DIR, links=profiles)
    printer = None
    if pdf_dir is not None:
        missing = printing.available()
        if missing is None:
            printer = printing.BackgroundPrinter(reviews, pdf_dir)
        else:
            dg.get_dagster_logger().warning(missing)
    try:
        # the numbered reports, then the 18 profiles, run by two kernels (one per core) that each take the next run
        # when free (notebooks.run_jobs); the home page, written last, lists the profiles
        jobs = profile_jobs(notebooks_dir / PROFILE_NOTEBOOK, target / PROFILES_DIR, release) if profiles else []
        written = render_notebooks(notebooks_dir, target, release, profiles=jobs, kernels=KERNELS)
        # one A4 PDF per report and per profile, beside its page (issue 21 §2), printed by the page check's browsers
        check_pages(target, print_first=True)
    except BaseException:
        if printer is not None:
            printer.discard()  # never leave Chromium running, nor PDFs of pages that will not be shown
        raise
    if printer is not None:
        printer.publish()  # the PDFs of these pages, swapped in whole
    return written


def check_pages(target: Path, print_first: bool = False) -> report_check.SiteCheck:
    """Every page of the site just rendered into `target`, checked before it is shown (report_check.check_site: which
    checks block, which warn). The outcome is the release's `page_checks.json`; a blocking finding fails the step
    with a French message naming the page and the problem, and the previous publication's pages stay. With
    `print_first`, the pages' A4 PDFs are printed first by the same browsers (without Chromium: none, logged)."""
    log = dg.get_dagster_logger()
    checked = report_check.check_site(target, print_first=print_first)
    report_check.write_fact(target, checked)
    if checked.browser_skipped:
        log.warning(f"Contrôle des pages : {checked.browser_skipped}")
    for warning in checked.warnings:
        log.warning(f"Contrôle des pages (avertissement) : {warning.message}")
    if checked.blocking:
        raise dg.Failure(description=checked.failure_message())
    return checked


@dg.asset(
    key=dg.AssetKey(["publish", "reports"]),
    group_name="publish",
    deps=[dg.AssetKey(["publish", "marts_release"])],
    description="Exécute les carnets d'analyse (notebooks/NN_*.ipynb) sur la publication des marts et les rend en "
                "rapports HTML autonomes, lisibles hors ligne, dans la publication ; PTSM_REPORTS_DIR les montre.",
)
def reports_asset(context: dg.AssetExecutionContext, paths: PtsmPaths) -> dg.MaterializeResult:
    folder = publish_reports(
        Path(paths.marts_dir), Path(paths.reports_dir),
        lambda release, target: render_all(Path(paths.notebooks_dir), release, target,
                                           printing.review_pdf_dir(Path(paths.marts_dir))),
    )
    written = sorted(folder.glob("*.html"))
    profiles = sorted((folder / PROFILES_DIR).glob("*.html"))
    reviews = sorted((folder / REVIEWS_DIR).glob("*.html"))
    pdfs = sorted(printing.review_pdf_dir(Path(paths.marts_dir)).glob("*.pdf"))
    context.log.info("Rapports écrits : %s ; profils régionaux : %d ; bilans de PTSM : %d",
                     ", ".join(p.name for p in written), len(profiles), len(reviews))
    return dg.MaterializeResult(metadata={
        "reports": [p.name for p in written],
        "regional_profiles": len(profiles),
        "ptsm_reviews": len(reviews),
        "ptsm_review_pdfs": len(pdfs),
        "reports_dir": str(Path(paths.reports_dir)),
        "release": folder.parent.name,
        "total_bytes": sum(p.stat().st_size for p in written),
    })
