"""The one French-Excel CSV writer (pipelines/lib/publish/french_csv.py), used by the publisher, the regional export and
the API's `format=csv`."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.api.formats import to_csv
from pipelines.lib.publish.french_csv import column_texts, csv_bytes, format_cell, write_csv


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234.5, "1234,5"),
        (-3, "-3"),  # a negative number is a number, not a formula
        (-0.25, "-0,25"),
        (1e-05, "0,00001"),  # no exponent: Excel would read "1e-05" as text
        (3.0, "3"),
        (float("nan"), ""),
        ('=HYPERLINK("http://x")', "'=HYPERLINK(\"http://x\")"),
        ("+33 1 23", "'+33 1 23"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=b", "a=b"),  # only a leading sign triggers a formula
        (True, "vrai"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (["-1", "x"], "'-1;x"),
    ],
)
def test_format_cell(value, text):
    assert format_cell(value) == text


def test_the_api_and_the_files_write_the_same_bytes(tmp_path):
    table = pa.table({"ptsm_id": ["PTSM-01", "PTSM-02"], "share": [0.5, None], "label": ["=1+1", "Plan; « é »"],
                      "ok": [True, False], "day": [dt.date(2024, 2, 29), None]})
    path = write_csv(table, tmp_path / "t.csv")
    assert path.read_bytes() == to_csv(table) == csv_bytes(table)
    assert path.read_bytes() == ("\ufeffptsm_id;share;label;ok;day\r\n"
                                 "PTSM-01;0,5;'=1+1;vrai;2024-02-29\r\n"
                                 'PTSM-02;;"Plan; « é »";faux;\r\n').encode("utf-8")


@pytest.mark.parametrize(
    ("value", "text"),
    [(1234.5, "1234,5"), (-3, "-3"), (-0.25, "-0,25"), (1e-05, "0,00001"), (1e22, "10000000000000000000000"),
     (3.0, "3"), (-0.0, "-0"), (float("nan"), ""), (float("inf"), "inf"), ("=1+1", "'=1+1"), ("a=b", "a=b"),
     (True, "vrai"), (False, "faux"), (dt.date(2024, 2, 29), "2024-02-29"), (None, "")],
)
def test_a_column_at_a_time_writes_each_cell_as_the_cell_rule(value, text):
    """The writer converts a column at a time (the API formats every filtered answer with it); a cell reads the
    same as `format_cell` of the value, worked by hand."""
    assert column_texts(pa.chunked_array([[value, None]])) == [text, ""]


@settings(deadline=None)  # the profile's budget (tests/conftest.py): 30, 100 in CI, 300 with --long
@given(st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.none(), max_size=20),
    st.lists(st.integers(min_value=-2**63, max_value=2**63 - 1) | st.none(), max_size=20),
    st.lists(st.text() | st.none(), max_size=20),
    st.lists(st.booleans() | st.none(), max_size=20),
    st.lists(st.dates() | st.none(), max_size=20),
).filter(lambda values: any(v is not None for v in values)))
def test_every_column_reads_as_its_cells_one_by_one(values):
    """Property: for any float, integer, text, boolean or date column, the column writer equals `format_cell` cell
    by cell (so the published CSV did not change when the writer went column-wise)."""
    column = pa.chunked_array([values])
    assert column_texts(column) == [format_cell(v) for v in column.to_pylist()]
