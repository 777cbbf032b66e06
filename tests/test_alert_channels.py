"""Issue 22 §2: every alert channel is tried on its own, a failed one is retried, and what was not delivered is
journaled and reported by `ptsm health` (real aiosmtpd server and real http.server webhook on loopback)."""

from __future__ import annotations

import json

import pytest

from pipelines.lib.ops import alerts
from tests.test_automation_alerts import _free_port, mailbox, webhook  # noqa: F401 (fixtures)

ALERT = alerts.Alert(subject="[PTSM] Échec", body="Le rafraîchissement PTSM a échoué.", fields={"run_id": "r1"})


@pytest.fixture(autouse=True)
def _journal(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSM_DB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("PTSM_ALERT_ATTEMPTS", "3")
    monkeypatch.setenv("PTSM_ALERT_BACKOFF_SECONDS", "0")
    return tmp_path / "warehouse.duckdb.alerts.jsonl"


def _smtp_down(monkeypatch):
    monkeypatch.setenv("PTSM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PTSM_SMTP_PORT", str(_free_port()))  # nothing listens there
    monkeypatch.setenv("PTSM_SMTP_TO", "a@test.invalid")


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_smtp_down_webhook_up_calls_the_webhook_and_retries_smtp(monkeypatch, webhook, _journal):
    _smtp_down(monkeypatch)
    with pytest.raises(alerts.AlertNotDelivered) as refused:
        alerts.send_alert(ALERT)
    assert "courriel" in str(refused.value)
    assert len(webhook) == 1 and webhook[0]["run_id"] == "r1"
    [entry] = _lines(_journal)
    assert entry["subject"] == "[PTSM] Échec"
    assert entry["channels"]["webhook"]["delivered"] is True
    assert entry["channels"]["webhook"]["attempts"] == 1
    assert entry["channels"]["courriel"]["delivered"] is False
    assert entry["channels"]["courriel"]["attempts"] == 3
    assert [a["subject"] for a in alerts.undelivered_alerts()] == ["[PTSM] Échec"]


def test_both_up_is_journaled_as_delivered(mailbox, webhook, _journal):
    assert alerts.send_alert(ALERT)
    assert len(mailbox.messages) == 1 and len(webhook) == 1
    [entry] = _lines(_journal)
    assert all(c["delivered"] for c in entry["channels"].values())
    assert alerts.undelivered_alerts() == []


def test_both_down_makes_health_degraded(monkeypatch, capsys, _journal):
    _smtp_down(monkeypatch)
    monkeypatch.setenv("PTSM_ALERT_WEBHOOK", f"http://127.0.0.1:{_free_port()}/hook")
    with pytest.raises(alerts.AlertNotDelivered):
        alerts.send_alert(ALERT)
    assert alerts.alerts_health() == 1
    out = capsys.readouterr().out
    assert "1 alerte(s) non remise(s)" in out and "[PTSM] Échec" in out


def test_health_is_fine_without_undelivered_alerts(capsys, _journal):
    assert alerts.alerts_health() == 0
    assert "aucune alerte non remise" in capsys.readouterr().out


def test_ptsm_health_reports_the_undelivered_alert(monkeypatch, capsys, _journal):
    from pipelines.cli import main

    assert main(["health"]) == 0
    _smtp_down(monkeypatch)
    with pytest.raises(alerts.AlertNotDelivered):
        alerts.send_alert(ALERT)
    capsys.readouterr()
    assert main(["health"]) == 1
    assert "1 alerte(s) non remise(s)" in capsys.readouterr().out


def test_ptsm_alert_sends_the_failed_unit_in_french(webhook, monkeypatch):
    from pipelines.cli import main

    for name in ("PTSM_SMTP_HOST", "PTSM_SMTP_TO"):
        monkeypatch.delenv(name, raising=False)
    assert main(["alert", "--unit", "ptsm-dagster-daemon.service"]) == 0
    [payload] = webhook
    assert payload["unit"] == "ptsm-dagster-daemon.service"
    assert payload["text"].startswith("[PTSM] Service en échec : ptsm-dagster-daemon.service\n")
    assert "journalctl -u ptsm-dagster-daemon.service" in payload["text"]


def test_every_unit_alerts_on_failure():
    from pipelines.lib.core.config import PROJECT_ROOT

    folder = PROJECT_ROOT / "deploy" / "systemd"
    for unit in ("ptsm-dagster-daemon.service", "ptsm-dagster-webserver.service", "ptsm-api.service",
                 "ptsm-portal.service", "ptsm-health.service"):
        assert "\nOnFailure=ptsm-alert@%n.service\n" in (folder / unit).read_text(), unit
    template = (folder / "ptsm-alert@.service").read_text()
    assert "ExecStart=/opt/ptsm/.venv/bin/ptsm alert --unit %i" in template
    assert "OnFailure=" not in template  # an alert that fails must not alert about itself in a loop
