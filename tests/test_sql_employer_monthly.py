"""SQL unit tier: coordinator_employer_monthly, each PTSM's employer (porteur) at each month end (issue 24: the
review's post history shows the employer, never a name). Worked by hand on a roster where a post changes employer,
one person has two overlapping rows, a PTSM is vacant and one porteur is not given."""

from __future__ import annotations

import duckdb

from tests.sql_unit import build_model

REGISTRY = ("ptsm_id varchar, region_code varchar", [("PTSM-01", "84"), ("PTSM-02", "32"), ("PTSM-03", "32")])
POSTS = "ptsm_id varchar, coordonnateur_id varchar, etp double, date_debut date, date_fin date, porteur varchar, roster_date date"
ROSTER_DATE = "2021-04-30"
ROSTER = [
    # PTSM-01: c1's post moves from a hospital to an association on 16 February 2021 (new row, FTE 1 -> 0.8);
    # c2 joins for March only, employed by a DAC
    ("PTSM-01", "c1", 1.0, "2020-01-01", "2021-02-15", "Établissement sanitaire"),
    ("PTSM-01", "c1", 0.8, "2021-02-16", None, "Association"),
    ("PTSM-01", "c2", 0.5, "2021-03-01", "2021-03-31", "DAC"),
    # PTSM-02: c3's hospital row stays open when the ARS row starts (15 March): one person, under the newer row
    ("PTSM-02", "c3", 0.5, "2021-01-01", None, "Établissement sanitaire"),
    ("PTSM-02", "c3", 0.6, "2021-03-15", None, "ARS"),
    # PTSM-03: vacant until c4 arrives in April, porteur not given
    ("PTSM-03", "c4", 1.0, "2021-04-01", None, None),
]


def _build(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    build_model("staging/roster_month_ends", {
        "staging.roster_posts": (POSTS, [(*row, ROSTER_DATE) for row in ROSTER]),
    }, con=con)
    build_model("staging/roster_people_in_post", {}, con=con)
    build_model("marts/coordinator_vacancy_monthly", {
        "ref_ptsm_registry": REGISTRY,
        "staging.milestones": ("ptsm_id varchar, date_arrete_ptsm date", []),
    }, con=con)
    return build_model("marts/coordinator_employer_monthly", {}, con=con)


def test_each_month_end_names_the_employer_of_the_people_in_post():
    con = duckdb.connect()
    got = [(pid, region, str(day), porteur, n, fte) for pid, region, day, porteur, n, fte in _build(con)]
    assert got == [
        ("PTSM-01", "84", "2021-01-31", "Établissement sanitaire", 1, 1.0),
        ("PTSM-01", "84", "2021-02-28", "Association", 1, 0.8),  # the employer changed on 16 February
        ("PTSM-01", "84", "2021-03-31", "Association", 1, 0.8),
        ("PTSM-01", "84", "2021-03-31", "DAC", 1, 0.5),  # two people, two employers, the same month end
        ("PTSM-01", "84", "2021-04-30", "Association", 1, 0.8),
        ("PTSM-02", "32", "2021-01-31", "Établissement sanitaire", 1, 0.5),
        ("PTSM-02", "32", "2021-02-28", "Établissement sanitaire", 1, 0.5),
        ("PTSM-02", "32", "2021-03-31", "ARS", 1, 0.6),  # one person on two open rows: the newer row only
        ("PTSM-02", "32", "2021-04-30", "ARS", 1, 0.6),
        ("PTSM-03", "32", "2021-04-30", None, 1, 1.0),  # not given: kept, empty; vacant months have no row
    ]


def test_people_and_fte_per_employer_add_up_to_the_vacancy_mart():
    # both marts count the people of staging.roster_people_in_post: this keeps them equal (and a vacant month has no employer row)
    con = duckdb.connect()
    _build(con)
    rows = con.execute("""
        select m.ptsm_id, m.snapshot_date, m.vacant, m.coordinators_in_post, m.fte_in_post,
               coalesce(sum(e.coordinators_in_post), 0), coalesce(round(sum(e.fte_in_post), 4), 0), count(e.ptsm_id)
        from marts.coordinator_vacancy_monthly as m
        left join marts.coordinator_employer_monthly as e using (ptsm_id, snapshot_date)
        group by all""").fetchall()
    assert len(rows) == 3 * 4
    for pid, day, vacant, people, fte, people_e, fte_e, n_rows in rows:
        assert (people_e, fte_e) == (people, fte), (pid, day)
        assert (n_rows == 0) == vacant, (pid, day)
