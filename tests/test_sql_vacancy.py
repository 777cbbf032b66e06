"""SQL unit tier: coordinator_vacancy_monthly on the date edges of docs/contract.md §4 ("in post at d: date_debut ≤ d and
(date_fin empty or d ≤ date_fin)"; month ends from 2021-01-31 to the roster date)."""

from __future__ import annotations

import pytest

from tests.sql_unit import build_model

REGISTRY = ("ptsm_id varchar, region_code varchar", [("PTSM-01", "84"), ("PTSM-02", "32")])
POSTS = ("ptsm_id varchar, coordonnateur_id varchar, etp double, date_debut date, date_fin date, roster_date date")


def vacancy(posts: list[tuple], roster_date: str) -> dict[tuple[str, str], tuple[int, float, bool]]:
    rows = build_model("marts/coordinator_vacancy_monthly", {
        "ref_ptsm_registry": REGISTRY,
        "staging.roster_posts": (POSTS, [(*post, roster_date) for post in posts]),
    })
    return {(ptsm, str(day)): (n, fte, vacant) for ptsm, _, day, n, fte, vacant in rows}


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
