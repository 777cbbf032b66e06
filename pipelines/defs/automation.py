"""The DMSMP's monthly refresh schedule and a sensor that starts a refresh when an export lands or changes."""


import hashlib
import json
import os

import dagster as dg

from pipelines.lib.config import EXPORT_FAMILIES, get_settings

REFRESH_JOB = "ptsm_refresh"

monthly_refresh = dg.ScheduleDefinition(
    name="dmsmp_monthly_refresh",
    job_name=REFRESH_JOB,
    cron_schedule="0 6 2 * *",  # the 2nd of each month at 06:00, once the month's exports are in
    execution_timezone="Europe/Paris",
    description="Rafraîchissement mensuel DMSMP : ingestion des exports, marts, contrôles, publication, rapports.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


def raw_folder_fingerprint() -> str:
    """Name, size and mtime of every export file: changes when a file lands, changes or disappears."""
    raw_dir = get_settings().raw_dir
    entries = []
    for family in EXPORT_FAMILIES:
        folder = raw_dir / family
        if not folder.is_dir():
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_file(follow_symlinks=False):
                stat = entry.stat(follow_symlinks=False)
                entries.append((family, entry.name, stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(json.dumps(entries).encode()).hexdigest()


@dg.sensor(job_name=REFRESH_JOB, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Lance un rafraîchissement quand un export nouveau ou modifié arrive dans PTSM_RAW_DIR.")
def raw_exports_sensor(context: dg.SensorEvaluationContext):
    fingerprint = raw_folder_fingerprint()
    if fingerprint == context.cursor:
        return dg.SkipReason("Aucun export nouveau ou modifié.")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)
