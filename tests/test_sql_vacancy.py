"""SQL unit tier: coordinator_vacancy_monthly on the date edges of docs/contract.md §4 ("in post at d: date_debut ≤ d and
(date_fin empty or d ≤ date_fin)"; month ends from 2021-01-31 to the roster date)."""

from __future__ import annotations

import duckdb
import pytest

from tests.sql_unit import build_model

REGISTRY = ("ptsm_id varchar, region_code varchar", [("PTSM-01", "84"), ("PTSM-02", "32")])
POSTS = ("ptsm_id varchar, coordonnateur_id varchar, etp double, date_debut date, date_fin date, roster_date date")


MILESTONES = "ptsm_id varchar, date_arrete_ptsm date"


def monthly(posts: list[tuple], roster_date: str, approvals: list[tuple] = ()) -> list[tuple]:
    # the mart reads its month grid and its people in post from two staging models, built here by the real SQL
    con = duckdb.connect()
    build_model("staging/roster_month_ends", {
        "staging.roster_posts": (POSTS + ", porteur varchar", [(*post, roster_date, None) for post in posts]),
    }, con=con)
    build_model("staging/roster_people_in_post", {}, con=con)
    return build_model("marts/coordinator_vacancy_monthly", {
        "ref_ptsm_registry": REGISTRY,
        "staging.milestones": (MILESTONES, list(approvals)),
    }, con=con)


def vacancy(posts: list[tuple], roster_date: str) -> dict[tuple[str, str], tuple[int, float, bool]]:
    return {(ptsm, str(day)): (n, fte, vacant) for ptsm, _, day, n, fte, vacant, _ in monthly(posts, roster_date)}


def test_a_roster_date_that_is_not_a_month_end_stops_at_the_previous_month_end():
    # roster of 15 March: March is not over, so the last observed month end is 28 February (2021 is not a leap year)
    got = vacancy([("PTSM-01", "c1", 1.0, "2020-01-01", None)], "2021-03-15")
    assert sorted({day for _, day in got}) == ["2021-01-31", "2021-02-28"]


def test_a_roster_dated_on_a_month_end_includes_that_month_end():
    got = vacancy([("PTSM-01", "c1", 1.0, "2020-01-01", None)], "2021-03-31")
    assert sorted({day for _, day in got}) == ["2021-01-31", "2021-02-28", "2021-03-31"]


@pytest.mark.parametrize("post, at, expected", [
    # date_fin is inclusive: a post ending on the month end is in post that day...
    (("PTSM-01", "c1", 0.5, "2020-01-01", "2021-02-28"), "2021-02-28", (1, 0.5, False)),
    # ...and gone at the next month end
    (("PTSM-01", "c1", 0.5, "2020-01-01", "2021-02-28"), "2021-03-31", (0, 0.0, True)),
    # a post ending the day before a month end does not cover it
    (("PTSM-01", "c1", 0.5, "2020-01-01", "2021-02-27"), "2021-02-28", (0, 0.0, True)),
    # date_debut is inclusive too: starting on the month end counts for that month
    (("PTSM-01", "c1", 0.8, "2021-01-31", None), "2021-01-31", (1, 0.8, False)),
    # starting the day after a month end does not
    (("PTSM-01", "c1", 0.8, "2021-02-01", None), "2021-01-31", (0, 0.0, True)),
])
def test_in_post_date_edges(post, at, expected):
    assert vacancy([post], "2021-03-31")[("PTSM-01", at)] == expected


def test_people_are_counted_once_and_their_fte_summed_and_an_absent_ptsm_is_vacant():
    got = vacancy([("PTSM-01", "c1", 0.5, "2020-01-01", None), ("PTSM-01", "c2", 0.3, "2020-06-01", None)],
                  "2021-01-31")
    assert got == {("PTSM-01", "2021-01-31"): (2, 0.8, False), ("PTSM-02", "2021-01-31"): (0, 0.0, True)}


def test_one_person_on_two_overlapping_rows_counts_once_with_the_fte_of_the_row_that_started_last():
    # c1 at 0.8 from 2020, then a new row at 0.5 from 2021-02-01 whose start overlaps the first row's end (2021-03-15):
    # Feb 28 and (beyond the first row's end) Mar 31 see one person at 0.5, never 1.3 FTE for one person
    got = vacancy([("PTSM-01", "c1", 0.8, "2020-01-01", "2021-03-15"), ("PTSM-01", "c1", 0.5, "2021-02-01", None),
                   # the same row sent twice counts once
                   ("PTSM-02", "c9", 0.8, "2020-01-01", None), ("PTSM-02", "c9", 0.8, "2020-01-01", None)],
                  "2021-03-31")
    assert got[("PTSM-01", "2021-01-31")] == (1, 0.8, False)
    assert got[("PTSM-01", "2021-02-28")] == (1, 0.5, False)
    assert got[("PTSM-01", "2021-03-31")] == (1, 0.5, False)
    assert got[("PTSM-02", "2021-02-28")] == (1, 0.8, False)


def test_a_ptsm_counts_from_its_approval_decree():
    """PTSM-02 is approved on 15 February 2021: at 31 January its empty post is not a vacancy (approved false), from
    28 February it is. PTSM-01 has no known approval date (absent from the milestone file): counted throughout."""
    rows = monthly([("PTSM-01", "c1", 1.0, "2020-01-01", None)], "2021-03-31",
                   approvals=[("PTSM-02", "2021-02-15")])
    assert {(p, str(d)): (vacant, approved) for p, _, d, _, _, vacant, approved in rows} == {
        ("PTSM-01", "2021-01-31"): (False, True), ("PTSM-01", "2021-02-28"): (False, True),
        ("PTSM-01", "2021-03-31"): (False, True),
        ("PTSM-02", "2021-01-31"): (True, False), ("PTSM-02", "2021-02-28"): (True, True),
        ("PTSM-02", "2021-03-31"): (True, True)}
    national = build_model("marts/coordinator_vacancy_national", {
        "ref_ptsm_registry": REGISTRY,
        "marts.coordinator_vacancy_monthly": (
            "ptsm_id varchar, region_code varchar, snapshot_date date, coordinators_in_post bigint, "
            "fte_in_post double, vacant boolean, approved boolean", rows)})
    # January: 1 approved PTSM, none vacant (0 %, not 1 of 2 = 50 %); February on: 1 vacant of 2 approved = 50 %
    assert [(str(d), n, v, rate) for d, n, v, rate, *_ in national] == [
        ("2021-01-31", 1, 0, 0.0), ("2021-02-28", 2, 1, 0.5), ("2021-03-31", 2, 1, 0.5)]


def test_no_ptsm_approved_yet_gives_no_rate_rather_than_zero():
    # a coordinator hired to draft PTSM-01's plan before its approval: in post, counted as a person, no vacancy anywhere
    rows = monthly([("PTSM-01", "c1", 1.0, "2020-01-01", None)], "2021-01-31",
                   approvals=[("PTSM-01", "2022-01-01"), ("PTSM-02", "2022-01-01")])
    national = build_model("marts/coordinator_vacancy_national", {
        "ref_ptsm_registry": REGISTRY,
        "marts.coordinator_vacancy_monthly": (
            "ptsm_id varchar, region_code varchar, snapshot_date date, coordinators_in_post bigint, "
            "fte_in_post double, vacant boolean, approved boolean", rows)})
    assert [(str(d), n, v, rate, people) for d, n, v, rate, people, _ in national] == [("2021-01-31", 0, 0, None, 1)]
