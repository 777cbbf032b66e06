"""Analysis reports: the notebooks re-run on each new marts release and rendered as self-contained HTML.

The reports belong to the release they were computed from: they are rendered into it (`<release>/reports`) and
PTSM_REPORTS_DIR is switched to them only once all are written, so it never mixes the reports of two runs."""

from pathlib import Path

import dagster as dg

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.release import publish_reports
from pipelines.lib.reports import render_notebooks


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
        lambda release, target: render_notebooks(Path(paths.notebooks_dir), target, release),
    )
    written = sorted(folder.glob("*.html"))
    context.log.info("Rapports écrits : %s", ", ".join(p.name for p in written))
    return dg.MaterializeResult(metadata={
        "reports": [p.name for p in written],
        "reports_dir": str(Path(paths.reports_dir)),
        "release": folder.parent.name,
        "total_bytes": sum(p.stat().st_size for p in written),
    })
