"""`ptsm health --daemon`: is the Dagster daemon alive? For cron jobs and monitoring (exit code 0 or 1).

The daemon writes a heartbeat per sub-daemon (scheduler, sensors, run queue, monitoring...) into the instance
under DAGSTER_HOME; a heartbeat older than PTSM_DAEMON_MAX_HEARTBEAT_AGE_SECONDS (default 120 s) means that part
of the daemon has stopped, and nothing scheduled will run.
"""

from __future__ import annotations

import os
import sys
import time

from pipelines.lib.core.config import get_automation_settings


def daemon_health() -> int:
    if not os.environ.get("DAGSTER_HOME"):
        print("Erreur : DAGSTER_HOME n'est pas défini ; impossible de lire l'état du démon Dagster.", file=sys.stderr)
        return 2
    import dagster as dg

    limit = get_automation_settings().daemon_heartbeat_max_age_seconds
    try:
        with dg.DagsterInstance.get() as instance:
            required = list(instance.get_required_daemon_types())
            beats = instance.get_daemon_heartbeats()
    except Exception as error:  # noqa: BLE001 - whatever stops the instance opening stops every run and alert
        # e.g. its PostgreSQL down or its driver missing (deploy/dagster.yaml): runs would stay NOT_STARTED in silence
        cause = next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)
        print(f"Instance Dagster inaccessible ({os.environ['DAGSTER_HOME']}/dagster.yaml) : {cause[:300]} — "
              "aucune exécution, planification ni alerte ne peut partir.")
        return 1
    now = time.time()
    stale = []
    for daemon in required:
        beat = beats.get(daemon)
        if beat is None:
            print(f"  {daemon} : aucun battement de cœur enregistré")
            stale.append(daemon)
            continue
        age = now - beat.timestamp
        errors = f", {len(beat.errors)} erreur(s) récente(s)" if beat.errors else ""
        state = "OK" if age <= limit else "EN RETARD"
        print(f"  {daemon} : dernier battement il y a {age:.0f} s ({state}{errors})")
        if age > limit:
            stale.append(daemon)
    if stale:
        print(f"Démon Dagster en panne ou arrêté : {', '.join(stale)} sans battement depuis plus de {limit:g} s.")
        return 1
    print(f"Démon Dagster en bonne santé ({len(required)} services, seuil {limit:g} s).")
    return 0
