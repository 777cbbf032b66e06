"""The DMSMP's monthly refresh schedule and a sensor that starts a refresh once a drop of exports is complete.

A drop is copied file by file (`rsync -a`, `cp -p`, a browser download): a run started mid-copy would see half
the workbooks. So the sensor starts a run only when the folder (recursively) holds no temporary or partial file
and nothing in it has changed for a settle window (PTSM_SENSOR_SETTLE_SECONDS, default 300 s). "Changed" is read
from each entry's ctime as well as its mtime: `cp -p` and `rsync -a` restore an old mtime, but the kernel sets the
ctime when the copy lands. The run key is the folder's fingerprint plus that last change, so a folder that comes
back to an earlier state (a file restored, a share remounted) still starts a new run.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.lib.core.config import (MONTHLY_REFRESH_CRON, MONTHLY_REFRESH_TIMEZONE, get_automation_settings,
                                       get_settings)
from pipelines.lib.ingest.discovery import has_exports
from pipelines.lib.ingest.discovery import is_junk

REFRESH_JOB = "ptsm_refresh"
AUTOMATION_JOB = get_automation_settings().automation_job  # read once, when the code location loads

# Office lock files, partial downloads and copies in progress: a drop holding one is not complete yet.
TEMPORARY_PATTERNS = ("~$*", "*.part", "*.tmp", ".~lock*", "*.crdownload")

monthly_refresh = dg.ScheduleDefinition(
    name="dmsmp_monthly_refresh",
    job_name=AUTOMATION_JOB,
    cron_schedule=MONTHLY_REFRESH_CRON,  # once the month's exports are in (pipelines/lib/core/config.py)
    execution_timezone=MONTHLY_REFRESH_TIMEZONE,
    description="Rafraîchissement mensuel DMSMP : ingestion des exports, marts, contrôles, publication, rapports.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    tags={"ptsm/launched_by": "dmsmp_monthly_refresh"},
)


@dataclass
class FolderState:
    """What the sensor sees of PTSM_RAW_DIR: every file (relative path, size, mtime), the temporary ones, and
    the time of the last change of any entry (files and folders, the root included)."""

    files: list[tuple[str, int, int]] = field(default_factory=list)
    temporary: list[str] = field(default_factory=list)
    last_change_ns: int = 0

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.files).encode()).hexdigest()

    @property
    def run_key(self) -> str:
        return f"{self.fingerprint[:16]}-{self.last_change_ns}"


def _changed_ns(stat: os.stat_result) -> int:
    return max(stat.st_mtime_ns, stat.st_ctime_ns)


def scan_raw_folder(raw_dir: Path) -> FolderState:
    """Walk the folder without following links (a loop or a link outside never hangs the sensor)."""
    state = FolderState(last_change_ns=_changed_ns(raw_dir.stat()))
    for folder, dirs, names in os.walk(raw_dir, followlinks=False):
        dirs.sort()
        for name in dirs:
            try:
                state.last_change_ns = max(state.last_change_ns, _changed_ns(os.lstat(os.path.join(folder, name))))
            except OSError:
                continue
        for name in sorted(names):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, raw_dir)
            try:
                stat = os.lstat(path)
            except OSError:  # vanished while we looked: a copy or a move in progress
                state.temporary.append(relative)
                continue
            if any(fnmatch.fnmatch(name, pattern) for pattern in TEMPORARY_PATTERNS):
                state.temporary.append(relative)
            elif is_junk(name):  # a `.DS_Store` left by a file browser is no new drop: no run for it
                continue
            state.files.append((relative, stat.st_size, stat.st_mtime_ns))
            state.last_change_ns = max(state.last_change_ns, _changed_ns(stat))
    return state


def evaluate_raw_folder(cursor: str | None, now: float | None = None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    """The sensor's decision and its new cursor (None: unchanged). The cursor remembers the last run key asked for."""
    raw_dir = get_settings().raw_dir
    settle = get_automation_settings().sensor_settle_seconds
    if not raw_dir.is_dir():
        return dg.SkipReason(f"Dossier des exports {raw_dir} absent (PTSM_RAW_DIR non monté ?) : aucun run lancé."), None
    state = scan_raw_folder(raw_dir)
    if state.temporary:
        shown = ", ".join(state.temporary[:5]) + (f" et {len(state.temporary) - 5} autres" if len(state.temporary) > 5 else "")
        return dg.SkipReason(f"Dépôt en cours dans {raw_dir} : fichiers temporaires ou partiels présents ({shown}) ; "
                             "attente de la fin de la copie."), None
    if not has_exports(raw_dir):
        return dg.SkipReason(f"Aucun export dans {raw_dir} : aucun run lancé (Dagster n'utilise jamais "
                             "l'échantillon synthétique)."), None
    quiet = (now if now is not None else time.time()) - state.last_change_ns / 1e9
    if quiet < settle:
        return dg.SkipReason(f"Dépôt récent dans {raw_dir} : dernier changement il y a {max(quiet, 0):.0f} s ; "
                             f"un run partira après {settle:.0f} s sans changement."), None
    last = json.loads(cursor).get("last_run_key") if cursor else None
    if last == state.run_key:
        return dg.SkipReason(f"Aucun changement dans {raw_dir} depuis le dernier run demandé ({last})."), None
    request = dg.RunRequest(run_key=state.run_key, tags={"ptsm/launched_by": "raw_exports_sensor",
                                                         "ptsm/raw_fingerprint": state.fingerprint})
    return request, json.dumps({"last_run_key": state.run_key})


@dg.sensor(job_name=AUTOMATION_JOB, minimum_interval_seconds=get_automation_settings().sensor_interval_seconds,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Lance un rafraîchissement quand un dépôt d'exports dans PTSM_RAW_DIR est complet : aucun "
                       "fichier temporaire et aucun changement pendant PTSM_SENSOR_SETTLE_SECONDS.")
def raw_exports_sensor(context: dg.SensorEvaluationContext):
    decision, cursor = evaluate_raw_folder(context.cursor)
    if cursor is not None:
        context.update_cursor(cursor)
    return decision
