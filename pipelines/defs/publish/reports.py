"""Analysis reports: the notebooks re-run on each new marts release and rendered as self-contained HTML.

The reports belong to the release they were computed from: they are rendered into it (`<release>/reports`) and
PTSM_REPORTS_DIR is switched to them only once all are written, so it never mixes the reports of two runs."""

from pathlib import Path

import dagster as dg

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.reports.regional_profiles import PROFILE_NOTEBOOK, PROFILES_DIR, render_regional_profiles
from pipelines.lib.publish.release import publish_reports
from pipelines.lib.reports.notebooks import render_notebooks
from pipelines.lib.reports.report_check import print_pdfs


def render_all(notebooks_dir: Path, release: Path, target: Path) -> list[Path]:
    """The 18 regional profiles (`<target>/regions/<code>.html`), then the numbered reports of the same release.

    Profiles first so the home page written with the numbered reports links them; they load the shared plotly.js
    written then; then every page is printed to A4 PDF by Chromium. A notebooks folder without the profile notebook (a trimmed copy, as in the reliability tests)
    renders the numbered reports only."""
    if (notebooks_dir / PROFILE_NOTEBOOK).is_file():
        render_regional_profiles(notebooks_dir / PROFILE_NOTEBOOK, target / PROFILES_DIR, release)
    pages = render_notebooks(notebooks_dir, target, release)
    print_pdfs(target)  # one A4 PDF per report and per profile, beside its page (issue 21 §2)
    return pages


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
        lambda release, target: render_all(Path(paths.notebooks_dir), release, target),
    )
    written = sorted(folder.glob("*.html"))
    profiles = sorted((folder / PROFILES_DIR).glob("*.html"))
    context.log.info("Rapports écrits : %s ; profils régionaux : %d", ", ".join(p.name for p in written), len(profiles))
    return dg.MaterializeResult(metadata={
        "reports": [p.name for p in written],
        "regional_profiles": len(profiles),
        "reports_dir": str(Path(paths.reports_dir)),
        "release": folder.parent.name,
        "total_bytes": sum(p.stat().st_size for p in written),
    })
