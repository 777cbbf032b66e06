"""Operators hear about every failed run: Dagster's own run-failure sensor sends a French alert.

The alert names the run id, the job, the failed step and the first line of its error, so the operator knows what
to look at before opening the UI. It is on by default: a deployment with no destination configured logs a warning
on each failure instead of failing silently.
"""


import dagster as dg

from pipelines.defs.run import first_error_line
from pipelines.lib.ops.alerts import Alert, AlertNotConfigured, send_alert


def failure_alert(run_id: str, job_name: str, tags: dict, step_failures: list, run_error) -> Alert:
    if step_failures:
        step = ", ".join(e.step_key for e in step_failures)
        line = first_error_line(step_failures[0].event_specific_data.error)
    else:
        step = "aucune (le run a échoué avant ou entre les étapes)"
        line = first_error_line(run_error)
    launched_by = tags.get("ptsm/launched_by", "interface ou commande Dagster")
    body = "\n".join([
        "Le rafraîchissement PTSM a échoué.",
        "",
        f"Run : {run_id}",
        f"Job : {job_name}",
        f"Lancé par : {launched_by}",
        f"Étape en échec : {step}",
        f"Première ligne de l'erreur : {line}",
        "",
        "La publication précédente reste en place. Détails dans l'interface Dagster (onglet Runs).",
    ])
    return Alert(subject=f"[PTSM] Échec du run {run_id[:8]} ({job_name}) : {step}", body=body,
                 fields={"run_id": run_id, "job": job_name, "step": step, "error": line})


# monitor_all_code_locations: the deployment has one code location, and this also covers the runs `ptsm refresh`
# records in DAGSTER_HOME (they carry no code-location origin, so the default filter would skip them).
@dg.run_failure_sensor(name="ptsm_run_failure_alert", default_status=dg.DefaultSensorStatus.RUNNING,
                       monitor_all_code_locations=True,
                       description="Envoie une alerte (courriel PTSM_SMTP_*, webhook PTSM_ALERT_WEBHOOK) pour chaque "
                                   "run en échec : identifiant, étape en échec, première ligne de l'erreur.")
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    alert = failure_alert(run.run_id, run.job_name, dict(run.tags), context.get_step_failure_events(),
                          context.failure_event.event_specific_data.error if context.failure_event.event_specific_data else None)
    try:
        done = send_alert(alert)
    except AlertNotConfigured as error:
        context.log.warning(f"Run {run.run_id} en échec, alerte non envoyée : {error}.")
        return
    context.log.info(f"Alerte pour le run {run.run_id} : {'; '.join(done)}.")
