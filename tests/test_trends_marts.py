"""The time marts (docs/contract.md §4 "Time marts"), each SQL file run on an in-memory DuckDB seeded with a few hand-made rows.

Every expected value is worked out by hand in the comments from the fixture rows below, never from the SQL."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from sql_unit import build_model, seed

D = dt.date


def _build(con: duckdb.DuckDBPyConnection, layer: str, *names: str) -> None:
    """Build models in order on one connection (the SQL unit tier's loader, upstream tables already seeded)."""
    for name in names:
        build_model(f"{layer}/{name}", {}, con=con)


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# --- action plans: ptsm_plan_history, priority_coverage_monthly, action_progress ------------------------------

# PTSM-A has three workbook dates; the middle one (2022-03-10) comes as two files with the same date, so both are
# quarantined (docs/contract.md §2.3) and the PTSM's readable plans are 2022-01-15, 2022-04-20 and 2022-06-30.
# PTSM-B has one readable workbook dated 2022-02-10 (after the 2022-01-31 month end) and a header-only workbook
# (no row, so no ptsm_id) that must not count. PTSM-C never sent a workbook.
WORKBOOKS = [
    ("a1_2022-01-15.xlsx", D(2022, 1, 15), "PTSM-A"),
    ("a2_2022-03-10.xlsx", D(2022, 3, 10), "PTSM-A"),
    ("a2bis_2022-03-10.xlsx", D(2022, 3, 10), "PTSM-A"),
    ("a3_2022-04-20.xlsx", D(2022, 4, 20), "PTSM-A"),
    ("a4_2022-06-30.xlsx", D(2022, 6, 30), "PTSM-A"),
    ("b1_2022-02-10.xlsx", D(2022, 2, 10), "PTSM-B"),
    ("b_vide_2022-05-01.xlsx", D(2022, 5, 1), None),
]
# (file, num_action, statut, priorities). Action 1 of PTSM-A goes Non démarrée -> En cours -> Réalisée.
ACTIONS = [
    ("a1_2022-01-15.xlsx", "1", "Non démarrée", [1, 2]),
    ("a1_2022-01-15.xlsx", "2", "En cours", [3]),
    ("a1_2022-01-15.xlsx", "3", "Réalisée", [1]),
    ("a1_2022-01-15.xlsx", "4", "Non démarrée", [4]),
    # the quarantined pair: if either counted, PTSM-A would lose priorities 3 and 4 in March
    ("a2_2022-03-10.xlsx", "1", "Réalisée", [1, 2]),
    ("a2bis_2022-03-10.xlsx", "1", "Réalisée", [1, 2]),
    ("a3_2022-04-20.xlsx", "1", "En cours", [1, 2]),
    ("a3_2022-04-20.xlsx", "2", "Réalisée", [3]),
    ("a3_2022-04-20.xlsx", "4", "Abandonnée", [4]),
    ("a3_2022-04-20.xlsx", "5", "Non démarrée", [6]),
    ("a4_2022-06-30.xlsx", "1", "Réalisée", [1, 2]),
    ("a4_2022-06-30.xlsx", "2", "Réalisée", [3]),
    ("a4_2022-06-30.xlsx", "4", "Abandonnée", [4]),
    ("a4_2022-06-30.xlsx", "5", "Reportée", [6]),
    ("b1_2022-02-10.xlsx", "1", "En cours", [1, 5]),
    ("b1_2022-02-10.xlsx", "2", "Abandonnée", [2]),
]


@pytest.fixture()
def plans() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema staging; create schema marts")
    seed(con, "ref_ptsm_registry", "ptsm_id varchar, region_code varchar",
         [("PTSM-A", "93"), ("PTSM-B", "11"), ("PTSM-C", "84")])
    seed(con, "ref_vocabularies", "kind varchar, code varchar", [("priorite", str(p)) for p in range(1, 7)])
    seed(con, "staging.action_workbooks", "source_file varchar, file_date date, ptsm_id varchar", WORKBOOKS)
    ptsm_of = {f: p for f, _, p in WORKBOOKS}
    seed(con, "staging.action_rows",
         "source_file varchar, ptsm_id varchar, num_action varchar, intitule varchar, statut varchar, "
         "priorisee_ctsm boolean, annee_debut integer, annee_fin integer, priorities integer[], publics varchar[], "
         "thematiques varchar[], secteurs varchar[]",
         [(f, ptsm_of[f], num, "action", statut, False, 2022, 2024, prios, ["enfants"], [], ["sanitaire"])
          for f, num, statut, prios in ACTIONS])
    _build(con, "staging", "workbook_selection", "current_workbooks", "workbook_actions", "current_actions")
    _build(con, "marts", "ptsm_priority_coverage", "ptsm_plan_history", "priority_coverage_monthly", "action_progress")
    yield con
    con.close()


def test_plan_history_has_one_row_per_readable_workbook_and_priority(plans):
    rows = _rows(plans, "select ptsm_id, region_code, plan_date, priority, n_actions, n_actions_implemented, covered "
                        "from marts.ptsm_plan_history order by all")
    expected = [
        # a1: actions 1 [1,2] Non démarrée, 2 [3] En cours, 3 [1] Réalisée, 4 [4] Non démarrée
        ("PTSM-A", "93", D(2022, 1, 15), 1, 2, 1, True),
        ("PTSM-A", "93", D(2022, 1, 15), 2, 1, 0, True),
        ("PTSM-A", "93", D(2022, 1, 15), 3, 1, 1, True),
        ("PTSM-A", "93", D(2022, 1, 15), 4, 1, 0, True),
        ("PTSM-A", "93", D(2022, 1, 15), 5, 0, 0, False),
        ("PTSM-A", "93", D(2022, 1, 15), 6, 0, 0, False),
        # a3: 1 [1,2] En cours, 2 [3] Réalisée, 4 [4] abandoned (not counted), 5 [6] Non démarrée
        ("PTSM-A", "93", D(2022, 4, 20), 1, 1, 1, True),
        ("PTSM-A", "93", D(2022, 4, 20), 2, 1, 1, True),
        ("PTSM-A", "93", D(2022, 4, 20), 3, 1, 1, True),
        ("PTSM-A", "93", D(2022, 4, 20), 4, 0, 0, False),
        ("PTSM-A", "93", D(2022, 4, 20), 5, 0, 0, False),
        ("PTSM-A", "93", D(2022, 4, 20), 6, 1, 0, True),
        # a4: 1 and 2 Réalisée, 4 abandoned, 5 [6] Reportée (not implemented)
        ("PTSM-A", "93", D(2022, 6, 30), 1, 1, 1, True),
        ("PTSM-A", "93", D(2022, 6, 30), 2, 1, 1, True),
        ("PTSM-A", "93", D(2022, 6, 30), 3, 1, 1, True),
        ("PTSM-A", "93", D(2022, 6, 30), 4, 0, 0, False),
        ("PTSM-A", "93", D(2022, 6, 30), 5, 0, 0, False),
        ("PTSM-A", "93", D(2022, 6, 30), 6, 1, 0, True),
        # b1: 1 [1,5] En cours, 2 [2] abandoned
        ("PTSM-B", "11", D(2022, 2, 10), 1, 1, 1, True),
        ("PTSM-B", "11", D(2022, 2, 10), 2, 0, 0, False),
        ("PTSM-B", "11", D(2022, 2, 10), 3, 0, 0, False),
        ("PTSM-B", "11", D(2022, 2, 10), 4, 0, 0, False),
        ("PTSM-B", "11", D(2022, 2, 10), 5, 1, 1, True),
        ("PTSM-B", "11", D(2022, 2, 10), 6, 0, 0, False),
    ]
    assert rows == expected


def test_latest_plan_of_the_history_is_the_current_coverage(plans):
    # the same rule applied to each dated workbook: at its latest date the history equals ptsm_priority_coverage
    # (PTSM-C, without workbook, is only in the latter, with unknown counts)
    diff = _rows(plans, """
        select ptsm_id, priority, n_actions, n_actions_implemented, covered from marts.ptsm_priority_coverage
        where n_actions is not null
        except
        select ptsm_id, priority, n_actions, n_actions_implemented, covered from marts.ptsm_plan_history
        where (ptsm_id, plan_date) in (select ptsm_id, max(plan_date) from marts.ptsm_plan_history group by ptsm_id)
    """)
    assert diff == []
    assert _rows(plans, "select count(*) from marts.ptsm_priority_coverage where n_actions is not null") == [(12,)]


def test_monthly_coverage_counts_each_ptsm_with_its_latest_plan_at_the_month_end(plans):
    rows = _rows(plans, "select snapshot_date, priority, n_ptsm_with_plan, n_ptsm_covered, share_covered "
                        "from marts.priority_coverage_monthly order by all")
    # (n_with_plan, covered for priorities 1..6) per month end, by hand:
    by_month = {
        # only PTSM-A (a1): PTSM-B's first workbook is dated 2022-02-10, after this month end
        D(2022, 1, 31): (1, [1, 1, 1, 1, 0, 0]),
        # A (a1) and B (b1: priorities 1 and 5)
        D(2022, 2, 28): (2, [2, 1, 1, 1, 1, 0]),
        # unchanged: A's 2022-03-10 workbooks are quarantined (with them, A would lose priorities 3 and 4)
        D(2022, 3, 31): (2, [2, 1, 1, 1, 1, 0]),
        # A (a3: 1, 2, 3, 6) and B
        D(2022, 4, 30): (2, [2, 1, 1, 0, 1, 1]),
        # B's header-only workbook of 2022-05-01 does not replace b1
        D(2022, 5, 31): (2, [2, 1, 1, 0, 1, 1]),
        # A (a4: still 1, 2, 3, 6) and B
        D(2022, 6, 30): (2, [2, 1, 1, 0, 1, 1]),
    }
    expected = [
        (month, priority, n, covered[priority - 1], covered[priority - 1] / n)
        for month, (n, covered) in by_month.items() for priority in range(1, 7)
    ]
    assert rows == expected


def test_action_progress_between_consecutive_readable_workbooks(plans):
    rows = _rows(plans, "select * from marts.action_progress order by all")
    assert rows == [
        # a1 -> a3: actions {1,2,3,4} -> {1,2,4,5}: 5 is new, 3 dropped; 1 started (Non démarrée -> En cours),
        # 2 completed (En cours -> Réalisée), 4 abandoned (Non démarrée -> Abandonnée)
        ("PTSM-A", "93", D(2022, 1, 15), D(2022, 4, 20), 4, 4, 1, 1, 1, 1, 1),
        # a3 -> a4: same four actions; 1 completed (En cours -> Réalisée, already started); 5 Non démarrée -> Reportée
        # is not a start; 4 stays abandoned (not abandoned again)
        ("PTSM-A", "93", D(2022, 4, 20), D(2022, 6, 30), 4, 4, 0, 0, 0, 1, 0),
        # PTSM-B has a single readable workbook: no pair
    ]


# --- milestones: ptsm_milestones_monthly --------------------------------------------------------------------------

def test_milestones_at_each_month_end_since_the_first_approval():
    con = duckdb.connect()
    con.execute("create schema staging; create schema marts")
    con.execute("create table ref_ptsm_registry (ptsm_id varchar, region_code varchar)")
    con.executemany("insert into ref_ptsm_registry values (?, ?)",
                    [("PTSM-A", "93"), ("PTSM-B", "11"), ("PTSM-C", "84"), ("PTSM-D", "84")])
    con.execute("create table staging.milestones (ptsm_id varchar, date_arrete_ptsm date, "
                "date_signature_ctsm date, file_date date)")
    con.executemany("insert into staging.milestones values (?, ?, ?, ?)", [
        ("PTSM-A", D(2019, 3, 15), D(2020, 1, 31), D(2020, 2, 15)),  # signed on a month end: counted that day
        ("PTSM-B", D(2019, 5, 31), None, D(2020, 2, 15)),
        ("PTSM-C", D(2020, 2, 1), None, D(2020, 2, 15)),
        ("PTSM-D", None, None, D(2020, 2, 15)),  # not approved: in the denominator only
    ])
    _build(con, "marts", "ptsm_milestones_monthly")
    rows = _rows(con, "select snapshot_date, n_ptsm, n_ptsm_approved, n_ctsm_signed, share_approved, "
                      "share_ctsm_signed from marts.ptsm_milestones_monthly order by snapshot_date")
    # month ends from March 2019 (first approval) to February 2020 (month of the milestone file): 12 rows
    assert len(rows) == 12
    assert rows[0] == (D(2019, 3, 31), 4, 1, 0, 0.25, 0.0)
    assert rows[1] == (D(2019, 4, 30), 4, 1, 0, 0.25, 0.0)
    assert rows[2] == (D(2019, 5, 31), 4, 2, 0, 0.5, 0.0)
    assert rows[9] == (D(2019, 12, 31), 4, 2, 0, 0.5, 0.0)
    assert rows[10] == (D(2020, 1, 31), 4, 2, 1, 0.5, 0.25)
    assert rows[11] == (D(2020, 2, 29), 4, 3, 1, 0.75, 0.25)
    con.close()


def test_milestones_mart_is_empty_without_any_approval():
    con = duckdb.connect()
    con.execute("create schema staging; create schema marts")
    con.execute("create table ref_ptsm_registry as select 'PTSM-A' as ptsm_id, '93' as region_code")
    con.execute("create table staging.milestones as select 'PTSM-A' as ptsm_id, null::date as date_arrete_ptsm, "
                "null::date as date_signature_ctsm, date '2020-02-15' as file_date")
    _build(con, "marts", "ptsm_milestones_monthly")
    assert _rows(con, "select count(*) from marts.ptsm_milestones_monthly") == [(0,)]
    con.close()


# --- survey: survey_wave_comparison -------------------------------------------------------------------------------

SURVEY_RESULTS = [
    # Newcombe (1998), Stat Med 17:873, worked example: 56/70 vs 48/80, difference 0.2, hybrid score interval
    # 0.0524 to 0.3339. Here the 2025 wave is the first proportion, so the difference is -0.2 and the interval
    # is the mirror image, -33.39 to -5.24 points.
    (2023, "contrat", "CDI", 56, 70),
    (2023, "contrat", "CDD", 14, 70),
    (2025, "contrat", "CDI", 48, 80),
    (2025, "contrat", "CDD", 32, 80),
    # the part-time rates given differ between waves: 50 only in 2023, 60 only in 2025
    (2023, "quotite", "50", 2, 3),
    (2023, "quotite", "80", 1, 3),
    (2025, "quotite", "60", 1, 2),
    (2025, "quotite", "80", 1, 2),
    # nobody on a CDD answered the length in 2025: no share, no interval
    (2023, "duree_cdd", "1 an", 3, 5),
    (2025, "duree_cdd", "1 an", 0, 0),
]


@pytest.fixture()
def waves() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.survey_results (wave integer, question varchar, answer varchar, n bigint, "
                "denominator bigint, share double)")
    con.executemany("insert into marts.survey_results values (?, ?, ?, ?, ?, case when ? > 0 then ? / ? end)",
                    [(w, q, a, n, d, d, n, d) for w, q, a, n, d in SURVEY_RESULTS])
    _build(con, "marts", "survey_wave_comparison")
    yield con
    con.close()


def _comparison(con, question: str, answer: str) -> dict:
    cursor = con.execute("select * from marts.survey_wave_comparison where question = ? and answer = ?",
                         [question, answer])
    names = [c[0] for c in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0]))


