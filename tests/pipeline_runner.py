"""Runs the real `ptsm refresh` in a subprocess on a given export folder, with its own warehouse and marts."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MINI_EXPORTS = PROJECT_ROOT / "tests" / "fixtures" / "exports" / "mini"


@dataclass
class Run:
    root: Path
    raw_dir: Path
    returncode: int = 0
    output: str = ""

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PTSM_RAW_DIR": str(self.raw_dir),
            "PTSM_DB": str(self.root / "warehouse.duckdb"),
            "PTSM_MARTS_DIR": str(self.root / "marts"),
            "PTSM_REPORTS_DIR": str(self.root / "reports"),
            "PTSM_SECRET_DIR": str(self.root / "secret"),
        })
        return env

    @property
    def db(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        return self.root / "marts"

    def refresh(self, *args: str) -> "Run":
        result = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "refresh", "--no-reports", *args],
            env=self.env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
        )
        self.returncode, self.output = result.returncode, result.stdout + result.stderr
        return self

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()
