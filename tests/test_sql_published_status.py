"""SQL unit tier: the one judge of a published figure (sql/macros/published_status.sql, docs/contract.md §4), on a table of
edge cases; and published_comparison built on seeded marts, so the mart is seen to use that judge and to take its
figures as the definition table (data/reference/published_figures.csv) defines them."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.warehouse.sql_files import build_table, create_macros, load_models
from pipelines.lib.catalogue import published_figures
from tests.sql_unit import SQL_DIR, seed

# (unit, published value, measure, text value, expected status), each with why it is here
EDGE_CASES = [
    # exact percent: compared once rounded to a whole percent
    ("percent", "35", 34.9, None, "reproduced"),
    ("percent", "35", 35.49, None, "reproduced"),
    # x.5 rounds half away from zero: 35.5 -> 36, so it no longer reproduces 35 (and does reproduce 36)
    ("percent", "35", 35.5, None, "differs"),
    ("percent", "36", 35.5, None, "reproduced"),
    ("percent", "35", 34.5, None, "reproduced"),
    ("percent", "35", 34.49, None, "differs"),
    # percent (approx.): within ±2 points, both ends included, unrounded
    ("percent (approx.)", "15", 17.0, None, "reproduced"),
    ("percent (approx.)", "15", 13.0, None, "reproduced"),
    ("percent (approx.)", "15", 17.01, None, "differs"),
    ("percent (approx.)", "15", 12.99, None, "differs"),
    # other approx. figures: within ±5 % of the published value (76 000 -> ±3 800), both ends included
    ("inhabitants (approx.)", "76000", 79800.0, None, "reproduced"),
    ("inhabitants (approx.)", "76000", 72200.0, None, "reproduced"),
    ("inhabitants (approx.)", "76000", 79801.0, None, "differs"),
    # lower / upper bounds: on the right side, the bound itself included, compared unrounded
    # (69.6 % is not "plus de 70 %" even though it rounds to 70)
    ("percent (lower bound)", "70", 70.0, None, "reproduced"),
    ("percent (lower bound)", "70", 69.6, None, "differs"),
    ("percent (upper bound)", "15", 15.0, None, "reproduced"),
    ("percent (upper bound)", "15", 15.2, None, "differs"),
    ("count (upper bound)", "140", 140.0, None, "reproduced"),
    ("count (upper bound)", "140", 141.0, None, "differs"),
    ("inhabitants (lower bound)", "2000000", 2000001.0, None, "reproduced"),
    # counts: equal
    ("count", "104", 104.0, None, "reproduced"),
    ("count", "104", 103.0, None, "differs"),
    ("count (of 70)", "32", 32.0, None, "reproduced"),
    # euros: equal to the euro (57 700.40 rounds to 57 700; 57 700.50 to 57 701)
    ("EUR per year", "57700", 57700.4, None, "reproduced"),
    ("EUR per year", "57700", 57700.5, None, "differs"),
    ("EUR", "85000", 84999.0, None, "differs"),
    # dates and lists: text equality
    ("date", "2018-12-03", None, "2018-12-03", "reproduced"),
    ("date", "2018-12-03", None, "2018-12-04", "differs"),
    ("priority list", "3;6", None, "3;6", "reproduced"),
    ("priority list", "3;6", None, "6;3", "differs"),
    ("priority list", "3;6", None, "", "differs"),
    # nothing computed: not computable (never "differs")
    ("count", "22", None, None, "not_computable"),
    ("percent", "35", None, None, "not_computable"),
]


def judge(cases: list[tuple]) -> list[str]:
    con = duckdb.connect()
    create_macros(con, SQL_DIR)
    con.execute("create table cases (i integer, unit varchar, published_value varchar, measure double, "
                "text_value varchar)")
    con.executemany("insert into cases values (?, ?, ?, ?, ?)", [[i, *case[:4]] for i, case in enumerate(cases)])
    return [row[0] for row in con.execute(
        "select published_status(unit, published_value, measure, text_value) from cases order by i").fetchall()]


def test_the_judge_on_its_edge_cases():
    assert judge(EDGE_CASES) == [case[4] for case in EDGE_CASES]


COLUMNS = ("figure_id", "theme", "description", "published_value", "unit", "scope", "source", "region_code",
           "computed_from", "result", "mart", "measure", "filter", "denominator_mart", "denominator_measure",
           "denominator_filter", "base", "not_computable_reason")
SURVEY = "wave integer, question varchar, answer varchar, n bigint, denominator bigint, share double"


def figure(figure_id: str, value: str, unit: str, result: str, mart: str, measure: str, filter_: str = "",
           denominator: tuple[str, str, str] = ("", "", ""), computed_from: str = "exports") -> dict[str, str]:
    return dict(zip(COLUMNS, (figure_id, "t", "d", value, unit, "national", "s", "", computed_from, result, mart,
                              measure, filter_, *denominator, "", "")))


def build_from_definitions(tmp_path: Path, rows: list[dict[str, str]], marts: dict[str, tuple[str, list]]) -> list:
    """published_comparison generated from these definitions (as the generator writes it), built on seeded marts."""
    figures = [published_figures._figure(row) for row in rows]
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    (sql_dir / "marts" / "published_comparison.sql").write_text(published_figures.mart_sql(figures), encoding="utf-8")
    model = next(m for m in load_models(sql_dir, "marts") if m.name == "published_comparison")
    con = duckdb.connect()
    for table, (columns, seeded) in {**marts, "ref_published_figures": (
            ", ".join(f"{c} varchar" for c in COLUMNS), [tuple(r[c] for c in COLUMNS) for r in rows])}.items():
        seed(con, table, columns, seeded)
    build_table(con, model)
    return con.execute("select figure_id, computed_value, status, numerator, denominator, note "
                       "from marts.published_comparison order by figure_id").fetchall()


def test_published_comparison_computes_each_definition_and_judges_it(tmp_path):
    survey = ("wave = 2023; question = duree_cdd", "survey_results", "max(denominator)")
    rows = build_from_definitions(tmp_path, [
        # an answer list: 1 an + 2 ans over the CDD respondents who answered (8 + 3 of 16 = 68.75 % -> 69)
        figure("survey_x", "69", "percent of CDD", "percent", "survey_results", "sum(n)",
               "wave = 2023; question = duree_cdd; answer in 1 an|2 ans", (survey[1], survey[2], survey[0])),
        # a percent that differs: 7 of 20 = 35 % against 36 published; the note gives the gap in points
        figure("survey_y", "36", "percent", "percent", "survey_results", "sum(n)",
               "wave = 2023; question = contrat; answer = CDI",
               ("survey_results", "max(denominator)", "wave = 2023; question = contrat")),
        # a registry count: reproduced, and flagged as coming from the reference data alone
        figure("ptsm_count", "2", "count", "value", "ptsm_overview", "count", computed_from="reference"),
        # a sum over a snapshot the mart does not hold: not computable, never 0
        figure("in_post", "89", "count", "value", "coordinator_vacancy_national", "sum(coordinators_in_post)",
               "snapshot_date = 2024-03-31"),
    ], {
        "marts.ptsm_overview": ("ptsm_id varchar, region_code varchar", [("PTSM-01", "84"), ("PTSM-02", "84")]),
        "marts.coordinator_vacancy_national": ("snapshot_date date, coordinators_in_post bigint",
                                               [("2022-12-31", 70)]),
        "marts.survey_results": (SURVEY, [
            (2023, "duree_cdd", "1 an", 8, 16, 0.5), (2023, "duree_cdd", "2 ans", 3, 16, 0.1875),
            (2023, "duree_cdd", "3 ans", 5, 16, 0.3125),
            (2023, "contrat", "CDI", 7, 20, 0.35), (2023, "contrat", "CDD", 13, 20, 0.65),
            # other waves are ignored: the definitions name the report's wave, even with a later one in the mart
            (2022, "contrat", "CDI", 20, 20, 1.0), (2025, "contrat", "CDI", 1, 20, 0.05),
        ]),
    })
    assert rows == [
        ("in_post", None, "not_computable", None, None, "aucune donnée dans les marts pour ce chiffre"),
        ("ptsm_count", "2", "reproduced", 2.0, None,
         "chiffre issu du seul référentiel (data/reference), pas des exports"),
        ("survey_x", "69", "reproduced", 11.0, 16.0, "11 / 16 = 68.8 %"),
        ("survey_y", "35", "differs", 7.0, 20.0, "7 / 20 = 35.0 % ; écart -1.0 points"),
    ]


def test_published_comparison_code_version_follows_its_judge(tmp_path):
    """Editing the judge shows published_comparison as "code changed" in Dagster, like editing its SQL would."""
    def version(sql_dir: Path) -> str:
        return next(m for m in load_models(sql_dir, "marts") if m.name == "published_comparison").code_version

    shutil.copytree(SQL_DIR, tmp_path / "sql")
    before = version(tmp_path / "sql")
    macro = tmp_path / "sql" / "macros" / "published_status.sql"
    macro.write_text(macro.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    assert version(tmp_path / "sql") != before
    overview = [m for m in load_models(tmp_path / "sql", "marts") if m.name == "ptsm_overview"]
    assert [m.code_version for m in overview] == [
        next(m for m in load_models(SQL_DIR, "marts") if m.name == "ptsm_overview").code_version]
