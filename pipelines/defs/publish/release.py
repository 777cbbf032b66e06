"""Publication: every mart to PTSM_MARTS_DIR (Parquet + French CSV + dictionary), atomically.

It runs only after every mart's blocking check passed, so a failing check leaves the previous release published."""


from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import PtsmPaths
from pipelines.defs.transform.sql_assets import mart_names
from pipelines.lib.feedback import feedback_dir, write_feedback
from pipelines.lib.publish import publish_release

MARTS = mart_names()


@dg.asset(
    key=dg.AssetKey(["publish", "marts_release"]),
    group_name="publish",
    deps=[dg.AssetKey(["marts", name]) for name in MARTS],
    description="Publishes all marts to PTSM_MARTS_DIR as one immutable release (Parquet, French CSV, DICTIONNAIRE.md, manifest).",
)
def marts_release(duckdb: DuckDBResource, paths: PtsmPaths) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        release = publish_release(
            con, MARTS, Path(paths.marts_dir),
            synthetic=paths.uses_sample,
            input_label="sample" if paths.uses_sample else "raw",
        )
        # one French page per PTSM whose files had problems, beside the release (pipelines/lib/feedback.py)
        write_feedback(con, feedback_dir(Path(paths.marts_dir)), synthetic=paths.uses_sample)
    return dg.MaterializeResult(metadata={"release": str(release), "marts": len(MARTS), "synthetic": paths.uses_sample})
