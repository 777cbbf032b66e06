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


def folder_guard(raw_dir: Path, settle: float, now: float | None = None) -> tuple[str, str, FolderState | None]:
    """The guard the sensor and the monthly schedule share: (state code, French reason, folder state). The code is
    "pret" when a run may start: the folder is there, holds exports, no temporary file, nothing changed for
    `settle` seconds."""
    if not raw_dir.is_dir():
        return "absent", f"Dossier des exports {raw_dir} absent (PTSM_RAW_DIR non monté ?) : aucun run lancé.", None
    state = scan_raw_folder(raw_dir)
    if state.temporary:
        shown = ", ".join(state.temporary[:5]) + (f" et {len(state.temporary) - 5} autres" if len(state.temporary) > 5 else "")
        return "copie_en_cours", (f"Dépôt en cours dans {raw_dir} : fichiers temporaires ou partiels présents ({shown}) ; "
                                  "attente de la fin de la copie."), state
    if not has_exports(raw_dir):
        return "vide", (f"Aucun export dans {raw_dir} : aucun run lancé (Dagster n'utilise jamais "
                        "l'échantillon synthétique)."), state
    quiet = (now if now is not None else time.time()) - state.last_change_ns / 1e9
    if quiet < settle:
        return "depot_recent", (f"Dépôt récent dans {raw_dir} : dernier changement il y a {max(quiet, 0):.0f} s ; "
                                f"un run partira après {settle:.0f} s sans changement."), state
    return "pret", f"Dépôt complet dans {raw_dir} : run demandé.", state


def _decide(cursor: str | None, now: float | None = None) -> tuple[str, dg.RunRequest | dg.SkipReason, str | None]:
    raw_dir = get_settings().raw_dir
    code, reason, state = folder_guard(raw_dir, get_automation_settings().sensor_settle_seconds, now)
    if code != "pret":
        return code, dg.SkipReason(reason), None
    last = json.loads(cursor).get("last_run_key") if cursor else None
    if last == state.run_key:
        return "inchange", dg.SkipReason(f"Aucun changement dans {raw_dir} depuis le dernier run demandé ({last})."), None
    request = dg.RunRequest(run_key=state.run_key, tags={"ptsm/launched_by": "raw_exports_sensor",
                                                         "ptsm/raw_fingerprint": state.fingerprint})
    return code, request, json.dumps({"last_run_key": state.run_key})


def evaluate_raw_folder(cursor: str | None, now: float | None = None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    """The sensor's decision and its new cursor (None: unchanged). The cursor remembers the last run key asked for."""
    _code, decision, cursor = _decide(cursor, now)
    return decision, cursor


# Where an operator looks first: the tick list says "0 runs requested" and hides the reason one click away, so every
# change of the folder's state is also an observation of this asset, its reason as the description (asset catalogue,
# group "ops"). Only a change is recorded, not each tick.
RAW_STATUS_KEY = dg.AssetKey(["ops", "raw_exports_status"])
raw_exports_status = dg.AssetSpec(
    RAW_STATUS_KEY, group_name="ops",
    description="État du dossier des exports (PTSM_RAW_DIR) vu par le capteur et la planification mensuelle : la "
                "raison du dernier « aucun run » ou du dernier run demandé (métadonnées « etat » et « raison »).")


def status_observation(context, code: str, reason: str, by: str) -> dg.AssetObservation | None:
    """An observation of the status asset when the state changed since the last one; None otherwise, or when the
    context has no instance (a unit test's bare context)."""
    try:
        instance = context.instance
    except dg.DagsterInvariantViolationError:
        return None
    latest = instance.fetch_observations(RAW_STATUS_KEY, limit=1).records
    if latest:
        metadata = latest[0].asset_observation.metadata
        if "etat" in metadata and metadata["etat"].value == code and metadata["par"].value == by:
            return None
    return dg.AssetObservation(RAW_STATUS_KEY, description=reason, metadata={"etat": code, "raison": reason, "par": by})


def _result(decision, observation: dg.AssetObservation | None):
    if observation is None:
        return decision
    if isinstance(decision, dg.SkipReason):
        return dg.SensorResult(skip_reason=decision, asset_events=[observation])
    return dg.SensorResult(run_requests=[decision], asset_events=[observation])


@dg.sensor(job_name=AUTOMATION_JOB, minimum_interval_seconds=get_automation_settings().sensor_interval_seconds,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Lance un rafraîchissement quand un dépôt d'exports dans PTSM_RAW_DIR est complet : aucun "
                       "fichier temporaire et aucun changement pendant PTSM_SENSOR_SETTLE_SECONDS. La raison de chaque "
                       "« aucun run » est aussi l'état de l'asset ops/raw_exports_status.")
def raw_exports_sensor(context: dg.SensorEvaluationContext):
    code, decision, cursor = _decide(context.cursor)
    if cursor is not None:
        context.update_cursor(cursor)
    reason = decision.skip_message if isinstance(decision, dg.SkipReason) else \
        f"Dépôt complet dans {get_settings().raw_dir} : run demandé ({decision.run_key})."
    context.log.info(reason)
    return _result(decision, status_observation(context, code, reason, "capteur"))


@dg.schedule(name="dmsmp_monthly_refresh", job_name=AUTOMATION_JOB,
             cron_schedule=MONTHLY_REFRESH_CRON,  # once the month's exports are in (pipelines/lib/core/config.py)
             execution_timezone=MONTHLY_REFRESH_TIMEZONE, default_status=dg.DefaultScheduleStatus.STOPPED,
             tags={"ptsm/launched_by": "dmsmp_monthly_refresh"},
             description="Rafraîchissement mensuel DMSMP : ingestion des exports, marts, contrôles, publication, "
                         "rapports ; avec la garde du capteur (aucun fichier temporaire, aucun changement pendant "
                         "PTSM_SENSOR_SETTLE_SECONDS), sinon aucun run et la raison (le capteur lancera le run une fois "
                         "le dépôt complet).")
def monthly_refresh(context: dg.ScheduleEvaluationContext):
    """The same guard as the sensor: a schedule firing mid-copy would publish half a month (or be blocked by the
    backtest). A copy in progress skips this tick with its reason; the sensor starts the run once the drop is
    complete. An unchanged folder still runs (a monthly check of the publication: checked_at)."""
    code, reason, _state = folder_guard(get_settings().raw_dir, get_automation_settings().sensor_settle_seconds)
    if code != "pret":
        reason = f"{reason} (planification mensuelle : le capteur lancera le run une fois le dépôt complet)"
        context.log.info(reason)
        observation = status_observation(context, code, reason, "planification")
        if observation is not None:  # a schedule returns no asset events: recorded directly
            context.instance.report_runless_asset_event(observation)
        return dg.SkipReason(reason)
    return dg.RunRequest(tags={"ptsm/launched_by": "dmsmp_monthly_refresh"})
