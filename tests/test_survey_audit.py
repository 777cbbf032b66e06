"""The adapter from the published survey marts to the integer-programming audit (issue 20 §1).

Two regions, one wave, worked by hand. True answers: A has 5 full-timers and 1 part-timer (at 50 %), B has 6
full-timers and 2 part-timers (both at 80 %). National (unsuppressed): Temps plein 11, Temps partiel 3 (of 14);
quotite 50: 1, 80: 2 (of 3).
"""

from pipelines.lib.quality.survey_audit import survey_facts, audit_survey

NATIONAL = [
    {"wave": 2023, "question": "temps_travail", "answer": "Temps plein", "n": 11, "denominator": 14},
    {"wave": 2023, "question": "temps_travail", "answer": "Temps partiel", "n": 3, "denominator": 14},
    {"wave": 2023, "question": "quotite", "answer": "50", "n": 1, "denominator": 3},
    {"wave": 2023, "question": "quotite", "answer": "80", "n": 2, "denominator": 3},
]


def row(region, question, answer, n=None, denominator=None):
    share = None if n is None or denominator is None else n / denominator
    return {"wave": 2023, "region_code": region, "question": question, "answer": answer, "n": n,
            "denominator": denominator, "share": share}


def _found(audit):
    return {(f.cell, f.low, f.high) for f in audit.result.findings}


def test_the_old_shape_gives_each_part_timer_away():
    """The old mart: temps_travail masked whole (denominators 6 and 8 published), a quotite row only where its
    count is at least 1. A's lone "50" row and B's lone "80" row: A50 >= 1, A80 = 0, B50 = 0, B80 >= 1, so the
    national 1 and 2 give A50 = 1 and B80 = 2; the quotite denominators are then 1 and 2, and since the national
    quotite denominator equals the national part-timers (no non-response), A partiel = 1 and B partiel = 2.
    A plein = 5 and B plein = 6 are derived too but are not small."""
    regional = [
        row("A", "temps_travail", "Temps plein", None, 6), row("A", "temps_travail", "Temps partiel", None, 6),
        row("B", "temps_travail", "Temps plein", None, 8), row("B", "temps_travail", "Temps partiel", None, 8),
        row("A", "quotite", "50"), row("B", "quotite", "80"),
    ]
    audit = audit_survey(NATIONAL, regional)
    assert _found(audit) == {
        ((2023, "A", "quotite", "50"), 1, 1), (("d", 2023, "A", "quotite"), 1, 1),
        ((2023, "A", "temps_travail", "Temps partiel"), 1, 1),
        ((2023, "B", "quotite", "80"), 2, 2), (("d", 2023, "B", "quotite"), 2, 2),
        ((2023, "B", "temps_travail", "Temps partiel"), 2, 2),
    }
    # audited: 4 temps_travail cells, 4 quotite cells, 2 quotite denominators; A80 and B50 are published as 0
    assert (audit.result.audited, audit.result.safe) == (8, 2)


def test_a_fixed_grid_with_the_conditional_question_masked_with_its_parent_is_safe():
    """Every row present, quotite masked with its denominator: A partiel can be 0 (then B holds 3 part-timers,
    B plein = 5, A plein = 6) and B partiel can be 0 (A holds 3), so no cell is pinned in 1-4."""
    regional = [
        row("A", "temps_travail", "Temps plein", None, 6), row("A", "temps_travail", "Temps partiel", None, 6),
        row("B", "temps_travail", "Temps plein", None, 8), row("B", "temps_travail", "Temps partiel", None, 8),
        row("A", "quotite", "50"), row("A", "quotite", "80"), row("B", "quotite", "50"), row("B", "quotite", "80"),
    ]
    audit = audit_survey(NATIONAL, regional)
    assert audit.result.findings == []
    assert (audit.result.audited, audit.result.safe) == (10, 10)


def test_a_region_missing_from_a_wave_has_no_respondent():
    """The reader knows region C exists: absent from the table, every count of C is published as 0."""
    cells, _, _ = survey_facts(NATIONAL, [row("A", "quotite", "50")], regions=["A", "C"])
    assert cells[(2023, "C", "quotite", "50")] == 0 and cells[("d", 2023, "C", "temps_travail")] == 0
    assert cells[(2023, "A", "quotite", "50")] == (1, None)  # a present row of a count-shaped question: >= 1


def test_a_visible_share_is_a_visible_count():
    regional = [{**row("A", "temps_travail", "Temps plein", None, 6), "share": 5 / 6}]
    cells, _, _ = survey_facts(NATIONAL, regional)
    assert cells[(2023, "A", "temps_travail", "Temps plein")] == 5
