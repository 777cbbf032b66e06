"""One writer at a time on every path: two Dagster runs launched together, and a CLI refresh against a Dagster run.

Reproduced before the fix: two `dagster job execute` runs started together both ran, their steps interleaving on the
same DuckDB file (the lock was only taken by `ptsm refresh`).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline_runner import MINI_EXPORTS, PROJECT_ROOT, Installation  # noqa: E402


def _start_job(inst: Installation, home: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dagster", "job", "execute", "-m", "pipelines.definitions",
             "-j", "ptsm_refresh_no_reports"],
            cwd=PROJECT_ROOT, env=inst.env(DAGSTER_HOME=str(home)), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def _step_window(instance: dg.DagsterInstance, run_id: str) -> tuple[float, float]:
    """From the first step start to the last step end of a run (what must never overlap between runs)."""
    stamps = [entry.timestamp for entry in instance.all_logs(run_id)
              if entry.dagster_event and entry.dagster_event.event_type in (
                  dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)]
    assert stamps, f"run {run_id} ran no step"
    return min(stamps), max(stamps)


@pytest.mark.slow
def test_two_dagster_runs_launched_together_never_interleave(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(home)):
        pass  # create the storage once: two processes migrating a fresh SQLite instance at once race
    inst = Installation(tmp_path / "site", tmp_path / "raw")
    shutil.copytree(MINI_EXPORTS, inst.raw_dir)
    first = _start_job(inst, home, tmp_path / "a.log")
    second = _start_job(inst, home, tmp_path / "b.log")
    try:
        assert first.wait(timeout=600) == 0, (tmp_path / "a.log").read_text()[-3000:]
        assert second.wait(timeout=600) == 0, (tmp_path / "b.log").read_text()[-3000:]
    finally:
        _stop(first)
        _stop(second)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == 2 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        (a_start, a_end), (b_start, b_end) = sorted(_step_window(instance, r.run_id) for r in runs)
        assert a_end <= b_start, "the steps of the two runs interleaved"
        # the later one said whom it waited for: the run that held the lock
        earlier, later = sorted(runs, key=lambda r: _step_window(instance, r.run_id))
        waits = [e.user_message for e in instance.all_logs(later.run_id) if e.level == logging.WARNING
                 and "en attente du verrou d'écriture : un autre rafraîchissement est en cours" in e.user_message]
        assert len(waits) == 1 and f"run Dagster {earlier.run_id}" in waits[0], (earlier.run_id, later.run_id, waits)


@pytest.mark.slow
def test_a_dagster_run_refuses_while_a_cli_refresh_holds_the_lock_naming_it(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    inst = Installation(tmp_path / "site", tmp_path / "raw", extra_env={"PTSM_LOCK_WAIT_SECONDS": "1"})
    shutil.copytree(MINI_EXPORTS, inst.raw_dir)
    cli = inst.start("refresh", "--no-reports")
    lock = Path(f"{inst.db}.lock")
    try:
        deadline = time.monotonic() + 120
        while f'"pid": {cli.pid}' not in (lock.read_text() if lock.exists() else ""):
            assert cli.poll() is None and time.monotonic() < deadline, cli.log_path.read_text()[-2000:]
            time.sleep(0.05)
        job = _start_job(inst, home, tmp_path / "job.log")
        try:
            code = job.wait(timeout=600)
        finally:
            _stop(job)
        log = (tmp_path / "job.log").read_text()
        assert code != 0, log[-3000:]
        assert f"Rafraîchissement refusé : un autre rafraîchissement est en cours (PID {cli.pid}, démarré le " in log
        assert cli.wait(timeout=600) == 0, cli.log_path.read_text()[-3000:]
    finally:
        _stop(cli)
    assert "marts publiés dans" in cli.log_path.read_text()
