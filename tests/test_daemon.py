"""A real `dagster-daemon` on the shipped deploy/ configuration, as the README's "Production" section runs it.

A temporary DAGSTER_HOME holds deploy/dagster.yaml; the sensor is switched on with the README's command
(`dagster sensor start raw_exports_sensor -w deploy/workspace.yaml`), then the daemon is started. Exports dropped
into a temporary PTSM_RAW_DIR lead to exactly one successful run; a forced failure (a blocking check made to fail
through PTSM_EXPECTATIONS_DIR) leads to exactly one French alert e-mail, received by an aiosmtpd server started here.
Every process is started in its own session with SIGINT restored (Dagster ignores SIGTERM when SIGINT is ignored)
and its whole group is killed at teardown.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline_runner import MINI_EXPORTS, PROJECT_ROOT, Installation  # noqa: E402

# the daemon soak (minutes: a code location load, a run, a failed run, ticks after each): with the long budgets only
# (`uv run pytest --long`, tests/conftest.py); the default run covers the sensor and alerts in process
# (test_automation_sensor.py, test_automation_alerts.py)
pytestmark = [pytest.mark.slow, pytest.mark.long]

BIN = Path(sys.executable).parent
WORKSPACE = PROJECT_ROOT / "deploy" / "workspace.yaml"
LIMIT = 420  # seconds: bound on each wait (code location load + one refresh on a busy 2-core machine)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _restore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the code server and any run process are in the same group
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def _wait(what: str, condition, log: Path, limit: float = LIMIT):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}; daemon log:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    from aiosmtpd.controller import Controller

    root = tmp_path_factory.mktemp("deploy")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    expectations = root / "expectations"
    shutil.copytree(PROJECT_ROOT / "expectations", expectations)
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    inst = Installation(root / "site", root / "raw", extra_env={
        "DAGSTER_HOME": str(home),
        "PTSM_EXPECTATIONS_DIR": str(expectations),
        "PTSM_SENSOR_SETTLE_SECONDS": "3",
        "PTSM_SENSOR_INTERVAL_SECONDS": "5",
        "PTSM_AUTOMATION_REPORTS": "false",
        "PTSM_SMTP_HOST": "127.0.0.1",
        "PTSM_SMTP_PORT": str(smtp.port),
        "PTSM_SMTP_FROM": "ptsm@test.invalid",
        "PTSM_SMTP_TO": "exploitation@test.invalid",
    })
    inst.raw_dir.mkdir()
    started = subprocess.run([str(BIN / "dagster"), "sensor", "start", "raw_exports_sensor", "-w", str(WORKSPACE)],
                             cwd=PROJECT_ROOT, env=inst.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=300, preexec_fn=_restore_sigint)
    assert started.returncode == 0 and "Started sensor raw_exports_sensor" in started.stdout, started.stdout
    log = root / "daemon.log"
    with log.open("w") as out:
        daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(WORKSPACE)], cwd=PROJECT_ROOT,
                                  env=inst.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  preexec_fn=_restore_sigint)
    try:
        yield inst, home, mailbox, log, expectations
    finally:
        _stop_group(daemon)
        smtp.stop()


def _runs(home: Path) -> list:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return list(reversed(instance.get_runs()))  # oldest first


def _sensor_ticks(home: Path, name: str) -> list:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for state in instance.all_instigator_state():
            if state.instigator_name == name:
                return list(instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=200))
    return []


def test_a_dropped_set_of_exports_leads_to_exactly_one_successful_run(deployment):
    inst, home, _mailbox, log, _ = deployment
    # the daemon ticks on the empty folder first: skips that say why, no run
    _wait("a skipped tick on the empty folder", lambda: [t for t in _sensor_ticks(home, "raw_exports_sensor")
                                                        if t.skip_reason and "Aucun export" in t.skip_reason], log)
    assert _runs(home) == []

    shutil.copytree(MINI_EXPORTS, inst.raw_dir, dirs_exist_ok=True)
    finished = _wait("the first run to finish", lambda: [r for r in _runs(home) if r.is_finished], log)
    run = finished[0]
    assert run.status == dg.DagsterRunStatus.SUCCESS, log.read_text()[-4000:]
    assert run.job_name == "ptsm_refresh_no_reports" and run.tags["ptsm/launched_by"] == "raw_exports_sensor"
    ended = time.time()
    # later ticks see no change: they skip, and no second run starts
    _wait("two ticks after the run", lambda: len([t for t in _sensor_ticks(home, "raw_exports_sensor")
                                                  if t.timestamp > ended and t.skip_reason
                                                  and "Aucun changement" in t.skip_reason]) >= 2, log)
    assert [r.run_id for r in _runs(home)] == [run.run_id]
    manifest = json.loads((inst.marts / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is False
    # the running daemon is healthy from outside
    health = inst.run("health", "--daemon", timeout=120)
    assert health.returncode == 0 and "Démon Dagster en bonne santé" in health.stdout, health.stdout


def test_a_failed_run_sends_exactly_one_french_alert_email(deployment):
    inst, home, mailbox, log, expectations = deployment
    suite = expectations / "marts" / "coordinator_posts_national.json"
    document = json.loads(suite.read_text(encoding="utf-8"))
    columns = document["expectations"][0]["kwargs"]["column_set"]
    columns.append("colonne_absente")  # the blocking check of this mart now fails
    suite.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.copy2(inst.raw_dir / "statut_ptsm" / "statut_ptsm_2022-03-31.csv",
                 inst.raw_dir / "statut_ptsm" / "statut_ptsm_2022-04-30.csv")  # a new drop: the sensor runs again

    failed = _wait("the failed run", lambda: [r for r in _runs(home)[1:] if r.is_finished], log)[0]
    assert failed.status == dg.DagsterRunStatus.FAILURE
    _wait("the alert e-mail", lambda: mailbox.messages, log, limit=180)
    ended = time.time()
    _wait("two more failure-sensor ticks", lambda: len([t for t in _sensor_ticks(home, "ptsm_run_failure_alert")
                                                        if t.timestamp > ended]) >= 2, log, limit=180)
    assert len(mailbox.messages) == 1
    assert len(_runs(home)) == 2  # a failed data check is not retried
    message = mailbox.messages[0]
    assert message["To"] == "exploitation@test.invalid"
    step = "marts__coordinator_posts_national"  # the mart's step runs its blocking GX check
    assert message["Subject"] == f"[PTSM] Échec du run {failed.run_id[:8]} (ptsm_refresh_no_reports) : {step}"
    body = message.get_content().replace("\r\n", "\n")
    assert f"Run : {failed.run_id}\n" in body
    assert "Lancé par : raw_exports_sensor\n" in body
    assert f"Étape en échec : {step}\n" in body
    assert ("Première ligne de l'erreur : contrôle bloquant en échec, rien n'est publié : "
            "marts/coordinator_posts_national: gx_coordinator_posts_national\n") in body, body
    assert "La publication précédente reste en place." in body
