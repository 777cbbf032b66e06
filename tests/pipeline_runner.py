"""Runs the real `ptsm` CLI in a subprocess, as one installation: its own warehouse, marts, reports and key; or
(`materialise`) the same refresh in this process, the way `ptsm refresh` runs it once it holds the lock.

Each installation lives under a root; runs that should behave as one machine share a secret folder (the
pseudonymisation key), like a real installation does.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MINI_EXPORTS = PROJECT_ROOT / "tests" / "fixtures" / "exports" / "mini"


@dataclass
class Installation:
    """One `ptsm` installation: warehouse, published marts, reports and key under `root`, exports in `raw_dir`."""

    root: Path
    raw_dir: Path
    secret_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.secret_dir is None:
            self.secret_dir = self.root / "secret"

    @property
    def db(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        return self.root / "marts"

    @property
    def releases(self) -> Path:
        return self.root / ".marts-releases"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def env(self, **overrides: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PTSM_RAW_DIR": str(self.raw_dir),
            "PTSM_DB": str(self.db),
            "PTSM_MARTS_DIR": str(self.marts),
            "PTSM_REPORTS_DIR": str(self.reports),
            "PTSM_SECRET_DIR": str(self.secret_dir),
        })
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pipelines.cli", *args]

    def run(self, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        """Run `ptsm <args>` to completion; stdout and stderr together in `.stdout`."""
        return subprocess.run(self.command(*args), env=self.env(**env), cwd=PROJECT_ROOT, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def main(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        """Run `ptsm <args>` in this process (`pipelines.cli.main`): the same parser, code, exit code and printed
        output (stdout and stderr together in `.stdout`) as `run`, without the ~10 s a new interpreter spends importing
        Dagster and GX. For tests of what a command does; `run`/`start` stay for the process itself (kills, locks
        held by another process, the exit status a shell sees). The environment is restored afterwards."""
        from pipelines.cli import main  # (pipelines.definitions is imported by conftest, before any test's environment)

        wanted = self.env(**env)
        printed = io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            for name, value in wanted.items():
                if os.environ.get(name) != value:
                    patch.setenv(name, value)
            patch.chdir(PROJECT_ROOT)
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                try:
                    code = main(list(args))
                except SystemExit as exit_:  # argparse's refusals
                    code = exit_.code if isinstance(exit_.code, int) else 2
        return subprocess.CompletedProcess(["ptsm", *args], code, printed.getvalue())

    def refresh(self, *args: str, in_process: bool = False, **env: str) -> subprocess.CompletedProcess:
        """`ptsm refresh --no-reports <args>`: in a subprocess, or with `in_process` through `main` (above)."""
        return (self.main if in_process else self.run)("refresh", "--no-reports", *args, **env)

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        """Start `ptsm <args>` in its own process group (so a kill reaches every child it may have)."""
        log_path = self.root / f"run-{time.monotonic_ns()}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(self.command(*args), env=self.env(**env), cwd=PROJECT_ROOT, stdout=log,
                                       stderr=subprocess.STDOUT, text=True, start_new_session=True)
        process.log_path = log_path
        return process

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


@dataclass
class Run(Installation):
    """An installation that keeps the exit code and output of its last refresh."""

    returncode: int = 0
    output: str = ""

    def refresh(self, *args: str, in_process: bool = False, **env: str) -> "Run":
        result = super().refresh(*args, in_process=in_process, **env)
        self.returncode, self.output = result.returncode, result.stdout
        return self


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (its links followed: a published folder is a link to its release), by path relative
    to it, byte for byte: what "the publication stays in place" compares."""
    real = Path(os.path.realpath(folder))
    return {p.relative_to(real).as_posix(): p.read_bytes() for p in sorted(real.rglob("*")) if p.is_file()}


def sql_with_a_repeated_row(target: Path) -> Path:
    """A copy of sql/ at `target` where marts/ptsm_overview.sql returns its first row twice (105 rows for 104 PTSM):
    a mart that breaks its expectations (row count, unique ptsm_id). Point PTSM_SQL_DIR at it."""
    import shutil

    shutil.copytree(PROJECT_ROOT / "sql", target)
    path = target / "marts" / "ptsm_overview.sql"
    lines = path.read_text(encoding="utf-8").splitlines()
    split = next(i for i, line in enumerate(lines) if not line.startswith("--"))
    header, body = lines[:split], "\n".join(lines[split:])
    broken = f"select * from (\n{body}\n) as whole\nunion all\nselect * from (select * from (\n{body}\n) limit 1)"
    path.write_text("\n".join(header) + "\n" + broken + "\n", encoding="utf-8")
    return target


# --- in process ---------------------------------------------------------------------------------------------

@dataclass
class InProcessRun:
    """One materialisation of every asset but the reports, run in this process (Dagster's in-process executor)."""

    root: Path
    raw_dir: Path
    returncode: int
    output: str  # the summary `ptsm refresh` prints

    @property
    def db(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        return self.root / "marts"

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def materialise(root: Path, raw_dir: Path, **settings: str) -> InProcessRun:
    """Refresh (no reports) an installation under `root` reading `raw_dir`, in process, like `ptsm refresh` does
    once it holds the lock; the environment is restored afterwards. `settings`: PTSM_* variables set for this run
    only (e.g. PTSM_REFERENCE_DIR)."""
    from pipelines.definitions import build_defs
    from pipelines.defs.run import run_refresh
    from pipelines.lib.core.config import get_settings
    from pipelines.lib.quality.summary import print_summary

    root.mkdir(parents=True, exist_ok=True)
    env = {"PTSM_RAW_DIR": raw_dir, "PTSM_DB": root / "warehouse.duckdb", "PTSM_MARTS_DIR": root / "marts",
           "PTSM_REPORTS_DIR": root / "reports", "PTSM_SECRET_DIR": root / "secret"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, str(value))
        for name in ("PTSM_SQL_DIR", "PTSM_EXPECTATIONS_DIR", "PTSM_VOCABULARY_FILE", "PTSM_REFERENCE_DIR", "DAGSTER_HOME"):
            patch.delenv(name, raising=False)
        for name, value in settings.items():
            patch.setenv(name, str(value))
        settings_ = get_settings()
        started = time.monotonic()
        outcome = run_refresh(build_defs(settings_), no_reports=True)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = print_summary(outcome, settings_, time.monotonic() - started)
    return InProcessRun(root, raw_dir, code, printed.getvalue())


def render_reports(marts_dir: Path, reports_dir: Path, notebooks_dir: Path) -> tuple[bool, str]:
    """Materialise the real `publish/reports` asset in this process (Dagster's in-process executor, as `ptsm refresh`
    runs it) on the notebooks of `notebooks_dir`: whether it succeeded, and its step failures' messages. A test that
    kills the step runs it in a process of its own instead."""
    import dagster as dg

    from pipelines.defs.publish.reports import reports_asset
    from pipelines.defs.resources import PtsmPaths

    paths = PtsmPaths(raw_dir="", sample_dir="", reference_dir="", secret_dir="", marts_dir=str(marts_dir),
                      reports_dir=str(reports_dir), notebooks_dir=str(notebooks_dir))
    result = dg.materialize([reports_asset], resources={"paths": paths}, raise_on_error=False)
    failures = [f"ÉCHEC {event.event_specific_data.error.message}" for event in result.all_events
                if event.event_type == dg.DagsterEventType.STEP_FAILURE]
    return result.success, "\n".join(failures)
