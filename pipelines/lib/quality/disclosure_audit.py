"""Audit by integer programming: can a reader pin a suppressed survey count between 1 and 4?

A subtraction checker only follows one kind of arithmetic (a total minus visible cells).
A reader with a solver combines every published fact at once: visible counts, group denominators, national =
sum of regions, a conditional question's denominator = its parent's cell, and a row that is absent (a count
of 0 when row presence depends on the count). This module states those facts as linear equalities over the
unknown true counts (non-negative integers) and, for each count the reader does not see, computes its minimum
and maximum over every table consistent with them (SciPy's `milp`, HiGHS). The count is disclosed when both
bounds lie in 1..THRESHOLD-1 (an exact value in 1-4 is the case min == max).

It is cheap: any table consistent with what is published is a witness for every cell at once (a cell that is 0,
or THRESHOLD or more, in one such table cannot be pinned in 1..THRESHOLD-1), so the two bounds are solved only for
the cells no witness found so far clears, and each solve is a new witness.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from pipelines.lib.core.disclosure_rule import THRESHOLD

_BIG = 10**6  # an upper bound on any count; only there to keep the problem bounded


@dataclass(frozen=True)
class Finding:
    cell: Hashable
    low: int
    high: int

    def message(self, name: str | None = None) -> str:
        exact = f"vaut exactement {self.low}" if self.low == self.high else f"est comprise entre {self.low} et {self.high}"
        return f"{self.cell if name is None else name} : la case masquée {exact} d'après ce qui est publié"


def _range(value: int | None | tuple[int, int | None]) -> tuple[int, int]:
    """A published count, a masked one (None), or a masked one the reader still bounds ((low, high or None))."""
    if value is None:
        return 0, _BIG
    if isinstance(value, tuple):
        return value[0], _BIG if value[1] is None else value[1]
    return value, value


@dataclass(frozen=True)
class AuditResult:
    """What the audit proved: `audited` masked protected cells, `safe` of them not pinnable in 1..THRESHOLD-1."""

    findings: list[Finding]
    audited: int
    safe: int


@dataclass(frozen=True)
class LinearSystem:
    """What is published, as a reader's solver holds it: one integer unknown per cell (`keys`, `index`), its bounds
    (`low`, `high`: equal for a published count) and the published sums (`constraint`, empty when there is none)."""

    keys: list
    index: dict
    low: np.ndarray
    high: np.ndarray
    constraint: list


def linear_system(
    cells: Mapping[Hashable, int | None | tuple[int, int | None]],
    sums: Iterable[tuple[Iterable[Hashable], Hashable | int]],
) -> LinearSystem:
    """The cells and sums of `audit` as the matrices `milp` takes (shared with quality.secondary_suppression)."""
    # SciPy's solver is imported where it is used: a refresh of unchanged data proves nothing again
    # (quality.proof_memo) and spares its import (~0.5 s of CPU, issue 22 §3)
    from scipy.optimize import LinearConstraint
    from scipy.sparse import coo_array

    keys = list(cells)
    index = {key: i for i, key in enumerate(keys)}
    data, row_ids, col_ids, rhs = [], [], [], []
    for r, (parts, total) in enumerate(sums):
        for part in parts:
            data.append(1.0)
            row_ids.append(r)
            col_ids.append(index[part])
        if isinstance(total, int):
            rhs.append(float(total))
        else:
            data.append(-1.0)
            row_ids.append(r)
            col_ids.append(index[total])
            rhs.append(0.0)
    low = np.array([float(_range(cells[k])[0]) for k in keys])
    high = np.array([float(_range(cells[k])[1]) for k in keys])
    constraint = []
    if rhs:
        a_eq = coo_array((data, (row_ids, col_ids)), shape=(len(rhs), len(keys))).tocsr()
        constraint = [LinearConstraint(a_eq, np.array(rhs), np.array(rhs))]
    return LinearSystem(keys, index, low, high, constraint)


def audit(
    cells: Mapping[Hashable, int | None],
    sums: Iterable[tuple[Iterable[Hashable], Hashable | int]],
    protected: Iterable[Hashable] | None = None,
) -> list[Finding]:
    """Every masked cell a reader can pin in 1..THRESHOLD-1; an empty list proves the publication safe.

    `cells` maps each cell to its published count, or None when masked, or (low, high) when masked but bounded
    (high None: unbounded); a row absent from a table whose shape depends on the count is published as 0 by the
    caller, and a row present there is (1, None). `sums` are the published relations: the
    parts add up to the total (a cell key, or a published integer). `protected`: the cells whose disclosure
    matters (default: every cell); the others are unknowns that only carry facts (slacks, respondents).
    """
    return audit_report(cells, sums, protected).findings


def audit_report(
    cells: Mapping[Hashable, int | None],
    sums: Iterable[tuple[Iterable[Hashable], Hashable | int]],
    protected: Iterable[Hashable] | None = None,
) -> AuditResult:
    """`audit` with the counts of cells audited and proven safe."""
    system = linear_system(cells, sums)
    keys, index, low, high, constraint = system.keys, system.index, system.low, system.high, system.constraint
    integrality = np.ones(len(keys))
    protected = None if protected is None else set(protected)
    wanted = [index[k] for k in keys if not isinstance(cells[k], int) and (protected is None or k in protected)]

    from scipy.optimize import Bounds, milp

    def solve(c: np.ndarray) -> np.ndarray:
        result = milp(c, constraints=constraint, integrality=integrality, bounds=Bounds(low, high))
        if result.status != 0:
            raise ValueError("Les chiffres publiés sur l'enquête sont incohérents entre eux : audit impossible.")
        return np.round(result.x)

    # A masked cell is safe once some table consistent with what is published gives it 0 or THRESHOLD or more:
    # every solution found is such a witness for all cells at once, so most cells need no solve of their own.
    unresolved = set(wanted)

    def witness(x: np.ndarray) -> None:
        unresolved.difference_update({i for i in unresolved if x[i] < 1 or x[i] >= THRESHOLD})

    if wanted:
        spread = np.zeros(len(keys))
        spread[wanted] = 1.0
        witness(solve(spread))  # as many zeros as the facts allow
        witness(solve(-spread))  # as large as they allow
    findings = []
    for i in sorted(unresolved):
        if i not in unresolved:
            continue
        c = np.zeros(len(keys))
        c[i] = -1.0
        x = solve(c)
        witness(x)
        high_i = x[i]
        if i not in unresolved:
            continue
        c[i] = 1.0
        x = solve(c)
        witness(x)
        if i in unresolved:
            findings.append(Finding(keys[i], int(x[i]), int(high_i)))
            unresolved.discard(i)
    findings.sort(key=lambda f: index[f.cell])
    return AuditResult(findings, len(wanted), len(wanted) - len(findings))
