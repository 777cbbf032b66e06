"""Audit by integer programming: can a reader pin a suppressed survey count between 1 and 4?

The subtraction checker in `disclosure` only follows one kind of arithmetic (a total minus visible cells).
A reader with a solver combines every published fact at once: visible counts, group denominators, national =
sum of regions, a conditional question's denominator = its parent's cell, and a row that is absent (a count
of 0 when row presence depends on the count). This module states those facts as linear equalities over the
unknown true counts (non-negative integers) and, for each count the reader does not see, computes its minimum
and maximum over every table consistent with them (SciPy's `milp`, HiGHS). The count is disclosed when both
bounds lie in 1..THRESHOLD-1 (an exact value in 1-4 is the case min == max).

It is cheap: the linear relaxation bounds every cell first (outer bounds), and a MILP is solved only for a
cell the relaxation cannot prove safe.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from pipelines.lib.quality.disclosure import THRESHOLD

_BIG = 10**6  # an upper bound on any count; only there to keep the problem bounded


@dataclass(frozen=True)
class Finding:
    cell: Hashable
    low: int
    high: int

    def message(self) -> str:
        exact = f"vaut exactement {self.low}" if self.low == self.high else f"est comprise entre {self.low} et {self.high}"
        return f"{self.cell} : la case masquée {exact} d'après ce qui est publié"


def audit(
    cells: Mapping[Hashable, int | None],
    sums: Iterable[tuple[Iterable[Hashable], Hashable | int]],
) -> list[Finding]:
    """Every masked cell a reader can pin in 1..THRESHOLD-1; an empty list proves the publication safe.

    `cells` maps each cell to its published count, or None when masked (a row absent from a table whose
    shape depends on the count is published as 0 by the caller). `sums` are the published relations: the
    parts add up to the total (a cell key, or a published integer).
    """
    keys = list(cells)
    index = {key: i for i, key in enumerate(keys)}
    rows, rhs = [], []
    for parts, total in sums:
        row = np.zeros(len(keys))
        for part in parts:
            row[index[part]] += 1
        if isinstance(total, int):
            value = float(total)
        else:
            row[index[total]] -= 1
            value = 0.0
        rows.append(row)
        rhs.append(value)
    low = np.array([0.0 if cells[k] is None else float(cells[k]) for k in keys])
    high = np.array([_BIG if cells[k] is None else float(cells[k]) for k in keys])
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    constraint = [LinearConstraint(a_eq, b_eq, b_eq)] if rows else []

    def bound(i: int, sense: float, integer: bool) -> float:
        c = np.zeros(len(keys))
        c[i] = sense
        if integer:
            result = milp(c, constraints=constraint, integrality=np.ones(len(keys)), bounds=Bounds(low, high))
        else:
            result = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=list(zip(low, high)), method="highs")
        if result.status != 0:
            raise ValueError("Les chiffres publiés sur l'enquête sont incohérents entre eux : audit impossible.")
        return sense * result.fun

    findings = []
    for key in keys:
        if cells[key] is not None:
            continue
        i = index[key]
        # Relaxation: max_LP >= max_int and min_LP <= min_int. Safe for sure only with integer bounds, so the
        # relaxation only tells which MILP to skip: max_LP < THRESHOLD already caps the integer maximum.
        lp_high = bound(i, -1.0, integer=False)
        int_high = round(bound(i, -1.0, integer=True)) if lp_high >= THRESHOLD else int(np.floor(lp_high + 1e-9))
        if int_high >= THRESHOLD or int_high < 1:
            continue
        int_low = round(bound(i, 1.0, integer=True))
        if int_low >= 1:
            findings.append(Finding(key, int_low, int_high))
    return findings
