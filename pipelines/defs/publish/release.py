"""Publication: every mart to PTSM_MARTS_DIR (Parquet + French CSV + dictionary) as one release, switched in
atomically, and the warehouse's `marts` schema swapped to the same tables in the same step.

It runs only after every mart's blocking check passed (on the scratch schema), and publishes only when the
backtest against the current release passes (or the run carries `ptsm/accept_drop=true`) and the release would not
put synthetic data over real data. Any refusal leaves the previous release and the previous `marts` in place."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import PtsmPaths
from pipelines.lib.catalogue.reference import registry_ids
from pipelines.lib.ops.alerts import Alert, AlertNotConfigured, AlertNotDelivered, send_alert
from pipelines.lib.publish import gates
from pipelines.lib.publish.backtest import BacktestBlocked
from pipelines.lib.publish.publisher import promote_marts, publish_release
from pipelines.lib.publish.release import SyntheticOverReal, read_manifest
from pipelines.lib.warehouse.sql_files import SCRATCH_SCHEMA
from pipelines.lib.quality.feedback import feedback_dir, write_feedback

ACCEPT_DROP_TAG = "ptsm/accept_drop"


def accepts_drop(tags: dict[str, str]) -> bool:
    return str(tags.get(ACCEPT_DROP_TAG, "")).strip().lower() in ("true", "1", "oui", "yes")


def build_marts_release(marts: list[str]) -> dg.AssetsDefinition:
    """The publication asset of the marts `marts` (the names of a SQL folder's marts, `mart_names`): built with the
    code location (`pipelines.definitions.build_defs`), so a run with another PTSM_SQL_DIR waits for, checks and
    publishes that folder's marts, as its SQL assets are that folder's."""
    marts = list(marts)

    @dg.asset(
        key=dg.AssetKey(["publish", "marts_release"]),
        group_name="publish",
        deps=[dg.AssetKey(["marts", name]) for name in marts],
        description="Publishes all marts to PTSM_MARTS_DIR as one immutable release (Parquet, French CSV, "
                    "DICTIONNAIRE.md, manifest), after the backtest against the current release; swaps the "
                    "warehouse's marts schema with it.",
    )
    def marts_release(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                      paths: PtsmPaths) -> dg.MaterializeResult:
        accept_drop = accepts_drop(context.run.tags)
        with duckdb.get_connection() as con:
            try:
                release = _publish(context, con, paths, marts, accept_drop)
                resolved = _resolve_earlier_refusal(context, paths, release.name)
                # one French page per PTSM whose files had problems, beside the release (lib/quality/feedback.py)
                write_feedback(con, feedback_dir(Path(paths.marts_dir)), synthetic=paths.uses_sample)
            finally:  # a refusal raises here: DuckDBResource would leave the connection open (held by the traceback)
                con.close()
        manifest = read_manifest(release)
        verdict = manifest.get("backtest", {})
        if verdict.get("drops"):
            context.log.warning("Baisse acceptée (--accept-drop) : %s", "; ".join(
                f"{d['label']} {d['previous']} -> {d['current']}" for d in verdict["drops"]))
        return dg.MaterializeResult(metadata={
            "release": str(release), "marts": len(marts), "synthetic": paths.uses_sample,
            "backtest": verdict.get("verdict", ""), "accepted_drop": accept_drop,
            "measures": dg.MetadataValue.json(manifest.get("measures", {})),
            **({"resolved": resolved} if resolved else {}),
        })

    return marts_release


def _publish(context: dg.AssetExecutionContext, con, paths: PtsmPaths, marts: list[str],
             accept_drop: bool) -> Path:
    """The publication itself; a refusal (synthetic over real, backtest) fails the step with its French message
    alone, which the refresh summary prints."""
    try:
        return publish_release(
            con, marts, Path(paths.marts_dir),
            synthetic=paths.uses_sample,
            input_label="sample" if paths.uses_sample else "raw",
            schema=SCRATCH_SCHEMA,
            accept_drop=accept_drop,
            input_dir=str(paths.input_dir),
            before_switch=lambda: promote_marts(con, marts),
            reports_dir=Path(paths.reports_dir),
            run_id=context.run.run_id,
            registry_ptsm=len(registry_ids(con)),
            accept_partial=gates.accepts_partial(context.run.tags),
        )
    except (BacktestBlocked, SyntheticOverReal, gates.PublicationHeld) as refusal:
        context.log.error(str(refusal))
        if paths.db_path and gates.read_hold(Path(paths.marts_dir)) is None:  # the operator's hold is no incident
            gates.remember_refusal(Path(paths.db_path), str(refusal), context.run.run_id)
        raise dg.Failure(description=str(refusal), allow_retries=False) from None


def _resolve_earlier_refusal(context: dg.AssetExecutionContext, paths: PtsmPaths, release_id: str) -> str:
    """After a refusal, the first publication that passes says so (log, metadata, a "résolu" alert): an operator
    told "publication bloquée" hears that it went through, not silence."""
    entry = gates.resolve_refusal(Path(paths.db_path)) if paths.db_path else None
    if entry is None:
        return ""
    message = gates.resolution_message(entry, release_id)
    context.log.info(message)
    alert = Alert(subject=f"[PTSM] Résolu : publication {release_id} en place", body=message,
                  fields={"resolved": entry.get("at") or "", "release_id": release_id})
    try:
        send_alert(alert)
    except (AlertNotConfigured, AlertNotDelivered) as error:  # journaled: `ptsm health` reports it
        context.log.warning(f"Alerte « résolu » non envoyée : {error}.")
    return message
