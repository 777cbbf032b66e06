"""Freshness: warn when the published marts get old, a monthly export family stops arriving, or a PTSM is late.

A refresh that never runs (daemon down, sensor off, exports no longer dropped) produces no failure to alert on, so
these checks look at the outcome instead: the age of the published release (its manifest's `produced_at`, or its
`checked_at` when a later refresh found the content unchanged: pipelines/lib/ops/freshness.py) and the
last arrival of a file in each monthly family folder (latest ctime or mtime: a copy sets the ctime even when it
keeps an old mtime). They run daily on their own schedule, outside the refresh jobs, with WARN severity (they
never block a publication), and a failing one sends the same alert as a failed run.
"""


import os
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from pipelines.lib.ops.alerts import Alert, AlertNotConfigured, AlertNotDelivered, send_alert
from pipelines.lib.ops.freshness import age_line, marts_age_days
from pipelines.lib.ops.collection import alert_line, read_status
from pipelines.lib.core.config import MONTHLY_FAMILIES, get_automation_settings, get_settings

RELEASE_KEY = dg.AssetKey(["publish", "marts_release"])
FRESHNESS_JOB = "ptsm_freshness_checks"


def last_arrival(folder: Path) -> datetime | None:
    latest = None
    for root, _dirs, names in os.walk(folder, followlinks=False):
        for name in names:
            try:
                stat = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            latest = max(latest or 0, stat.st_mtime, stat.st_ctime)
    return datetime.fromtimestamp(latest, timezone.utc) if latest is not None else None


def _warn(context, passed: bool, title: str, lines: list[str], metadata: dict) -> dg.AssetCheckResult:
    if not passed:
        context.log.warning(f"{title} : " + " ; ".join(lines))
        try:
            send_alert(Alert(subject=f"[PTSM] {title}", body="\n".join([title, "", *lines]),
                             fields={"check": title, "details": " ; ".join(lines)}))
        except (AlertNotConfigured, AlertNotDelivered) as error:  # journaled: `ptsm health` reports it
            context.log.warning(f"Alerte non envoyée : {error}.")
    return dg.AssetCheckResult(passed=passed, severity=dg.AssetCheckSeverity.WARN,
                               description=" ; ".join(lines), metadata=metadata)


@dg.asset_check(asset=RELEASE_KEY, name="marts_freshness", blocking=False,
                description="Avertit quand la publication des marts a plus de PTSM_MARTS_MAX_AGE_DAYS jours (40 par défaut).")
def marts_freshness(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    settings, limit = get_settings(), get_automation_settings().marts_max_age_days
    age = marts_age_days(settings.marts_dir, datetime.now(timezone.utc))
    lines = [age_line(settings.marts_dir, age, limit)]
    passed = age is not None and age <= limit
    return _warn(context, passed, "Publication des marts trop ancienne" if not passed else "Publication à jour", lines,
                 {"age_days": round(age, 2) if age is not None else -1, "max_age_days": limit})


@dg.asset_check(asset=RELEASE_KEY, name="monthly_exports_arrived", blocking=False,
                description="Avertit quand une famille d'exports mensuelle n'a reçu aucun fichier depuis "
                            "PTSM_EXPORT_MAX_AGE_DAYS jours (40 par défaut).")
def monthly_exports_arrived(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    settings, limit = get_settings(), get_automation_settings().export_max_age_days
    now = datetime.now(timezone.utc)
    late, ages = [], {}
    for family in MONTHLY_FAMILIES:
        arrived = last_arrival(settings.raw_dir / family)
        if arrived is None:
            late.append(f"{family} : aucun fichier dans {settings.raw_dir / family}")
            ages[family] = -1
            continue
        days = (now - arrived).total_seconds() / 86400
        ages[family] = round(days, 2)
        if days > limit:
            late.append(f"{family} : dernier fichier arrivé il y a {days:.0f} jours (seuil {limit:g} jours)")
    # the PTSM themselves (issue 23 §3): the published collection status names who is late, refused or missing
    status = read_status(settings.marts_dir)
    reminder = alert_line(status, MONTHLY_FAMILIES) if status is not None else None
    if reminder:
        late.append(reminder)
    lines = late or [f"chaque famille mensuelle a reçu un fichier depuis moins de {limit:g} jours"]
    return _warn(context, not late, "Exports mensuels manquants" if late else "Exports mensuels à jour", lines,
                 {"age_days": dg.MetadataValue.json(ages), "max_age_days": limit})


freshness_checks = [marts_freshness, monthly_exports_arrived]
FRESHNESS_SELECTION = dg.AssetSelection.checks(*freshness_checks)

freshness_job = dg.define_asset_job(FRESHNESS_JOB, selection=FRESHNESS_SELECTION,
                                    description="Contrôles de fraîcheur : âge de la publication, arrivée des exports mensuels.")

daily_freshness = dg.ScheduleDefinition(
    name="ptsm_daily_freshness", job_name=FRESHNESS_JOB, cron_schedule="30 7 * * *",
    execution_timezone="Europe/Paris", default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Chaque jour à 7 h 30 : contrôles de fraîcheur (alerte si la publication ou un export mensuel manque).",
)
