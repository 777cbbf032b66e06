"""The definitions of published figures (data/reference/published_figures.csv): the generated mart SQL and its
documentation are in sync with them, a bad definition is refused with its figure named, each filter operator selects
the rows worked out by hand, and every column a definition names is a documented column of its mart."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.catalogue import published_figures as pf

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference"
FIGURES = pf.read_figures(REFERENCE)
ROWS = {row["figure_id"]: row for row in pf.read_figure_rows(REFERENCE)}


def test_the_mart_sql_and_its_documentation_are_generated_from_the_definitions():
    """Editing the CSV without regenerating (python -m pipelines.lib.catalogue.published_figures) fails here."""
    assert pf.MART_SQL.read_text(encoding="utf-8") == pf.mart_sql(FIGURES)
    assert pf.MART_DOC.read_text(encoding="utf-8") == pf.documentation(FIGURES, list(ROWS.values()))


VALID = {"figure_id": "f1", "theme": "registre", "description": "d", "published_value": "3", "unit": "count",
         "scope": "national", "source": "s", "region_code": "", "computed_from": "exports", "result": "value",
         "mart": "ptsm_overview", "measure": "count", "filter": "", "denominator_mart": "", "denominator_measure": "",
         "denominator_filter": "", "base": "", "not_computable_reason": ""}


@pytest.mark.parametrize("change, message", [
    ({"result": "ratio"}, "result 'ratio' inconnu"),
    ({"measure": "avg(population)"}, "mart et mesure attendus"),
    ({"mart": ""}, "mart et mesure attendus"),
    ({"filter": "region_code 84"}, "condition illisible"),
    ({"filter": "region_code between 1"}, "« between a and b » attendu"),
    ({"filter": "region_code is null 84"}, "ne prend pas de valeur"),
    ({"unit": "percent", "result": "percent"}, "sans dénominateur"),
    ({"unit": "percent"}, "ne s'accordent pas"),
    ({"result": "text"}, "attend earliest, latest ou list"),
    ({"result": "none"}, "un chiffre non calculable"),
    ({"mart": "", "measure": ""}, "aucune mesure"),
])
def test_a_bad_definition_is_refused_and_names_its_figure(change, message):
    with pytest.raises(pf.DefinitionError) as refused:
        pf._figure({**VALID, **change})
    assert str(refused.value).startswith("f1") and message in str(refused.value)


def test_a_valid_definition_parses():
    figure = pf._figure({**VALID, "region_code": "11; 93"})
    assert figure.region_codes == {"11", "93"} and figure.numerator.function == "count"


# A tiny mart, and for each filter the rows it keeps, worked out by hand
TINY = [("a", 1, "2024-01-31", "x;y", None), ("b", 5, "2024-03-31", "y", "n"), ("c", 9, "2024-06-30", "", "n")]


@pytest.mark.parametrize("filter_text, kept", [
    ("", "abc"),
    ("k = b", "b"),
    ("k <> b", "ac"),
    ("n < 5", "a"),
    ("n <= 5", "ab"),
    ("n > 5", "c"),
    ("n >= 5", "bc"),
    ("k in a|c", "ac"),
    ("n between 2 and 9", "bc"),
    ("d = 2024-03-31", "b"),
    ("d <= 2024-03-31", "ab"),
    ("l contains y", "ab"),
    ("l contains x", "a"),
    ("z is null", "a"),
    ("z is not null", "bc"),
    ("n >= 5; k <> c", "b"),
])
def test_each_filter_operator_keeps_the_rows_worked_out_by_hand(filter_text, kept):
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.tiny (k varchar, n integer, d date, l varchar, z varchar)")
    con.executemany("insert into marts.tiny values (?, ?, ?, ?, ?)", TINY)
    listed = pf.parse_aggregate("tiny", "list(k)", filter_text, "test")
    counted = pf.parse_aggregate("tiny", "count", filter_text, "test")
    summed = pf.parse_aggregate("tiny", "sum(n)", filter_text, "test")
    expected_sum = sum(n for k, n, *_ in TINY if k in kept)
    assert con.execute(f"select {listed.sql()}, {counted.sql()}, {summed.sql()}").fetchone() == (
        ";".join(kept), len(kept), expected_sum)


def test_a_sum_over_no_row_is_not_zero_but_unknown():
    """A snapshot absent from the mart (a roster that stops in 2022) leaves the figure not computable, never 0."""
    con = duckdb.connect()
    con.execute("create schema marts; create table marts.tiny (d date, n integer)")
    con.execute("insert into marts.tiny values ('2022-12-31', 4)")
    summed = pf.parse_aggregate("tiny", "sum(n)", "d = 2024-03-31", "test")
    counted = pf.parse_aggregate("tiny", "count", "d = 2024-03-31", "test")
    assert con.execute(f"select {summed.sql()}, {counted.sql()}").fetchone() == (None, 0)


def documented_columns(mart: str) -> set[str]:
    text = (ROOT / "sql" / "marts" / f"{mart}.sql").read_text(encoding="utf-8")
    return set(re.findall(r"^-- column (\w+):", text, re.M))


def aggregates():
    for figure in FIGURES:
        for side in (figure.numerator, figure.denominator):
            if side is not None:
                yield figure.figure_id, side


@pytest.mark.parametrize("figure_id, side", list(aggregates()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_column_a_definition_names_is_a_documented_column_of_its_mart(figure_id, side):
    columns = documented_columns(side.mart)
    named = {c.column for c in side.conditions} | ({side.column} if side.column else set())
    assert named <= columns, (figure_id, named - columns)


def test_every_survey_figure_is_read_on_the_wave_its_theme_names():
    """The report's survey figures are about its wave: a later wave in the mart must never feed them."""
    survey = [f for f in FIGURES if f.numerator is not None and f.numerator.mart == "survey_results"]
    assert survey
    for figure in survey:
        for side in (figure.numerator, figure.denominator):
            if side is not None:
                assert pf.Condition("wave", "=", (str(figure.survey_wave),)) in side.conditions, figure.figure_id


def test_every_percent_figure_states_its_base_and_the_documentation_repeats_it():
    doc = pf.MART_DOC.read_text(encoding="utf-8")
    for figure in FIGURES:
        if figure.result == "percent":
            assert figure.base, figure.figure_id
            line = next(line for line in doc.splitlines() if line.startswith(f"| `{figure.figure_id}`"))
            assert f"| {figure.base} |" in line


def test_figures_from_reference_data_alone_are_marked_and_listed():
    reference = {f.figure_id for f in FIGURES if f.computed_from == "reference"}
    # the registry counts and INSEE populations of the report (ch. 2.1 and 7.1) come from data/reference alone
    assert reference == {"ptsm_count", "ptsm_count_ara", "ptsm_count_na", "ptsm_pop_min", "ptsm_pop_max"}
    listed = pf.MART_DOC.read_text(encoding="utf-8").split("## Figures from the reference data alone")[1].split("\n## ")[0]
    assert set(re.findall(r"^- `(\w+)`", listed, re.M)) == reference


def test_a_not_computable_figure_says_why():
    for figure in FIGURES:
        if figure.result == "none":
            assert figure.not_computable_reason and figure.numerator is None, figure.figure_id
