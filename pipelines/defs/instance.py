"""The Dagster instance of a refresh run without DAGSTER_HOME: Dagster's ephemeral instance, its event log on one
held connection.

Dagster's in-memory event log (`InMemoryEventLogStorage`) opens a new SQLite connection for every read and write,
runs two PRAGMAs on it and, for every asset event, asks SQLAlchemy again which tables and columns it has. A refresh
stores ~330 events and, for each asset step and check, reads the latest materialisations of its inputs (data
versions): py-spy put that storage at about a quarter of an in-process refresh's CPU (BENCHMARKS.md, round 11). The
storage below is the same class, tables and queries, but every call runs on the one connection the storage already
holds for its whole life, in its own transaction under the storage's own lock (which already serialised every call; a
call from any other thread, to which SQLite refuses that connection, opens its own as before), and its own tables and
columns, created by itself and never migrated, are looked up once. Everything else is Dagster's
`create_ephemeral_instance` (dagster/_core/instance/factory.py).

With DAGSTER_HOME set (the daemon, the UI, `dagster.yaml`'s storage) nothing here is used.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import dagster as dg
import sqlalchemy as db
from dagster._core.storage.event_log import InMemoryEventLogStorage


class HeldConnectionEventLogStorage(InMemoryEventLogStorage):
    """Dagster's in-memory event log, on the connection it holds instead of a new one per call."""

    def __init__(self) -> None:
        super().__init__()
        self._owner = threading.get_ident()  # SQLite refuses a connection to any other thread than its creator's
        self._columns: dict[str, bool] = {}
        self._tables: dict[str, bool] = {}
        with self._held_conn.begin():  # SQLite's foreign keys are set per connection
            self._held_conn.execute(db.text("PRAGMA foreign_keys=ON;")).close()

    @contextmanager
    def _connect(self):
        if threading.get_ident() != self._owner:  # a log from a thread of a step: a connection of its own, as Dagster
            with super()._connect() as conn:
                yield conn
            return
        with self._db_lock, self._held_conn.begin():
            yield self._held_conn

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._tables:
            self._tables[table_name] = super().has_table(table_name)
        return self._tables[table_name]

    def _has_asset_key_col_on_connection(self, conn, column_name: str) -> bool:
        if column_name not in self._columns:
            self._columns[column_name] = super()._has_asset_key_col_on_connection(conn, column_name)
        return self._columns[column_name]


def ephemeral_instance() -> dg.DagsterInstance:
    """`dg.DagsterInstance.ephemeral()` with `HeldConnectionEventLogStorage` as its event log."""
    from dagster._core.instance import InstanceType
    from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
    from dagster._core.run_coordinator import DefaultRunCoordinator
    from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
    from dagster._core.storage.root import TemporaryLocalArtifactStorage
    from dagster._core.storage.runs import InMemoryRunStorage

    return dg.DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),
        run_storage=InMemoryRunStorage(),
        event_storage=HeldConnectionEventLogStorage(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
    )
