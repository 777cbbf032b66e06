"""Shared test set-up: the two tiers, Hypothesis profiles and the one in-process materialisation of the mini fixtures.

Tiers: `uv run pytest -m "not slow"` is the inner loop (see BENCHMARKS.md, "Test tiers"); `uv run pytest` (the README's
command, run by .ci/run) runs everything. A test slower than ~3 s (a whole refresh, a subprocess, a daemon, a browser,
a notebook) is marked `slow`.

Hypothesis: few examples locally, more in CI (`CI=true`); `HYPOTHESIS_PROFILE=ci` asks for the CI budget locally.
Every profile is derandomised and keeps no example database, so a failure replays the same way everywhere.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, settings

from pipeline_runner import MINI_EXPORTS

_COMMON = dict(deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, **_COMMON)
settings.register_profile("ci", max_examples=300, **_COMMON)
_IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _IN_CI else "dev"))


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


def materialise(root: Path, raw_dir: Path) -> InProcessRun:
    """Refresh (no reports) an installation under `root` reading `raw_dir`, in process, like `ptsm refresh` does
    once it holds the lock; the environment is restored afterwards."""
    from pipelines.defs.run import run_refresh
    from pipelines.lib.config import get_settings
    from pipelines.lib.summary import print_summary

    root.mkdir(parents=True, exist_ok=True)
    env = {"PTSM_RAW_DIR": raw_dir, "PTSM_DB": root / "warehouse.duckdb", "PTSM_MARTS_DIR": root / "marts",
           "PTSM_REPORTS_DIR": root / "reports", "PTSM_SECRET_DIR": root / "secret"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, str(value))
        for name in ("PTSM_SQL_DIR", "PTSM_EXPECTATIONS_DIR"):
            patch.delenv(name, raising=False)
        settings_ = get_settings()
        started = time.monotonic()
        outcome = run_refresh(settings_, no_reports=True)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = print_summary(outcome, settings_, time.monotonic() - started)
    return InProcessRun(root, raw_dir, code, printed.getvalue())


@pytest.fixture(scope="session")
def mini_run(tmp_path_factory) -> InProcessRun:
    """The mini export set (tests/fixtures/exports/mini) refreshed once for the whole session. Read it, never change
    it: a test that needs another state makes its own copy."""
    root = tmp_path_factory.mktemp("mini-session")
    raw = root / "raw"
    shutil.copytree(MINI_EXPORTS, raw)
    run = materialise(root / "site", raw)
    assert run.returncode == 0, run.output
    return run
