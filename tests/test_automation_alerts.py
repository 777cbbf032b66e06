"""Alerts (real SMTP server and real HTTP webhook on loopback) and freshness checks.

The run-failure sensor is evaluated on a real failed Dagster run; the e-mail goes through smtplib to an aiosmtpd
server started here, the webhook through urllib to an http.server started here: nothing of the sending is mocked.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from collection_status_fixture import write_collection_status

from pipelines.defs.alerts import run_failure_alert
from pipelines.lib.ops.alerts import AlertNotDelivered, undelivered_alerts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _alert_journal(tmp_path, monkeypatch):
    """Every alert is journaled beside PTSM_DB: keep it in the test's folder; no wait between attempts."""
    monkeypatch.setenv("PTSM_DB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("PTSM_ALERT_BACKOFF_SECONDS", "0")


@pytest.fixture
def mailbox(monkeypatch):
    from aiosmtpd.controller import Controller

    class Box:
        messages: list = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    box = Box()
    box.messages = []
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setenv("PTSM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PTSM_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("PTSM_SMTP_FROM", "ptsm@test.invalid")
    monkeypatch.setenv("PTSM_SMTP_TO", "a@test.invalid; b@test.invalid")
    yield box
    controller.stop()


@pytest.fixture
def webhook(monkeypatch):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PTSM_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_address[1]}/hook")
    yield received
    server.shutdown()
    server.server_close()


@dg.op
def lire_exports():
    raise dg.Failure(description="Dossier /srv/ptsm/raw absent : rien n'a été publié.\nDeuxième ligne.")


@dg.job
def refresh_for_test():
    lire_exports()


def _failure_context(tags=None):
    instance = dg.DagsterInstance.ephemeral()
    result = refresh_for_test.execute_in_process(instance=instance, raise_on_error=False, tags=tags or {})
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    context = dg.build_run_status_sensor_context(
        sensor_name="ptsm_run_failure_alert", dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id), dagster_event=failure).for_run_failure()
    return context, result.run_id


def test_a_failed_run_sends_one_french_email_and_one_webhook_call(mailbox, webhook):
    context, run_id = _failure_context({"ptsm/launched_by": "dmsmp_monthly_refresh"})
    run_failure_alert(context)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["Subject"] == f"[PTSM] Échec du run {run_id[:8]} (refresh_for_test) : lire_exports"
    assert message["From"] == "ptsm@test.invalid" and message["To"] == "a@test.invalid, b@test.invalid"
    assert message.get_content().replace("\r\n", "\n") == (
        "Le rafraîchissement PTSM a échoué.\n\n"
        f"Run : {run_id}\n"
        "Job : refresh_for_test\n"
        "Lancé par : dmsmp_monthly_refresh\n"
        "Étape en échec : lire_exports\n"
        "Première ligne de l'erreur : Dossier /srv/ptsm/raw absent : rien n'a été publié.\n\n"
        "La publication précédente reste en place. Détails dans l'interface Dagster (onglet Runs).\n")
    assert len(webhook) == 1
    assert {k: webhook[0][k] for k in ("run_id", "job", "step", "error")} == {
        "run_id": run_id, "job": "refresh_for_test", "step": "lire_exports",
        "error": "Dossier /srv/ptsm/raw absent : rien n'a été publié."}
    assert webhook[0]["text"].startswith(f"[PTSM] Échec du run {run_id[:8]} (refresh_for_test) : lire_exports\n")


def test_without_destination_the_failure_is_logged_not_raised(monkeypatch):
    for name in ("PTSM_SMTP_HOST", "PTSM_SMTP_TO", "PTSM_ALERT_WEBHOOK"):
        monkeypatch.delenv(name, raising=False)
    context, _ = _failure_context()
    run_failure_alert(context)  # no exception: the sensor tick stays green, the warning says why


def test_an_unreachable_smtp_server_fails_the_tick(monkeypatch):
    monkeypatch.setenv("PTSM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PTSM_SMTP_PORT", str(_free_port()))  # nobody listens
    monkeypatch.setenv("PTSM_SMTP_TO", "a@test.invalid")
    monkeypatch.delenv("PTSM_ALERT_WEBHOOK", raising=False)
    context, _ = _failure_context()
    with pytest.raises(AlertNotDelivered, match="courriel non remis après 3 essai.s. .ConnectionRefusedError"):
        run_failure_alert(context)  # the tick shows the failure; the journal keeps it for `ptsm health`
    assert [a["subject"][:20] for a in undelivered_alerts()] == ["[PTSM] Échec du run "]


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSM_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("PTSM_MARTS_DIR", str(tmp_path / "marts"))
    for name in ("PTSM_SMTP_HOST", "PTSM_SMTP_TO", "PTSM_ALERT_WEBHOOK"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "marts").mkdir()
    return tmp_path


