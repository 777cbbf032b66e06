"""The integer-programming audit on hand-made tables, one per way a survey count of 1-4 leaks (issue 20 §1).

Expected bounds are worked out by hand in each docstring; the true tables are small enough to check on paper.
"""

from pipelines.lib.quality.disclosure_audit import Finding, audit


def _found(findings):
    return {(f.cell, f.low, f.high) for f in findings}


def _row_presence_cells(fixed_grid: bool):
    """quotite in regions A (true 50:1, 80:4, n=5) and B (true 50:0, 80:9, n=9); national 50:1, 80:13.

    When a row exists only where its count is >= 1, B's missing "50" row publishes B50 = 0, so A50 = 1 - 0 = 1
    and A80 = 5 - 1 = 4. On a fixed grid B50 stays masked: A50 in 0..1, A80 in 4..5, B50 in 0..1, B80 in 8..9.
    """
    cells = {"A50": None, "A80": None, "B50": None if fixed_grid else 0, "B80": None, "N50": 1, "N80": 13}
    sums = [(["A50", "A80"], 5), (["B50", "B80"], 9), (["A50", "B50"], "N50"), (["A80", "B80"], "N80")]
    return cells, sums


def test_row_presence_that_depends_on_the_count_leaks():
    assert _found(audit(*_row_presence_cells(fixed_grid=False))) == {("A50", 1, 1), ("A80", 4, 4)}


def test_a_fixed_grid_of_the_same_table_is_safe():
    assert audit(*_row_presence_cells(fixed_grid=True)) == []


def test_a_conditional_question_bounds_its_parent_cell():
    """temps_travail in R: plein 7, partiel 3 (both masked, n=10); quotite is asked of part-timers only and
    its denominator 3 is published, so partiel = 3 exactly; plein = 10 - 3 = 7 is safe; q50, q80 in 0..3."""
    cells = {"plein": None, "partiel": None, "q50": None, "q80": None}
    sums = [(["plein", "partiel"], 10), (["q50", "q80"], 3), (["q50", "q80"], "partiel")]
    assert _found(audit(cells, sums)) == {("partiel", 3, 3)}
    # Without the link (the parent's cell suppressed with its conditional question), partiel is in 0..10.
    assert audit(cells, sums[:1]) == []


def test_a_single_ptsm_region_reveals_its_one_respondent():
    """Guadeloupe has one respondent (n=1) and shows a "50" row (masked) but no "80" row: G50 = 1."""
    cells = {"G50": None, "G80": 0}
    assert _found(audit(cells, [(["G50", "G80"], 1)])) == {("G50", 1, 1)}


def test_national_minus_regions_leaks():
    """Temps partiel: national 12, R1 shows 10 (plein 10, n=20), R2 masks both (n=6): R2 partiel = 2, plein = 4."""
    cells = {"R1plein": 10, "R1partiel": 10, "R2plein": None, "R2partiel": None, "Npartiel": 12}
    sums = [(["R1plein", "R1partiel"], 20), (["R2plein", "R2partiel"], 6), (["R1partiel", "R2partiel"], "Npartiel")]
    assert _found(audit(cells, sums)) == {("R2partiel", 2, 2), ("R2plein", 4, 4)}


def test_a_masked_two_by_two_with_freedom_is_safe():
    """R1 (n=8) and R2 (n=12), answers X (national 8) and Y (national 12), all four masked: a = R1X runs over
    0..8 with R1Y = 8 - a, R2X = 8 - a, R2Y = 4 + a, so every cell can be 0 or at least 5."""
    cells = {"R1X": None, "R1Y": None, "R2X": None, "R2Y": None}
    sums = [(["R1X", "R1Y"], 8), (["R2X", "R2Y"], 12), (["R1X", "R2X"], 8), (["R1Y", "R2Y"], 12)]
    assert audit(cells, sums) == []


def test_a_finding_says_what_is_derivable_in_french():
    assert Finding("A50", 1, 1).message() == "A50 : la case masquée vaut exactement 1 d'après ce qui est publié"
    assert Finding("A50", 2, 4).message() == "A50 : la case masquée est comprise entre 2 et 4 d'après ce qui est publié"
