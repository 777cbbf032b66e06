"""The one place where paths and environment switches are read (docs/contract.md §5)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# Families a monthly refresh expects a fresh file of (the survey is yearly).
MONTHLY_FAMILIES = ("coordonnateurs", "fiches_actions", "statut_ptsm")

# The run tag that allows the synthetic sample when PTSM_RAW_DIR has no export. Only the plain `ptsm refresh`
# sets it: a run launched by Dagster (schedule, sensor, UI, `dagster job execute`) fails instead.
ALLOW_SAMPLE_TAG = "ptsm/allow_sample"

# The monthly refresh: the 2nd of each month at 06:00, Paris time, once the month's exports are in. One home: the
# Dagster schedule is built from it and the Data Package states it to re-users.
MONTHLY_REFRESH_DAY = 2
MONTHLY_REFRESH_HOUR = 6
MONTHLY_REFRESH_TIMEZONE = "Europe/Paris"
MONTHLY_REFRESH_CRON = f"0 {MONTHLY_REFRESH_HOUR} {MONTHLY_REFRESH_DAY} * *"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    db_path: Path
    marts_dir: Path
    reports_dir: Path
    secret_dir: Path
    reference_dir: Path = PROJECT_ROOT / "data" / "reference"
    vocabulary_file: Path = PROJECT_ROOT / "pipelines" / "lib" / "vocabularies.csv"
    sample_dir: Path = PROJECT_ROOT / "data" / "sample"
    sql_dir: Path = PROJECT_ROOT / "sql"
    expectations_dir: Path = PROJECT_ROOT / "expectations"
    notebooks_dir: Path = PROJECT_ROOT / "notebooks"
    keep_releases: int = 12  # PTSM_KEEP_RELEASES: publications kept on disk (see pipelines/lib/publish/release.py)
    # PTSM_FIRST_RELEASE_MIN_PLAN_SHARE: a publication with no earlier one to compare with is held when fewer than
    # this share of the registry's PTSM have an action plan in it (pipelines/lib/publish/gates.py)
    first_release_min_plan_share: float = 0.8
    # PTSM_ACCEPT_SYNTHETIC_EXPORTS=true: files marked synthetic in PTSM_RAW_DIR are read as exports instead of
    # refused (pipelines/lib/ingest/synthetic.py). Only for the benchmarks, which time generated samples at scale.
    accept_synthetic_exports: bool = False


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var) or default
    path = Path(value)
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def get_settings() -> Settings:
    """Read the environment each time, so tests and the CLI can point the pipeline elsewhere."""
    return Settings(
        raw_dir=_path("PTSM_RAW_DIR", "data/raw"),
        db_path=_path("PTSM_DB", "data/warehouse.duckdb"),
        marts_dir=_path("PTSM_MARTS_DIR", "data/marts"),
        reports_dir=_path("PTSM_REPORTS_DIR", "data/reports"),
        secret_dir=_path("PTSM_SECRET_DIR", "data/.ptsm-secret"),
        # the mart SQL and the check suites can be pointed at a copy (tests of a broken mart or suite)
        sql_dir=_path("PTSM_SQL_DIR", "sql"),
        expectations_dir=_path("PTSM_EXPECTATIONS_DIR", "expectations"),
        # the rules' data can be pointed at a copy too (tests that a rule change re-stages old files)
        reference_dir=_path("PTSM_REFERENCE_DIR", "data/reference"),
        vocabulary_file=_path("PTSM_VOCABULARY_FILE", "pipelines/lib/vocabularies.csv"),
        keep_releases=max(1, int(_number("PTSM_KEEP_RELEASES", 12))),
        first_release_min_plan_share=_share("PTSM_FIRST_RELEASE_MIN_PLAN_SHARE", 0.8),
        accept_synthetic_exports=os.environ.get("PTSM_ACCEPT_SYNTHETIC_EXPORTS", "").strip().lower()
        in ("1", "true", "oui", "yes"),
    )


def _share(var: str, default: float) -> float:
    value = _number(var, default)
    if not 0 <= value <= 1:
        raise ValueError(f"{var} doit être une part entre 0 et 1, par exemple 0.8 pour 80 % (valeur lue : {value:g})")
    return value


def _number(var: str, default: float) -> float:
    value = os.environ.get(var, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{var} doit être un nombre (valeur lue : {value!r})") from None


@dataclass(frozen=True)
class AutomationSettings:
    """Unattended operation: sensor settle window, writer lock wait, freshness thresholds, alert destinations."""

    automation_job: str
    sensor_settle_seconds: float
    sensor_interval_seconds: int
    lock_wait_seconds: float
    marts_max_age_days: float
    export_max_age_days: float
    daemon_heartbeat_max_age_seconds: float
    smtp_host: str
    smtp_port: int
    smtp_from: str
    smtp_to: tuple[str, ...]
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    alert_webhook: str
    alert_attempts: int = 3             # PTSM_ALERT_ATTEMPTS: tries per channel before it counts as undelivered
    alert_backoff_seconds: float = 5.0  # PTSM_ALERT_BACKOFF_SECONDS: wait before the 2nd try, doubled after each


def get_automation_settings() -> AutomationSettings:
    env = os.environ.get
    return AutomationSettings(
        # the job the schedule and the sensor launch: with the HTML reports, unless PTSM_AUTOMATION_REPORTS=false
        # (a server without the notebook stack)
        automation_job="ptsm_refresh_no_reports" if env("PTSM_AUTOMATION_REPORTS", "true").strip().lower()
        in ("0", "false", "non", "no") else "ptsm_refresh",
        sensor_settle_seconds=_number("PTSM_SENSOR_SETTLE_SECONDS", 300),
        sensor_interval_seconds=int(_number("PTSM_SENSOR_INTERVAL_SECONDS", 60)),
        # a Dagster run waits this long for a running refresh (CLI or another run) before failing
        lock_wait_seconds=_number("PTSM_LOCK_WAIT_SECONDS", 3600),
        marts_max_age_days=_number("PTSM_MARTS_MAX_AGE_DAYS", 40),
        export_max_age_days=_number("PTSM_EXPORT_MAX_AGE_DAYS", 40),
        daemon_heartbeat_max_age_seconds=_number("PTSM_DAEMON_MAX_HEARTBEAT_AGE_SECONDS", 120),
        smtp_host=env("PTSM_SMTP_HOST", ""),
        smtp_port=int(_number("PTSM_SMTP_PORT", 25)),
        smtp_from=env("PTSM_SMTP_FROM", ""),
        smtp_to=tuple(a.strip() for a in env("PTSM_SMTP_TO", "").replace(";", ",").split(",") if a.strip()),
        smtp_user=env("PTSM_SMTP_USER", ""),
        smtp_password=env("PTSM_SMTP_PASSWORD", ""),
        smtp_starttls=env("PTSM_SMTP_STARTTLS", "").strip().lower() in ("1", "true", "oui", "yes"),
        alert_webhook=env("PTSM_ALERT_WEBHOOK", ""),
        alert_attempts=max(1, int(_number("PTSM_ALERT_ATTEMPTS", 3))),
        alert_backoff_seconds=max(0.0, _number("PTSM_ALERT_BACKOFF_SECONDS", 5)),
    )



def settings_errors() -> list[str]:
    """The French messages of the settings that cannot be read (each names its variable), empty when all are valid.
    `ptsm settings` prints them and the systemd units run it before starting (ExecStartPre): a typo in ptsm.env
    refuses the start, visibly, instead of stopping the sensor, the schedules and the alerts in silence."""
    errors = []
    for read in (get_settings, get_automation_settings):
        try:
            read()
        except ValueError as error:
            errors.append(str(error))
    return errors
