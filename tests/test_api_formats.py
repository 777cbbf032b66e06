"""The API's JSON writer (pipelines/api/formats.py): one value rule, applied a column at a time."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.api.formats import _json_value, to_json


def test_a_small_table_reads_as_worked_by_hand():
    table = pa.table({
        "ptsm_id": ["PTSM-01", None], "n": [3, None], "share": [float("nan"), 0.25], "vacant": [True, None],
        "snapshot_date": [dt.date(2024, 3, 31), None], "amount": pa.array([decimal.Decimal("12.50"), None],
                                                                          type=pa.decimal128(10, 2)),
    })
    body = json.loads(to_json(table, {"mart": "x"}))
    assert body == {"mart": "x", "columns": ["ptsm_id", "n", "share", "vacant", "snapshot_date", "amount"],
                    "n_rows": 2, "rows": [
                        {"ptsm_id": "PTSM-01", "n": 3, "share": None, "vacant": True, "snapshot_date": "2024-03-31",
                         "amount": 12.5},
                        {"ptsm_id": None, "n": None, "share": 0.25, "vacant": None, "snapshot_date": None,
                         "amount": None}]}


@settings(deadline=None)  # the profile's budget (tests/conftest.py): 30, 100 in CI, 300 with --long
@given(st.one_of(
    st.lists(st.floats() | st.none(), min_size=1, max_size=20),
    st.lists(st.integers(min_value=-2**63, max_value=2**63 - 1) | st.none(), min_size=1, max_size=20),
    st.lists(st.text() | st.none(), min_size=1, max_size=20),
    st.lists(st.booleans() | st.none(), min_size=1, max_size=20),
    st.lists(st.dates() | st.none(), min_size=1, max_size=20),
).filter(lambda values: any(v is not None for v in values)))
def test_every_column_reads_as_its_values_one_by_one(values):
    """Property: the column-wise writer gives each cell `_json_value` of its value (NaN and infinities as null)."""
    column = pa.chunked_array([values])
    rows = json.loads(to_json(pa.table({"c": column}), {}))["rows"]
    assert [row["c"] for row in rows] == json.loads(json.dumps([_json_value(v) for v in column.to_pylist()]))
