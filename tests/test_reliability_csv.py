"""Excel formula injection: no text cell of a published CSV starts with =, +, -, @, a tab or a carriage return
(the publisher prefixes an apostrophe), whatever the text; numbers keep their sign. End to end on planted action
titles: tests/test_privacy.py::test_no_published_csv_cell_starts_like_a_formula."""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow as pa
from hypothesis import example, given
from hypothesis import strategies as st

from pipelines.lib.publish.french_csv import format_cell, write_csv

# what a spreadsheet reads as the start of a formula (written out here, not imported from the publisher)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

texts = st.one_of(st.text(max_size=30), st.sampled_from(FORMULA_PREFIXES).flatmap(
    lambda prefix: st.text(max_size=20).map(lambda rest: prefix + rest)))


@given(values=st.lists(st.one_of(st.none(), texts), min_size=1, max_size=12), header=texts)
@example(values=["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\";\"y\")", "\r\n=1"],
         header="=cmd")
def test_no_text_cell_reads_back_as_a_formula(tmp_path_factory, values, header):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_csv(pa.table({header: pa.array(values, pa.string()), "n": pa.array(range(len(values)), pa.int64())}), path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][0] == ("'" + header if header.startswith(FORMULA_PREFIXES) else header)
    for (cell, number), value in zip(rows[1:], values):
        assert not cell.startswith(FORMULA_PREFIXES)
        expected = "" if value is None else ("'" + value if value.startswith(FORMULA_PREFIXES) else value)
        assert cell == expected
        assert number.isdigit()


def test_numbers_keep_their_sign_and_other_types_are_plain():
    assert format_cell(-3) == "-3"
    assert format_cell(-2.5) == "-2,5"
    assert format_cell("-2,5") == "'-2,5"  # text that looks like a number is still text
    assert format_cell(dt.date(2024, 3, 31)) == "2024-03-31"
    assert format_cell(["=a", "b"]) == "'=a;b"
    assert format_cell(True) == "vrai"