def test_newcombe_interval_matches_the_published_worked_example(waves):
    row = _comparison(waves, "contrat", "CDI")
    assert (row["wave"], row["previous_wave"]) == (2025, 2023)
    assert (row["n"], row["denominator"], row["previous_n"], row["previous_denominator"]) == (48, 80, 56, 70)
    assert row["share"] == pytest.approx(0.6) and row["previous_share"] == pytest.approx(0.8)
    assert row["difference_points"] == pytest.approx(-20.0)
    assert row["ci_low_points"] == pytest.approx(-33.39, abs=0.005)
    assert row["ci_high_points"] == pytest.approx(-5.24, abs=0.005)
    assert row["significant"] is True


def test_answer_present_in_one_wave_only_appears_with_zero_in_the_other(waves):
    only_2023 = _comparison(waves, "quotite", "50")
    assert (only_2023["n"], only_2023["denominator"], only_2023["previous_n"], only_2023["previous_denominator"]) \
        == (0, 2, 2, 3)
    only_2025 = _comparison(waves, "quotite", "60")
    assert (only_2025["n"], only_2025["denominator"], only_2025["previous_n"], only_2025["previous_denominator"]) \
        == (1, 2, 0, 3)
    # by hand, z = 1.959964 (z² = 3.841459):
    # Wilson 1/2: centre (1 + 1.920730) / 5.841459 = 0.5, half-width 1.959964 * sqrt(0.5 + 0.960365) / 5.841459
    #   = 0.405468, so [0.094532, 0.905468]; Wilson 0/3: [0, 3.841459 / 6.841459] = [0, 0.561492]
    # low = 0.5 - sqrt(0.405468² + 0.561492²) = 0.5 - 0.692592 = -0.192592; high = 0.5 + sqrt(0.405468² + 0²) = 0.905468
    assert only_2025["difference_points"] == pytest.approx(50.0)
    assert only_2025["ci_low_points"] == pytest.approx(-19.26, abs=0.005)
    assert only_2025["ci_high_points"] == pytest.approx(90.55, abs=0.005)
    assert only_2025["significant"] is False
    assert _rows(waves, "select count(*) from marts.survey_wave_comparison") == [(6,)]


