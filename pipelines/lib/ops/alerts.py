"""Sending an alert to the operators: e-mail (PTSM_SMTP_*) and/or a webhook (PTSM_ALERT_WEBHOOK).

Plain standard library (smtplib, urllib), so an alert does not depend on anything the failed run may have broken.
"""

from __future__ import annotations

import json
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

from pipelines.lib.core.config import AutomationSettings, get_automation_settings


class AlertNotConfigured(Exception):
    """Neither an SMTP server with recipients nor a webhook is configured."""


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str
    fields: dict[str, str]


def send_alert(alert: Alert, settings: AutomationSettings | None = None) -> list[str]:
    """Send to every configured destination; return what was done (French), raise if nothing is configured.
    A destination that fails raises, so the Dagster sensor tick shows the failure and retries."""
    settings = settings or get_automation_settings()
    done = []
    if settings.smtp_host and settings.smtp_to:
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
        done.append(f"courriel envoyé à {', '.join(settings.smtp_to)}")
    if settings.alert_webhook:
        payload = json.dumps({"text": f"{alert.subject}\n{alert.body}", **alert.fields}, ensure_ascii=False).encode()
        request = urllib.request.Request(settings.alert_webhook, data=payload, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        done.append(f"webhook appelé ({settings.alert_webhook.split('?')[0]})")
    if not done:
        raise AlertNotConfigured("aucune destination d'alerte configurée (PTSM_SMTP_HOST et PTSM_SMTP_TO, "
                                 "ou PTSM_ALERT_WEBHOOK)")
    return done
