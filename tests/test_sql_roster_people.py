"""SQL unit tier: staging.roster_people_in_post, the one home of "a person counts once" in the coordinator marts
(coordinator_vacancy_monthly counts its rows per PTSM, coordinator_employer_monthly per PTSM and porteur). Worked by
hand on a roster of 31 March 2021: month ends 31 January, 28 February, 31 March."""

from __future__ import annotations

import duckdb

from tests.sql_unit import build_model

POSTS = ("ptsm_id varchar, coordonnateur_id varchar, etp double, date_debut date, date_fin date, porteur varchar, "
         "roster_date date")
ROSTER_DATE = "2021-03-31"
ROSTER = [
    # c1 on two overlapping rows of PTSM-01 from 1 February: the row that started last wins (FTE 0.6, ARS)
    ("PTSM-01", "c1", 1.0, "2020-01-01", None, "Établissement sanitaire"),
    ("PTSM-01", "c1", 0.6, "2021-02-01", None, "ARS"),
    # c2's row sent twice with the same start: one person, the larger FTE
    ("PTSM-02", "c2", 0.5, "2021-01-01", None, "DAC"),
    ("PTSM-02", "c2", 0.8, "2021-01-01", None, "DAC"),
    # c3 holds posts in two PTSMs: a person once per PTSM, so in both
    ("PTSM-01", "c3", 0.3, "2021-03-01", "2021-03-31", "Association"),
    ("PTSM-02", "c3", 0.2, "2021-03-01", None, "Association"),
    # c4 left on 27 February: not in post on 28 February
    ("PTSM-02", "c4", 1.0, "2020-06-01", "2021-02-27", "DAC"),
]


def people() -> list[tuple]:
    con = duckdb.connect()
    build_model("staging/roster_month_ends", {
        "staging.roster_posts": (POSTS, [(*row, ROSTER_DATE) for row in ROSTER]),
    }, con=con)
    return [(pid, str(day), person, fte, porteur)
            for pid, day, person, fte, porteur in build_model("staging/roster_people_in_post", {}, con=con)]


def test_a_person_on_overlapping_rows_counts_once_under_the_row_that_started_last():
    assert people() == [
        ("PTSM-01", "2021-01-31", "c1", 1.0, "Établissement sanitaire"),
        ("PTSM-01", "2021-02-28", "c1", 0.6, "ARS"),
        ("PTSM-01", "2021-03-31", "c1", 0.6, "ARS"),
        ("PTSM-01", "2021-03-31", "c3", 0.3, "Association"),
        ("PTSM-02", "2021-01-31", "c2", 0.8, "DAC"),
        ("PTSM-02", "2021-01-31", "c4", 1.0, "DAC"),
        ("PTSM-02", "2021-02-28", "c2", 0.8, "DAC"),
        ("PTSM-02", "2021-03-31", "c2", 0.8, "DAC"),
        ("PTSM-02", "2021-03-31", "c3", 0.2, "Association"),
    ]


def test_the_month_grid_stops_at_the_roster_date():
    con = duckdb.connect()
    got = build_model("staging/roster_month_ends", {
        "staging.roster_posts": (POSTS, [(*ROSTER[0][:6], "2021-03-30")]),
    }, con=con)
    assert [str(day) for (day,) in got] == ["2021-01-31", "2021-02-28"]