def test_no_interval_when_a_wave_has_no_answer_to_the_question(waves):
    row = _comparison(waves, "duree_cdd", "1 an")
    assert (row["n"], row["denominator"], row["previous_n"], row["previous_denominator"]) == (0, 0, 3, 5)
    assert row["share"] is None and row["difference_points"] is None
    assert row["ci_low_points"] is None and row["significant"] is None
    assert row["previous_share"] == pytest.approx(0.6)


def test_a_single_wave_gives_an_empty_comparison(waves):
    waves.execute("delete from marts.survey_results where wave = 2025")
    _build(waves, "marts", "survey_wave_comparison")
    assert _rows(waves, "select count(*) from marts.survey_wave_comparison") == [(0,)]


def test_three_waves_compare_each_with_the_one_before(waves):
    waves.execute("insert into marts.survey_results values (2027, 'contrat', 'CDI', 40, 50, 0.8)")
    _build(waves, "marts", "survey_wave_comparison")
    pairs = _rows(waves, "select distinct wave, previous_wave from marts.survey_wave_comparison order by all")
    assert pairs == [(2025, 2023), (2027, 2025)]
    # 2027 against 2025 only: CDI 40/50 vs 48/80; CDD absent from 2027 (n = 0 of 50) vs 32/80
    row = _rows(waves, "select n, denominator, previous_n, previous_denominator from marts.survey_wave_comparison "
                       "where wave = 2027 and answer = 'CDD'")
    assert row == [(0, 50, 32, 80)]


