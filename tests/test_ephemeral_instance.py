"""The refresh's ephemeral Dagster instance (pipelines/defs/instance.py) records and answers like Dagster's own.

Its event log keeps one connection instead of opening one per call. The same small job (an asset, a downstream
asset, a passing and a failing check on it) runs twice on Dagster's `DagsterInstance.ephemeral()` and twice on
`ephemeral_instance()`: both instances must hold the same events, asset records, check results and data-version
lineage, and reads must see the second run's writes (a transaction left open on the held connection would not).
"""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.defs.instance import HeldConnectionEventLogStorage, ephemeral_instance


@dg.asset
def upstream() -> int:
    return 1


@dg.asset
def downstream(upstream: int) -> int:
    return upstream + 1


@dg.asset_check(asset=downstream)
def downstream_is_two(downstream: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=downstream == 2, metadata={"seen": downstream})


@dg.asset_check(asset=downstream)
def downstream_is_three(downstream: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=downstream == 3, metadata={"seen": downstream})


JOB = dg.Definitions(assets=[upstream, downstream], asset_checks=[downstream_is_two, downstream_is_three],
                     jobs=[dg.define_asset_job("both")]).resolve_job_def("both")
KEYS = [dg.AssetKey("upstream"), dg.AssetKey("downstream")]


def _record(instance: dg.DagsterInstance) -> dict:
    """What the two runs left in `instance`, without ids and times."""
    runs = [JOB.execute_in_process(instance=instance, raise_on_error=False).run_id for _ in range(2)]
    events = [[e.dagster_event_type.value for e in instance.all_logs(run_id) if e.dagster_event_type]
              for run_id in runs]
    latest = {key.to_user_string(): instance.get_latest_materialization_event(key) for key in KEYS}
    records = instance.get_asset_records(KEYS)
    checks = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("downstream"), "downstream_is_three"), limit=10)
    tags = latest["downstream"].asset_materialization.tags
    return {
        "events": events,
        "latest_runs": [latest[k].run_id == runs[1] for k in latest],
        "records": sorted((r.asset_entry.asset_key.to_user_string(),
                           r.asset_entry.last_materialization.run_id == runs[1]) for r in records),
        "check_history": [(c.run_id == runs[i], c.status.value) for i, c in zip((1, 0), checks)],
        "tag_names": sorted(tags),
        # lineage read back from the event log: downstream's input version is upstream's latest data version
        "lineage": tags["dagster/input_data_version/upstream"]
        == latest["upstream"].asset_materialization.tags["dagster/data_version"],
    }


@pytest.fixture(scope="module")
def both():
    with dg.DagsterInstance.ephemeral() as dagsters, ephemeral_instance() as ours:
        assert isinstance(ours.event_log_storage, HeldConnectionEventLogStorage)
        yield _record(dagsters), _record(ours)


def test_the_held_connection_log_records_what_dagster_s_own_records(both):
    dagsters, ours = both
    assert ours == dagsters


def test_the_record_compared_is_not_empty(both):
    _, ours = both
    assert ours["latest_runs"] == [True, True] and ours["lineage"] is True
    assert ours["check_history"] == [(True, "FAILED"), (True, "FAILED")]
    assert ours["records"] == [("downstream", True), ("upstream", True)]
    assert ours["events"][0] == ours["events"][1] and ours["events"][0].count("ASSET_MATERIALIZATION") == 2
    assert ours["events"][0].count("ASSET_CHECK_EVALUATION") == 2


def test_a_log_written_from_another_thread_is_recorded():
    # a step may log from a thread of its own (the captured `dagster` loggers store each message as an event):
    # SQLite refuses a connection from another thread than its creator's, so those calls get their own, as in
    # Dagster's storage; a log lost there would be an error printed in the middle of the refresh's output
    import threading

    from dagster._core.events.log import EventLogEntry

    with ephemeral_instance() as instance:
        storage = instance.event_log_storage
        errors: list[BaseException] = []

        def log(message: str) -> None:
            try:
                storage.store_event(EventLogEntry(error_info=None, level="INFO", user_message=message,
                                                  run_id="essai", timestamp=1.0))
            except BaseException as error:  # noqa: BLE001  (reported below)
                errors.append(error)

        worker = threading.Thread(target=log, args=("depuis un autre fil",))
        worker.start()
        worker.join()
        log("depuis le fil du run")
        assert errors == []
        assert [e.user_message for e in storage.get_logs_for_run("essai")] == ["depuis un autre fil",
                                                                              "depuis le fil du run"]
