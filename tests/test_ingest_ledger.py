"""The raw ledger: an unchanged file is hashed but never parsed again; bulk inserts keep values and types."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.ingest import raw as ingest
from pipelines.lib.warehouse.bulk import insert_tuples
from pipelines.lib.catalogue.families import FAMILIES

MINI = Path(__file__).parent / "fixtures" / "exports" / "mini"


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    shutil.copytree(MINI / "fiches_actions", root / "fiches_actions")
    return root


def _refuse_to_parse(*args, **kwargs):
    raise AssertionError("an unchanged file was parsed again")


def test_unchanged_files_are_not_parsed_again(exports, monkeypatch):
    family = FAMILIES["fiches_actions"]
    con = duckdb.connect()
    first = ingest.ingest_family(con, family, exports)
    assert (first.files_seen, first.files_parsed, first.files_unchanged) == (8, 8, 0)
    rows_before = con.execute("select count(*) from raw.actions").fetchall()[0][0]

    monkeypatch.setattr(ingest, "read_tabular", _refuse_to_parse)
    second = ingest.ingest_family(con, family, exports)
    assert (second.files_parsed, second.files_unchanged, second.rows_loaded) == (0, 8, 0)
    assert con.execute("select count(*) from raw.actions").fetchall()[0][0] == rows_before
    monkeypatch.undo()

    # one workbook lands: only it is parsed, and the ledger records its hash
    landed = exports / "fiches_actions" / "ptsm02_2022-04-01.xlsx"
    shutil.copyfile(exports / "fiches_actions" / "ptsm02_2022-02-01.xlsx", landed)
    third = ingest.ingest_family(con, family, exports)
    assert (third.files_parsed, third.files_unchanged, third.parsed) == (1, 8, ["fiches_actions/ptsm02_2022-04-01.xlsx"])
    ledger = con.execute("select source_file, sha256, size_bytes from raw.file_ledger "
                         "where source_file like '%2022-04-01%'").fetchall()
    assert ledger == [("fiches_actions/ptsm02_2022-04-01.xlsx", ingest.sha256_file(landed), landed.stat().st_size)]
    assert con.execute("select count(*) from raw.file_ledger").fetchall()[0][0] == 9


def test_insert_tuples_keeps_nulls_dates_and_column_order():
    con = duckdb.connect()
    con.execute("create table t (a varchar, b integer, c date, d varchar)")
    insert_tuples(con, "t", [("x", None, dt.date(2024, 3, 31), None), ("y", 3, None, None)])
    insert_tuples(con, "t", [])
    assert con.execute("select * from t order by a").fetchall() == [
        ("x", None, dt.date(2024, 3, 31), None), ("y", 3, None, None)]
