"""The one French-Excel CSV writer (pipelines/lib/publish/french_csv.py), used by the publisher, the regional export and
the API's `format=csv`."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from pipelines.api.formats import to_csv
from pipelines.lib.publish.french_csv import csv_bytes, format_cell, write_csv


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
