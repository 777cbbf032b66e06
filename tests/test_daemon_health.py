"""`ptsm health --daemon` for cron/monitoring: exit 0 only when every required daemon beat recently."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._daemon.types import DaemonHeartbeat

pytestmark = pytest.mark.slow  # each check starts the real CLI (a Dagster import)

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _health(home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(home), "PTSM_DAEMON_MAX_HEARTBEAT_AGE_SECONDS": "120"}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "health", "--daemon"], cwd=PROJECT_ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    return home


def _beat(home: Path, ages: dict[str, float]) -> list[str]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        required = list(instance.get_required_daemon_types())
        for daemon in required:
            instance.add_daemon_heartbeat(DaemonHeartbeat(time.time() - ages.get(daemon, 5), daemon, "test", None))
    return required


def test_no_heartbeat_at_all_is_unhealthy(tmp_path):
    done = _health(_home(tmp_path))
    assert done.returncode == 1
    assert "  SCHEDULER : aucun battement de cœur enregistré\n" in done.stdout
    assert "Démon Dagster en panne ou arrêté : " in done.stdout


def test_fresh_heartbeats_are_healthy_and_one_stale_one_is_not(tmp_path):
    home = _home(tmp_path)
    required = _beat(home, {})
    assert {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR", "MONITORING"} <= set(required)
    done = _health(home)
    assert done.returncode == 0, done.stdout
    assert done.stdout.endswith(f"Démon Dagster en bonne santé ({len(required)} services, seuil 120 s).\n")
    _beat(home, {"SENSOR": 600})
    done = _health(home)
    assert done.returncode == 1
    assert re.search(r"^  SENSOR : dernier battement il y a \d+ s \(EN RETARD\)$", done.stdout, re.M), done.stdout
    assert done.stdout.endswith("Démon Dagster en panne ou arrêté : SENSOR sans battement depuis plus de 120 s.\n")


def test_without_dagster_home_it_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "health", "--daemon"], cwd=PROJECT_ROOT,
                          env={"PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "DAGSTER_HOME n'est pas défini" in done.stdout
