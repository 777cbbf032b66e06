"""No count between 1 and 4 can be derived from `survey_results_region` (SPEC §4 disclosure control).

Three layers: the checker (pipelines/lib/quality/disclosure.py) on hand-written published rows, so we know it sees
each kind of subtraction; the SQL model run on hand-made answers seeded into an in-memory DuckDB (exact
expected cells, plus random answers from hypothesis); and, marked slow, every group of the mart a refresh
publishes on the sample.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import hypothesis
import hypothesis.strategies as st
import pytest

from pipelines.lib.quality.disclosure import derivable_small_counts

ROOT = Path(__file__).resolve().parents[1]
MODEL = (ROOT / "sql" / "marts" / "survey_results_region.sql").read_text(encoding="utf-8")
NATIONAL_MODEL = (ROOT / "sql" / "marts" / "survey_results.sql").read_text(encoding="utf-8")

# ------------------------------------------------------------------ the checker on published rows


def cell(region, question, answer, n, denominator, share="auto"):
    if share == "auto":
        share = None if n is None or denominator is None else n / denominator
    return {"wave": 2023, "region_code": region, "question": question, "answer": answer,
            "n": n, "denominator": denominator, "share": share}


def test_checker_sees_the_missing_non_of_an_oui_only_item():
    # the defect found in region 75: 5 of 6 have a computer, so one coordinator has none
    problems = derivable_small_counts([cell("75", "moyens[ordinateur]", "oui", 5, 6)])
    assert problems == ["2023 région 75 moyens[ordinateur] : dénominateur moins cases publiées = 1"]


def test_checker_sees_hidden_categories_that_sum_to_one():
    # porteur in 75 and 84: the five other categories are masked but together hold 6 - 5 = 1
    rows = [cell("84", "porteur", a, None, 6) for a in ("ARS", "Association", "Autre", "DAC", "EMS")]
    rows.append(cell("84", "porteur", "Établissement sanitaire", 5, 6))
    assert derivable_small_counts(rows) == ["2023 région 84 porteur : dénominateur moins cases publiées = 1"]


def test_checker_reads_a_share_left_visible_beside_a_masked_count():
    rows = [cell("93", "rdv_ars", "oui", None, 10, share=0.7), cell("93", "rdv_ars", "non", None, 10, share=None)]
    assert derivable_small_counts(rows) == ["2023 région 93 rdv_ars : dénominateur moins cases publiées = 3"]


def test_checker_flags_small_published_numbers():
    rows = [cell("11", "contrat", "CDI", 3, 9), cell("11", "contrat", "CDD", 6, 9),
            cell("24", "contrat", "CDI", None, 4, share=None)]
    assert derivable_small_counts(rows) == [
        "2023 région 11 contrat [CDI] : effectif publié 3",
        "2023 région 24 contrat : dénominateur publié 4",
    ]


@pytest.mark.parametrize("rows", [
    [cell("75", "moyens[ordinateur]", "oui", 6, 6)],  # everybody: the complement is 0, not a small count
    [cell("75", "moyens[ordinateur]", "oui", 5, 10)],  # 5 without: not small
    [cell("75", "moyens[ordinateur]", "oui", None, 6)],  # hidden: nothing to subtract
    [cell("75", "moyens[ordinateur]", "oui", None, None)],  # group of fewer than 5
    [cell("11", "contrat", "CDI", None, 12), cell("11", "contrat", "CDD", None, 12), cell("11", "contrat", "Autre", 5, 12)],
])
def test_checker_accepts_safe_groups(rows):
    assert derivable_small_counts(rows) == []


def test_checker_subtracts_the_regions_from_the_national_figure():
    regional = [cell("11", "rdv_ars", "oui", 7, 10), cell("11", "rdv_ars", "non", None, 10),
                cell("24", "rdv_ars", "oui", None, 10), cell("24", "rdv_ars", "non", None, 10)]
    national = [{"wave": 2023, "question": "rdv_ars", "answer": "oui", "n": 9, "denominator": 22},
                {"wave": 2023, "question": "rdv_ars", "answer": "non", "n": 13, "denominator": 22}]
    assert derivable_small_counts(regional, national) == [
        "2023 région 11 rdv_ars : dénominateur moins cases publiées = 3",
        "2023 rdv_ars [oui] : national moins régions publiées = 2",
    ]


# ------------------------------------------------------------------ the SQL model on hand-made answers

REGISTRY = {"P75A": "75", "P75B": "75", "P84": "84", "P11": "11", "P93": "93"}
LABELS = [
    ("moyens[ordinateur]", "oui", 1), ("moyens[telephone]", "oui", 1),
    ("rdv_ars", "oui", 1), ("rdv_ars", "non", 2),
    ("porteur", "ARS", 1), ("porteur", "Association", 2), ("porteur", "DAC", 3),
    ("porteur", "Établissement sanitaire", 4), ("porteur", "Autre", 5),
]


def build(answers: list[tuple[str, str, str | None]]) -> tuple[list[dict], list[dict]]:
    """Seed (ptsm_id, question, answer) rows for wave 2023 and build both survey marts."""
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("create table ref_ptsm_registry (ptsm_id varchar, region_code varchar)")
    con.executemany("insert into ref_ptsm_registry values (?, ?)", list(REGISTRY.items()))
    con.execute("create table staging.survey_answer_labels (question varchar, answer varchar, position integer)")
    con.executemany("insert into staging.survey_answer_labels values (?, ?, ?)", LABELS)
    con.execute("create table staging.survey_answers_long (wave integer, ptsm_id varchar, question varchar, answer varchar)")
    if answers:
        con.executemany("insert into staging.survey_answers_long values (2023, ?, ?, ?)", answers)

    def rows(sql: str) -> list[dict]:
        cursor = con.sql(sql)
        names = cursor.columns
        return [dict(zip(names, r)) for r in cursor.fetchall()]

    return rows(MODEL), rows(NATIONAL_MODEL)


def respondents(ptsm: str, question: str, *answers: str | None) -> list[tuple]:
    return [(ptsm, question, a) for a in answers]


def published(rows, region, question):
    return {r["answer"]: (r["n"], r["denominator"]) for r in rows if r["region_code"] == region and r["question"] == question}


def test_an_oui_only_item_with_one_non_is_masked_whole():
    # region 75: 6 respondents, 5 with a computer, 1 without (staged as `non`, a label the mart does not publish)
    answers = respondents("P75A", "moyens[ordinateur]", "oui", "oui", "oui", "non") + \
        respondents("P75B", "moyens[ordinateur]", "oui", "oui")
    rows, _ = build(answers)
    assert published(rows, "75", "moyens[ordinateur]") == {"oui": (None, 6)}
    assert derivable_small_counts(rows) == []


def test_six_of_six_stays_visible():
    rows, _ = build(respondents("P75A", "moyens[telephone]", *["oui"] * 6))
    assert published(rows, "75", "moyens[telephone]") == {"oui": (6, 6)}


def test_a_porteur_whose_other_categories_sum_to_one_hides_its_visible_cell():
    answers = respondents("P84", "porteur", *["Établissement sanitaire"] * 5, "DAC")
    rows, _ = build(answers)
    assert published(rows, "84", "porteur") == {
        "ARS": (None, 6), "Association": (None, 6), "DAC": (None, 6), "Établissement sanitaire": (None, 6),
        "Autre": (None, 6)}
    assert derivable_small_counts(rows) == []


def test_a_hidden_zero_does_not_cost_a_visible_cell():
    # 10 respondents split 5/5 over two categories: the three empty ones are masked (0 < 5), the subtraction
    # gives 0, which discloses nobody, so the two cells of 5 stay published
    answers = respondents("P11", "porteur", *["ARS"] * 5, *["DAC"] * 5)
    rows, _ = build(answers)
    assert published(rows, "11", "porteur") == {
        "ARS": (5, 10), "Association": (None, 10), "DAC": (5, 10), "Établissement sanitaire": (None, 10),
        "Autre": (None, 10)}
    assert derivable_small_counts(rows) == []


def test_a_yes_no_question_with_a_small_non_masks_the_oui():
    rows, _ = build(respondents("P93", "rdv_ars", *["oui"] * 7, "non", "non"))
    assert published(rows, "93", "rdv_ars") == {"oui": (None, 9), "non": (None, 9)}


def test_a_region_cell_that_leaves_a_small_national_remainder_is_masked():
    # rdv_ars oui: 93 has 7 (visible on its own), 11 has 2 (hidden, n < 5); national 9 - 7 would give 11's 2
    answers = respondents("P93", "rdv_ars", *["oui"] * 7, *["non"] * 6) + \
        respondents("P11", "rdv_ars", "oui", "oui", *["non"] * 5)
    rows, national = build(answers)
    assert published(rows, "93", "rdv_ars") == {"oui": (None, 13), "non": (6, 13)}
    assert published(rows, "11", "rdv_ars") == {"oui": (None, 7), "non": (None, 7)}  # its lone hidden cell
    assert derivable_small_counts(rows, national) == []


def test_large_groups_stay_published():
    rows, _ = build(respondents("P93", "rdv_ars", *["oui"] * 7, *["non"] * 6))
    assert published(rows, "93", "rdv_ars") == {"oui": (7, 13), "non": (6, 13)}


REGIONS_PTSM = sorted(REGISTRY)
ANSWERS = {"moyens[ordinateur]": ["oui", "non"], "moyens[telephone]": ["oui", "non"], "rdv_ars": ["oui", "non", None],
           "porteur": ["ARS", "Association", "DAC", "Établissement sanitaire", "Autre"]}


@hypothesis.settings(max_examples=max(10, hypothesis.settings.default.max_examples // 5))  # CI 60, locally 10 (conftest.py profiles)
@hypothesis.given(st.lists(
    st.tuples(st.sampled_from(REGIONS_PTSM), st.sampled_from(sorted(ANSWERS)), st.integers(0, 4), st.integers(1, 7)),
    max_size=25,
))
def test_random_answers_never_leave_a_small_count_derivable_within_a_group(draws):
    # blocks of 1-7 identical answers, so groups of 5-15 respondents (where subtraction bites) are common
    answers = [(ptsm, q, ANSWERS[q][i % len(ANSWERS[q])]) for ptsm, q, i, k in draws for _ in range(k)]
    rows, national = build(answers)
    assert derivable_small_counts(rows, national) == []


# ------------------------------------------------------------------ every group of the mart a refresh publishes


@pytest.mark.slow
def test_every_published_group_of_the_sample_is_safe(sample_release):
    con = duckdb.connect()

    def rows(mart: str) -> list[dict]:
        cursor = con.sql(f"select * from read_parquet('{sample_release.marts / mart}.parquet')")
        return [dict(zip(cursor.columns, r)) for r in cursor.fetchall()]

    regional = rows("survey_results_region")
    # every group: 2023, 15 regions x 16 questions + duree_cdd in 9 + quotite in 8; 2025, 14 x 16 + 5 + 8
    assert len({(r["wave"], r["region_code"], r["question"]) for r in regional}) == (15 * 16 + 9 + 8) + (14 * 16 + 5 + 8)
    assert derivable_small_counts(regional, rows("survey_results")) == []
