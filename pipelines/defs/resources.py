"""Resources declared once: the DuckDB warehouse and the project's folders (from `pipelines.lib.core.config`).

Both take the writer lock (`pipelines.lib.warehouse.locking`) when a run sets them up and release it when the run tears them
down: with the in-process executor that is the run's whole lifetime, whoever launched it (CLI, schedule, sensor,
UI, `dagster job execute`), so two refreshes never interleave their steps.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from pipelines.lib.warehouse import locking
from pipelines.lib.core.config import ALLOW_SAMPLE_TAG, Settings, get_automation_settings, get_settings
from pipelines.lib.ingest.discovery import has_exports


def _take_writer_lock(context: dg.InitResourceContext, db_path: str) -> None:
    run_id = context.run.run_id if context.run else None
    try:
        locking.acquire(Path(db_path), wait=get_automation_settings().lock_wait_seconds, run_id=run_id,
                        on_wait=context.log.warning if context.log else None)
    except locking.RefreshLocked as error:
        raise dg.Failure(description=f"Rafraîchissement refusé : {error}.") from None


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse; a run holds the writer lock while this resource is set up."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        _take_writer_lock(context, self.database)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        locking.release(Path(self.database))


class PtsmPaths(dg.ConfigurableResource):
    """Where exports are read and outputs written.

    `input_dir` falls back to the synthetic sample only in a run tagged `ptsm/allow_sample=true` (the plain
    `ptsm refresh` sets it); any other run with no export fails with a French message instead."""

    raw_dir: str
    sample_dir: str
    reference_dir: str
    marts_dir: str
    reports_dir: str
    secret_dir: str
    notebooks_dir: str
    db_path: str = ""
    _allow_sample: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        self._allow_sample = bool(run and run.tags.get(ALLOW_SAMPLE_TAG) == "true")
        if self.db_path:
            _take_writer_lock(context, self.db_path)
        if self._allow_sample and not has_exports(Path(self.raw_dir)) and context.log:
            context.log.warning(
                f"Aucun export dans {self.raw_dir} : ce run utilise l'échantillon SYNTHÉTIQUE ({self.sample_dir}), "
                "ses chiffres sont fictifs."
            )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self.db_path:
            locking.release(Path(self.db_path))

    @property
    def input_dir(self) -> Path:
        raw = Path(self.raw_dir)
        if has_exports(raw):
            return raw
        if self._allow_sample:
            return Path(self.sample_dir)
        state = "absent" if not raw.is_dir() else "ne contient aucun export"
        raise dg.Failure(description=(
            f"{raw} {state} : un run lancé par Dagster ne se rabat jamais sur l'échantillon synthétique. "
            "Vérifiez que PTSM_RAW_DIR est monté et contient les exports, puis relancez ; rien n'a été publié."
        ))

    @property
    def uses_sample(self) -> bool:
        return self.input_dir == Path(self.sample_dir)


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    settings = settings or get_settings()
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": WarehouseResource(database=str(settings.db_path), connection_config={"autoinstall_known_extensions": False}),
        "paths": PtsmPaths(
            raw_dir=str(settings.raw_dir),
            sample_dir=str(settings.sample_dir),
            reference_dir=str(settings.reference_dir),
            marts_dir=str(settings.marts_dir),
            reports_dir=str(settings.reports_dir),
            secret_dir=str(settings.secret_dir),
            notebooks_dir=str(settings.notebooks_dir),
            db_path=str(settings.db_path),
        ),
    }
