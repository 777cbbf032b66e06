"""Sending an alert to the operators: e-mail (PTSM_SMTP_*) and/or a webhook (PTSM_ALERT_WEBHOOK).

Plain standard library (smtplib, urllib), so an alert does not depend on anything the failed run may have broken.
Each channel is tried on its own (a dead SMTP server never keeps the webhook from being called), retried with a
growing wait (PTSM_ALERT_ATTEMPTS, PTSM_ALERT_BACKOFF_SECONDS), and every alert is written to a journal beside the
warehouse (`<PTSM_DB>.alerts.jsonl`) with what each channel did: Dagster catches a sensor's exception and moves
on, so the journal, read by `ptsm health`, is what keeps an undelivered alert from being forgotten.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

from pipelines.lib.core.config import AutomationSettings, get_automation_settings, get_settings

log = logging.getLogger(__name__)


class AlertNotConfigured(Exception):
    """Neither an SMTP server with recipients nor a webhook is configured."""


class AlertNotDelivered(Exception):
    """At least one configured channel failed after every attempt (the others were still tried)."""


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str
    fields: dict[str, str]


def journal_path() -> Path:
    db = get_settings().db_path
    return db.with_name(db.name + ".alerts.jsonl")


def _send_mail(alert: Alert, settings: AutomationSettings) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.smtp_from or "ptsm@localhost"
    message["To"] = ", ".join(settings.smtp_to)
    message.set_content(alert.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


def _call_webhook(alert: Alert, settings: AutomationSettings) -> None:
    import urllib.request  # here, not at the top: every refresh imports this module, few call a webhook (~0.1 s)

    payload = json.dumps({"text": f"{alert.subject}\n{alert.body}", **alert.fields}, ensure_ascii=False).encode()
    request = urllib.request.Request(settings.alert_webhook, data=payload, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _try(send: Callable[[], None], settings: AutomationSettings) -> dict:
    """Up to `alert_attempts` tries, waiting backoff, 2 x backoff, ... between them."""
    error = ""
    for attempt in range(1, settings.alert_attempts + 1):
        try:
            send()
            return {"delivered": True, "attempts": attempt}
        except (OSError, smtplib.SMTPException, ValueError) as failure:  # URLError and socket errors are OSErrors
            error = f"{type(failure).__name__}: {failure}"
            if attempt < settings.alert_attempts:
                time.sleep(settings.alert_backoff_seconds * 2 ** (attempt - 1))
    return {"delivered": False, "attempts": settings.alert_attempts, "error": error}


def send_alert(alert: Alert, settings: AutomationSettings | None = None) -> list[str]:
    """Try every configured channel; journal the outcome; return what was done (French). Raise
    `AlertNotConfigured` when nothing is configured, `AlertNotDelivered` when a channel failed every attempt."""
    settings = settings or get_automation_settings()
    channels: dict[str, tuple[str, Callable[[], None]]] = {}
    if settings.smtp_host and settings.smtp_to:
        channels["courriel"] = (f"courriel envoyé à {', '.join(settings.smtp_to)}",
                                lambda: _send_mail(alert, settings))
    if settings.alert_webhook:
        channels["webhook"] = (f"webhook appelé ({settings.alert_webhook.split('?')[0]})",
                               lambda: _call_webhook(alert, settings))
    if not channels:
        raise AlertNotConfigured("aucune destination d'alerte configurée (PTSM_SMTP_HOST et PTSM_SMTP_TO, "
                                 "ou PTSM_ALERT_WEBHOOK)")
    outcome = {name: _try(send, settings) for name, (_, send) in channels.items()}
    _journal(alert, outcome)
    done = [channels[name][0] for name, result in outcome.items() if result["delivered"]]
    failed = [f"{name} non remis après {result['attempts']} essai(s) ({result['error']})"
              for name, result in outcome.items() if not result["delivered"]]
    for line in done:
        log.info("Alerte « %s » : %s", alert.subject, line)
    for line in failed:
        log.error("Alerte « %s » : %s", alert.subject, line)
    if failed:
        raise AlertNotDelivered("; ".join(failed + done))
    return done


def _journal(alert: Alert, outcome: dict) -> None:
    entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "subject": alert.subject,
             "fields": alert.fields, "channels": outcome}
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


def undelivered_alerts() -> list[dict]:
    """Journaled alerts that some channel did not deliver (an unreadable line counts as undelivered)."""
    path = journal_path()
    if not path.exists():
        return []
    missed = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            if all(c.get("delivered") for c in entry["channels"].values()):
                continue
        except (ValueError, KeyError, AttributeError):
            entry = {"subject": f"ligne illisible du journal : {line[:80]!r}", "at": ""}
        missed.append(entry)
    return missed


def alerts_health() -> int:
    """Print the undelivered alerts; 1 (degraded) when there are any, else 0."""
    missed = undelivered_alerts()
    if not missed:
        print(f"Alertes : aucune alerte non remise ({journal_path()}).")
        return 0
    print(f"Alertes : {len(missed)} alerte(s) non remise(s) (journal {journal_path()}) :")
    for entry in missed:
        print(f"  {entry.get('at', '')} {entry.get('subject', '')}")
    return 1


def unit_failure_alert(unit: str) -> int:
    """`ptsm alert --unit X`, run by systemd when a unit fails (OnFailure=ptsm-alert@%n.service): the daemon, the
    UI, the API or the health check stopped, and nothing inside Dagster can say so any more."""
    alert = Alert(subject=f"[PTSM] Service en échec : {unit}",
                  body="\n".join([f"Le service systemd {unit} s'est arrêté en échec.",
                                   "Sans le démon Dagster, ni la planification, ni le capteur, ni les alertes de run ne "
                                   "fonctionnent.", "", f"Voir : journalctl -u {unit} -n 100 ; systemctl status {unit}"]),
                  fields={"unit": unit})
    try:
        print("; ".join(send_alert(alert)))
    except (AlertNotConfigured, AlertNotDelivered) as error:
        print(f"Alerte non envoyée : {error}", file=sys.stderr)
        return 1
    return 0
