"""Analysis reports: the notebooks re-run on each new marts release and rendered as self-contained HTML."""

from pathlib import Path

import dagster as dg

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.reports import render_notebooks


@dg.asset(
    key=dg.AssetKey(["publish", "reports"]),
    group_name="publish",
    deps=[dg.AssetKey(["publish", "marts_release"])],
    description="Exécute les carnets d'analyse (notebooks/NN_*.ipynb) sur la publication des marts et les rend en "
                "rapports HTML autonomes, lisibles hors ligne, dans PTSM_REPORTS_DIR.",
)
def reports_asset(context: dg.AssetExecutionContext, paths: PtsmPaths) -> dg.MaterializeResult:
    written = render_notebooks(Path(paths.notebooks_dir), Path(paths.reports_dir), Path(paths.marts_dir))
    context.log.info("Rapports écrits : %s", ", ".join(p.name for p in written))
    return dg.MaterializeResult(metadata={
        "reports": [p.name for p in written],
        "reports_dir": str(Path(paths.reports_dir)),
        "total_bytes": sum(p.stat().st_size for p in written),
    })
