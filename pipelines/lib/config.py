"""The one place where paths and environment switches are read (SPEC §5)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXPORT_FAMILIES = ("enquete_coordonnateurs", "coordonnateurs", "fiches_actions", "statut_ptsm")


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
    keep_releases: int = 12  # PTSM_KEEP_RELEASES: publications kept on disk (see pipelines/lib/release.py)

    @property
    def input_dir(self) -> Path:
        """The folder actually read: the raw exports, or the synthetic sample when there are none."""
        return self.raw_dir if has_exports(self.raw_dir) else self.sample_dir

    @property
    def uses_sample(self) -> bool:
        return self.input_dir == self.sample_dir


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
        keep_releases=max(1, int(os.environ.get("PTSM_KEEP_RELEASES") or 12)),
    )


def has_exports(raw_dir: Path) -> bool:
    """True when an export family folder (matched like a controlled value, sub-folders included) or a zip archive
    holds a file that is not OS junk or an Office lock file: a lone `.DS_Store` must not replace the sample by an
    empty real publication, and exports only in a sub-folder or a zip must not be taken for "no exports"."""
    from pipelines.lib.discovery import discover

    return discover(raw_dir).has_exports
