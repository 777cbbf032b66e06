"""The notebook fixture publication (tests/fixtures/notebooks/make_marts.py) is made by the code: its rows are written
as export files and refreshed by the real pipeline (issue 22 §5: it was rebuilt in pandas and had drifted). These
tests pin a few of its figures, worked out by hand from the rows of make_marts.py, so the notebook tests know what
they read; and the marts it leaves out on purpose."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("nb_make_marts_shape", ROOT / "tests" / "fixtures" / "notebooks" / "make_marts.py")
_make_marts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_make_marts)

pytestmark = pytest.mark.slow  # one in-process refresh of the fixture's exports


@pytest.fixture(scope="module")
def fixture_release(tmp_path_factory) -> Path:
    return Path(_make_marts.build(tmp_path_factory.mktemp("nb-fixture") / "marts"))


def _query(release: Path, sql: str) -> list[tuple]:
    return duckdb.sql(sql.replace("marts.", f"'{release}/").replace("@", ".parquet'")).fetchall()


def test_the_fixture_holds_every_mart_but_those_left_out(fixture_release):
    names = {p.stem for p in fixture_release.glob("*.parquet")}
    every = {p.stem for p in (ROOT / "sql" / "marts").glob("*.sql")}
    assert names == every - _make_marts.LEFT_OUT


def test_the_fixture_funding_is_the_sum_of_its_workbooks_lines(fixture_release):
    # PTSM-01: 20 000 FIR + 5 000 conseil départemental (action 1) + 10 000 DAF (action 2); PTSM-13: 15 000 FIR +
    # 15 000 CAF + 8 000 FIR; PTSM-59-LIL: 7 000 from the région; PTSM-55 sent no workbook: nothing known
    rows = _query(fixture_release, "select ptsm_id, total_eur, ars_eur, non_ars_eur, n_current_actions "
                                   "from marts.ptsm_cofunding@ where ptsm_id in "
                                   "('PTSM-01', 'PTSM-13', 'PTSM-55', 'PTSM-59-LIL') order by ptsm_id")
    assert rows == [("PTSM-01", 35000.0, 30000.0, 5000.0, 3), ("PTSM-13", 38000.0, 23000.0, 15000.0, 2),
                    ("PTSM-55", None, None, None, None), ("PTSM-59-LIL", 7000.0, 0.0, 7000.0, 1)]


def test_the_fixture_roster_stops_on_its_date_with_three_coordinators(fixture_release):
    # in post on 2023-12-31: a (PTSM-01, 1), c (PTSM-13, 0.8), d (PTSM-22, 1); e left PTSM-974 on 2023-08-31;
    # PTSM-55 and PTSM-59-LIL never had one: 3 of the registry's 6 vacant
    assert _query(fixture_release, "select max(snapshot_date)::varchar from marts.coordinator_vacancy_national@") == [
        ("2023-12-31",)]
    assert _query(fixture_release, "select n_ptsm, n_vacant, coordinators_in_post, round(fte_in_post, 6) "
                                   "from marts.coordinator_vacancy_national@ "
                                   "where snapshot_date = date '2023-12-31'") == [(6, 3, 3, 2.8)]


def test_the_fixture_survey_counts_its_nine_responses(fixture_release):
    # contrat: 6 CDI, 2 titulaires, 1 autre, no CDD; the salary band of 8 (one response gave no salary)
    assert _query(fixture_release, "select answer, n, denominator from marts.survey_results@ "
                                   "where wave = 2025 and question = 'contrat' order by answer") == [
        ("Autre", 1, 9), ("CDD", 0, 9), ("CDI", 6, 9), ("Titulaire de la fonction publique", 2, 9)]
    assert _query(fixture_release, "select sum(n), max(denominator) from marts.survey_results@ "
                                   "where wave = 2025 and question = 'salaire_etp_tranche'") == [(8, 8)]
