"""SQL unit tier: coordinator_posts_national counts people in post, the unit of coordinator_vacancy_monthly and
ptsm_overview (count(distinct coordonnateur_id)): one person with two simultaneous roster rows is one person, so the
national denominators agree with the per-PTSM ones (issue 19 §6)."""

from __future__ import annotations

from tests.sql_unit import build_model

POSTS = ("ptsm_id varchar, coordonnateur_id varchar, porteur varchar, type_contrat varchar, etp double, "
         "cofinancement_eur double, financement_ars_eur double, date_debut date, date_fin date, roster_date date")


def posts_national(rows: list[tuple]) -> dict[tuple[str, str], tuple[int, int]]:
    got = build_model("marts/coordinator_posts_national", {"staging.roster_posts": (POSTS, rows)})
    return {(dimension, value): (n, denominator) for _, dimension, value, n, denominator, _ in got}


def test_one_person_with_two_simultaneous_rows_is_one_person_in_post():
    # c1 coordinates two PTSM at once (two roster rows), c2 one: two people in post, not three rows
    got = posts_national([
        ("PTSM-01", "c1", "etablissement_sante", "cdi", 0.5, 0.0, 40000.0, "2022-01-01", None, "2024-03-31"),
        ("PTSM-02", "c1", "etablissement_sante", "cdi", 0.5, 0.0, 40000.0, "2022-01-01", None, "2024-03-31"),
        ("PTSM-03", "c2", "association", "cdd", 1.0, 1000.0, 50000.0, "2023-01-01", None, "2024-03-31"),
    ])
    assert got[("porteur", "etablissement_sante")] == (1, 2)
    assert got[("porteur", "association")] == (1, 2)
    assert got[("type_contrat", "cdi")] == (1, 2)
    assert got[("cofinancement", "non")] == (1, 2) and got[("cofinancement", "oui")] == (1, 2)


def test_a_person_with_two_employers_counts_once_under_the_most_recent_post():
    # c1 moved to an association in 2024 while the old row is still open: one person, counted under the newer post,
    # so the modalities of a dimension still add up to its denominator
    got = posts_national([
        ("PTSM-01", "c1", "etablissement_sante", "cdi", 0.5, 0.0, 40000.0, "2021-01-01", None, "2024-03-31"),
        ("PTSM-01", "c1", "association", "cdd", 0.5, 0.0, 42000.0, "2024-01-01", None, "2024-03-31"),
    ])
    assert got[("porteur", "association")] == (1, 1)
    assert ("porteur", "etablissement_sante") not in got
    assert got[("financement_ars_median", "42000.0")] == (1, 1)
