"""The shipped deploy/ configuration loads into a real Dagster instance with the settings the README promises."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_instance_config(tmp_path):
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        coordinator = instance.run_coordinator
        assert type(coordinator).__name__ == "QueuedRunCoordinator"
        assert coordinator.get_run_queue_config().max_concurrent_runs == 1  # one refresh at a time
        assert instance.run_monitoring_enabled and instance.run_retries_enabled
        assert instance.run_retries_max_retries == 2
        assert instance.run_retries_retry_on_asset_or_op_failure is False  # a failed data check is not retried
        assert instance.telemetry_enabled is False
        from dagster._core.scheduler.instigation import InstigatorType, TickStatus

        assert instance.get_tick_retention_settings(InstigatorType.SENSOR)[TickStatus.SKIPPED] == 7
        # persistent SQLite under DAGSTER_HOME
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert (tmp_path / "history").is_dir()


def test_one_named_code_location():
    workspace = yaml.safe_load((PROJECT_ROOT / "deploy" / "workspace.yaml").read_text())
    assert workspace == {"load_from": [{"python_module": {
        "module_name": "pipelines.definitions", "location_name": "ptsm", "working_directory": ".."}}]}
    assert (PROJECT_ROOT / "deploy" / workspace["load_from"][0]["python_module"]["working_directory"]
            / "pipelines" / "definitions.py").is_file()


def test_systemd_units_start_the_three_services_with_the_ptsm_environment():
    units = {p.name: p.read_text() for p in (PROJECT_ROOT / "deploy" / "systemd").glob("*.service")}
    expected = {
        "ptsm-dagster-daemon.service": "ExecStart=/opt/ptsm/.venv/bin/dagster-daemon run -w /opt/ptsm/deploy/workspace.yaml",
        "ptsm-dagster-webserver.service": "ExecStart=/opt/ptsm/.venv/bin/dagster-webserver -w /opt/ptsm/deploy/workspace.yaml",
        "ptsm-api.service": "ExecStart=/opt/ptsm/.venv/bin/ptsm serve",
        "ptsm-portal.service": "ExecStart=/opt/ptsm/.venv/bin/ptsm portal",
        "ptsm-health.service": "ExecStart=/opt/ptsm/.venv/bin/ptsm health --daemon",
        "ptsm-alert@.service": "ExecStart=/opt/ptsm/.venv/bin/ptsm alert --unit %i",  # OnFailure= of the others
    }
    assert set(units) == set(expected)
    for name, start in expected.items():
        assert start in units[name], name
        assert "EnvironmentFile=/etc/ptsm/ptsm.env" in units[name], name
    env = (PROJECT_ROOT / "deploy" / "ptsm.env.example").read_text()
    for var in ("DAGSTER_HOME", "PTSM_RAW_DIR", "PTSM_DB", "PTSM_MARTS_DIR", "PTSM_REPORTS_DIR", "PTSM_SECRET_DIR",
                "PTSM_SMTP_HOST", "PTSM_SMTP_TO", "PTSM_ALERT_WEBHOOK"):
        assert f"\n{var}=" in env, var


def test_the_data_package_states_the_day_and_hour_the_schedule_runs():
    # why: datapackage.json told re-users "le 1er de chaque mois" while the schedule ran on the 2nd (issue 19 §6)
    from pipelines.definitions import defs
    from pipelines.lib.publish.datapackage import UPDATE_FREQUENCY

    schedule = defs.get_unresolved_schedule_def("dmsmp_monthly_refresh")  # its cron and time zone, as declared
    minute, hour, day, month, weekday = schedule.cron_schedule.split()
    assert (minute, month, weekday) == ("0", "*", "*") and schedule.execution_timezone == "Europe/Paris"
    assert f"le {day} de chaque mois à {hour} h, heure de Paris" in UPDATE_FREQUENCY
