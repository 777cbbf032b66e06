"""The one Definitions object of the PTSM observatory (the Dagster code location)."""

from __future__ import annotations

from pipelines.lib.core import speedups

# Every process that loads the code location (`ptsm refresh`, Dagster's daemon, UI and run workers, the tests) runs
# refreshes: the refresh's import-time settings, before anything imports jsonschema (pipelines/lib/core/speedups.py).
speedups.apply()

import dagster as dg  # noqa: E402

from pipelines.defs.alerts import run_failure_alert
from pipelines.defs.automation import REFRESH_JOB, monthly_refresh, raw_exports_sensor, raw_exports_status
from pipelines.defs.freshness import FRESHNESS_SELECTION, daily_freshness, freshness_checks, freshness_job
from pipelines.defs.ingest.exports import raw_assets
from pipelines.defs.ingest.reference import reference_assets
from pipelines.defs.publish.release import build_marts_release
from pipelines.defs.publish.reports import reports_asset
from pipelines.defs.resources import build_resources
from pipelines.defs.transform.sql_assets import build_sql_assets, mart_names
from pipelines.defs.transform.staging import staging_assets
from pipelines.lib.core.config import Settings, get_settings

REPORTS_KEY = dg.AssetKey(["publish", "reports"])

# observed by the sensor and the schedule (the reason of "0 runs requested"), never materialised by a job
STATUS_SELECTION = dg.AssetSelection.assets(raw_exports_status.key)

# The freshness checks run on their own daily schedule, never inside a refresh.
refresh_job = dg.define_asset_job(REFRESH_JOB, selection=dg.AssetSelection.all() - FRESHNESS_SELECTION - STATUS_SELECTION,
                                  description="Rafraîchissement complet : exports -> marts -> contrôles -> publication -> rapports.")
refresh_no_reports_job = dg.define_asset_job(
    "ptsm_refresh_no_reports",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(REPORTS_KEY) - FRESHNESS_SELECTION - STATUS_SELECTION,
    description="Rafraîchissement sans exécution des notebooks (arrêt après la publication des marts).",
)



def build_defs(settings: Settings | None = None) -> dg.Definitions:
    """The code location for `settings` (default: the environment, read now): the SQL assets and the publication's
    list of marts are built from its `sql_dir`, the checks from its `expectations_dir`, its resources point at its
    folders. So a refresh with another PTSM_SQL_DIR (a copy of `sql/` to try a
    change) runs in the same process as any other."""
    settings = settings or get_settings()
    return dg.Definitions(
        assets=[*reference_assets, *raw_assets, *staging_assets,
                *build_sql_assets(settings.sql_dir, settings.expectations_dir / "marts"),
                build_marts_release(mart_names(settings.sql_dir)), reports_asset, raw_exports_status],
        asset_checks=[*freshness_checks],
        jobs=[refresh_job, refresh_no_reports_job, freshness_job],
        schedules=[monthly_refresh, daily_freshness],
        sensors=[raw_exports_sensor, run_failure_alert],
        resources=build_resources(settings),
        executor=dg.in_process_executor,
    )

_BUILT_FOR = get_settings()  # the environment `defs` is built for
defs = build_defs(_BUILT_FOR)


def defs_for(settings: Settings) -> dg.Definitions:
    """`defs` when `settings` are the ones it was built for (a `ptsm refresh` process: importing this module built
    it already), else a new code location for `settings`. Building one costs ~0.05 s of CPU (every asset and check),
    and the command used to build a second identical one on every refresh."""
    return defs if settings == _BUILT_FOR else build_defs(settings)
