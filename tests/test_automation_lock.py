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


def _waiting_runs(home: Path) -> dict[str, str]:
    """Run id -> the WARNING it logged while waiting for the writer lock."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return {run.run_id: entry.user_message for run in instance.get_runs()
                for entry in instance.all_logs(run.run_id)
                if entry.level == logging.WARNING and "en attente du verrou d'écriture" in entry.user_message}


@pytest.mark.slow
def test_two_dagster_runs_launched_together_never_interleave(tmp_path, mini_copy):
    from pipelines.lib.warehouse import locking
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(home)):
        pass  # create the storage once: two processes migrating a fresh SQLite instance at once race
    inst = mini_copy  # an installation published once already: what the runs do matters less than when they do it
    # this test holds the lock first, so that both runs are certainly started and contending when it lets go
    locking.acquire(inst.db, wait=0)
    held = True
    first = _start_job(inst, home, tmp_path / "a.log")
    second = _start_job(inst, home, tmp_path / "b.log")
    try:
        deadline = time.monotonic() + 300
        while len(waiting := _waiting_runs(home)) < 2:
            assert first.poll() is None and second.poll() is None and time.monotonic() < deadline, (
                (tmp_path / "a.log").read_text()[-2000:], (tmp_path / "b.log").read_text()[-2000:])
            time.sleep(0.5)
        assert all(f"(PID {os.getpid()}, démarré le " in message for message in waiting.values()), waiting
        locking.release(inst.db)
        held = False
        assert first.wait(timeout=600) == 0, (tmp_path / "a.log").read_text()[-3000:]
        assert second.wait(timeout=600) == 0, (tmp_path / "b.log").read_text()[-3000:]
    finally:
        if held:
            locking.release(inst.db)
        _stop(first)
        _stop(second)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == 2 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        (a_start, a_end), (b_start, b_end) = sorted(_step_window(instance, r.run_id) for r in runs)
        assert a_end <= b_start, "the steps of the two runs interleaved"


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


HOLDER = """
import sys, time
from pathlib import Path
from pipelines.lib.warehouse import locking
locking.acquire(Path(sys.argv[1]), wait=0, run_id="run-123")
print("held", flush=True)
time.sleep(120)
"""


def _try_lock_elsewhere(db: Path) -> int:
    """Exit code of another process trying the lock without waiting: 0 got it, 3 refused."""
    code = ("import sys; from pathlib import Path; from pipelines.lib.warehouse import locking\n"
            "try:\n    locking.acquire(Path(sys.argv[1]), wait=0)\nexcept locking.RefreshLocked:\n    sys.exit(3)\n")
    return subprocess.run([sys.executable, "-c", code, str(db)], cwd=PROJECT_ROOT, timeout=60).returncode


def test_the_refusal_names_the_holding_run_and_a_dead_holder_frees_the_lock(tmp_path):
    from pipelines.lib.warehouse import locking
    db = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(locking.RefreshLocked) as refused:
            locking.acquire(db, wait=0.3)
        assert str(refused.value).startswith(f"un autre rafraîchissement est en cours (PID {holder.pid}, démarré le ")
        assert f", run Dagster run-123, verrou {db}.lock) ; réessayez quand il sera terminé" in str(refused.value)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    locking.acquire(db, wait=5)  # the kernel released the dead holder's lock
    locking.release(db)


def test_the_lock_is_reentrant_within_a_process_and_exclusive_across_processes(tmp_path):
    from pipelines.lib.warehouse import locking
    db = tmp_path / "warehouse.duckdb"
    locking.acquire(db, wait=0)  # `ptsm refresh`
    locking.acquire(db, wait=0)  # the Dagster run it executes in-process, through the resources
    assert _try_lock_elsewhere(db) == 3
    locking.release(db)  # the run ends: the CLI still holds it
    assert locking.holds(db) and _try_lock_elsewhere(db) == 3
    locking.release(db)
    assert not locking.holds(db) and _try_lock_elsewhere(db) == 0