def _freshness(site, produced_days_ago: float | None):
    if produced_days_ago is not None:
        produced = datetime.now(timezone.utc) - timedelta(days=produced_days_ago)
        (site / "marts" / "manifest.json").write_text(json.dumps({"produced_at": produced.isoformat(timespec="seconds")}))
    from pipelines.definitions import defs

    result = defs.resolve_job_def("ptsm_freshness_checks").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success  # WARN checks never fail the run
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_freshness_warns_on_an_old_publication_and_a_missing_family(site):
    for family in ("coordonnateurs", "fiches_actions"):
        (site / "raw" / family).mkdir(parents=True)
        (site / "raw" / family / "x.csv").write_text("ptsm_id\n")
    checks = _freshness(site, 41)
    marts = checks["marts_freshness"]
    assert (marts.passed, marts.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert marts.description == "publication produite il y a 41.0 jours (seuil 40 jours)"
    exports = checks["monthly_exports_arrived"]
    assert (exports.passed, exports.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert exports.description == f"statut_ptsm : aucun fichier dans {site / 'raw' / 'statut_ptsm'}"


def test_freshness_passes_on_a_recent_publication_and_fresh_exports(site):
    for family in ("coordonnateurs", "fiches_actions", "statut_ptsm"):
        (site / "raw" / family / "sous-dossier").mkdir(parents=True)
        (site / "raw" / family / "sous-dossier" / "x.csv").write_text("ptsm_id\n")
    checks = _freshness(site, 39)
    assert checks["marts_freshness"].passed is True
    assert checks["marts_freshness"].description == "publication produite il y a 39.0 jours (seuil 40 jours)"
    assert checks["monthly_exports_arrived"].passed is True


def test_freshness_without_any_publication_warns(site):
    checks = _freshness(site, None)
    assert checks["marts_freshness"].passed is False
    assert checks["marts_freshness"].description == f"aucune publication lisible dans {site / 'marts'}"


def test_freshness_names_the_late_ptsm_from_the_collection_status(site):
    """Issue 23 §3: the alert names the PTSM to remind (late, refused, never received), not only a family."""
    for family in ("coordonnateurs", "fiches_actions", "statut_ptsm"):
        (site / "raw" / family).mkdir(parents=True)
        (site / "raw" / family / "x.csv").write_text("ptsm_id\n")
    write_collection_status(site / "marts" / "collection_status.parquet", """
        ('PTSM-01', '84', 'fiches_actions', 'mensuel', 'fiches_actions/PTSM-01_2025-03-31.xlsx', date '2025-03-31', null::integer, timestamp '2025-04-01', 'dépôt', 3, 0, null, 0, 'à jour'),
        ('PTSM-02', '32', 'fiches_actions', 'mensuel', 'fiches_actions/PTSM-02_2025-01-31.xlsx', date '2025-01-31', null, timestamp '2025-02-01', 'dépôt', 3, 0, null, 2, 'en retard'),
        ('PTSM-02', '32', 'statut_ptsm', 'mensuel', null, null, null, null, null, 0, 0, null, null, 'jamais reçu'),
        ('PTSM-03', '84', 'fiches_actions', 'mensuel', 'fiches_actions/PTSM-03_x_2025-03-31.xlsx', date '2025-03-31', null, timestamp '2025-04-01', 'portail', 0, 0, 'classeur protégé par un mot de passe', 1, 'refusé'),
        ('PTSM-04', '84', 'enquete_coordonnateurs', 'à chaque vague', null, null, null, null, null, 0, 0, null, null, 'jamais reçu')
    """)
    exports = _freshness(site, 1)["monthly_exports_arrived"]
    assert exports.passed is False
    assert exports.description == (
        "PTSM à relancer (2) : PTSM-02 : fiches_actions en retard (dernier fichier : 31/01/2025), statut_ptsm jamais reçu ; "
        "PTSM-03 : fiches_actions refusé (classeur protégé par un mot de passe)")
