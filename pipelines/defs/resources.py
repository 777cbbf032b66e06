"""Resources declared once: the DuckDB warehouse and the project's folders (from `pipelines.lib.config`)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.lib.config import Settings, get_settings, has_exports


class PtsmPaths(dg.ConfigurableResource):
    """Where exports are read and outputs written. `input_dir` falls back to the synthetic sample."""

    raw_dir: str
    sample_dir: str
    reference_dir: str
    marts_dir: str
    reports_dir: str
    secret_dir: str
    notebooks_dir: str

    @property
    def input_dir(self) -> Path:
        raw = Path(self.raw_dir)
        return raw if has_exports(raw) else Path(self.sample_dir)

    @property
    def uses_sample(self) -> bool:
        return self.input_dir == Path(self.sample_dir)


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    settings = settings or get_settings()
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": DuckDBResource(database=str(settings.db_path), connection_config={"autoinstall_known_extensions": False}),
        "paths": PtsmPaths(
            raw_dir=str(settings.raw_dir),
            sample_dir=str(settings.sample_dir),
            reference_dir=str(settings.reference_dir),
            marts_dir=str(settings.marts_dir),
            reports_dir=str(settings.reports_dir),
            secret_dir=str(settings.secret_dir),
            notebooks_dir=str(settings.notebooks_dir),
        ),
    }