def test_holm_correction_across_the_answers_of_a_pair_of_waves():
    """Three answers compared between 2023 and 2025. Score-test p-values worked out by hand (z, then 2(1 − Φ(|z|))):
    a 56/70 → 48/80: z = −2.6502, p = 0.008045; c 10/50 → 20/50: z = 2.1822, p = 0.029096;
    b 0/3 → 1/2: z = 1.3693, p = 0.170904. Holm, m = 3: 3 × 0.008045 = 0.024135; 2 × 0.029096 = 0.058193;
    1 × 0.170904. Only a survives at 5 %: c is significant on its own (its interval excludes 0), not once corrected."""
    rows = build_model("marts/survey_wave_comparison", {"marts.survey_results": (
        "wave integer, question varchar, answer varchar, n bigint, denominator bigint", [
            (2023, "a", "oui", 56, 70), (2025, "a", "oui", 48, 80),
            (2023, "b", "oui", 0, 3), (2025, "b", "oui", 1, 2),
            (2023, "c", "oui", 10, 50), (2025, "c", "oui", 20, 50),
        ])}, order_by="question")
    got = {r[2]: (r[13], round(r[14], 5), round(r[15], 5), r[16]) for r in rows}
    assert got == {"a": (True, 0.00805, 0.02414, True),
                   "b": (False, 0.1709, 0.1709, False),
                   "c": (True, 0.0291, 0.05819, False)}


def test_holm_leaves_an_incomputable_difference_empty():
    rows = build_model("marts/survey_wave_comparison", {"marts.survey_results": (
        "wave integer, question varchar, answer varchar, n bigint, denominator bigint", [
            (2023, "a", "oui", 3, 5), (2025, "b", "oui", 1, 2),
        ])}, order_by="question")
    assert [(r[2], r[14], r[15], r[16]) for r in rows] == [("a", None, None, None), ("b", None, None, None)]
