"""Proof that a suppressed survey breakdown gives no small count away, whatever arithmetic a reader does.

Hiding the cells below 5 is not enough: a reader who has the denominator and the visible cells of a group
gets the sum of the hidden ones by subtraction (for a `moyens[...]` item published as `oui` only, that is the
`non` count). This module recomputes, from published numbers only (`n`, `denominator`, `share`; never the
`suppressed` flag, which a reader may ignore), every count such arithmetic yields, and reports each one
between 1 and 4. It is used by the tests on every group of the published mart and on hand-made fixtures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

THRESHOLD = 5  # docs/contract.md §4: a sub-national cell with n < 5 is never published


def _is_small(value: int | None) -> bool:
    return value is not None and 0 < value < THRESHOLD


def _known_n(row: dict) -> int | None:
    """The cell's count as a reader gets it: `n`, or `share × denominator` when only the share is visible."""
    if row.get("n") is not None:
        return int(row["n"])
    if row.get("share") is not None and row.get("denominator") is not None:
        return round(row["share"] * row["denominator"])
    return None


def derivable_small_counts(rows: Iterable[dict], national: Iterable[dict] | None = None) -> list[str]:
    """Every count in 1-4 a reader can derive; an empty list is the proof that the mart is safe.

    Within each (wave, region_code, question) group: a visible cell in 1-4, a visible cell beside a masked
    denominator, and the denominator minus the visible cells (the complement: the hidden cells together, or
    the `non` of an `oui`-only item). With `national` (the unsuppressed national mart), also across regions:
    the national count minus the regions' visible counts, for each answer (national results are published
    unsuppressed, docs/contract.md §4, so a small national figure on its own is not a finding).
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["wave"], row["region_code"], row["question"])].append(row)
    problems: list[str] = []
    for (wave, region, question), cells in sorted(groups.items(), key=lambda item: tuple(map(str, item[0]))):
        where = f"{wave} région {region} {question}"
        denominators = {c.get("denominator") for c in cells}
        if len(denominators) > 1:
            problems.append(f"{where} : dénominateurs différents dans un même groupe {sorted(map(str, denominators))}")
            continue
        denominator = denominators.pop()
        known = [(_known_n(c), c["answer"]) for c in cells]
        for n, answer in known:
            if _is_small(n):
                problems.append(f"{where} [{answer}] : effectif publié {n}")
        if denominator is None:
            if any(n is not None for n, _ in known):
                problems.append(f"{where} : case publiée alors que le dénominateur est masqué")
            continue
        if _is_small(int(denominator)):
            problems.append(f"{where} : dénominateur publié {denominator}")
            continue
        rest = int(denominator) - sum(n for n, _ in known if n is not None)
        if _is_small(rest):
            problems.append(f"{where} : dénominateur moins cases publiées = {rest}")
    if national is not None:
        problems += _across_regions(groups, list(national))
    return problems


def _across_regions(groups: dict[tuple, list[dict]], national: list[dict]) -> list[str]:
    """National count of an answer minus the regions' visible counts: what the masked regions hold together.

    Denominators are not differenced: how many coordinators of a region answered is not a protected attribute
    (the registry and the roster say how many PTSM and posts each region has)."""
    visible_n: dict[tuple, int] = defaultdict(int)
    for (wave, _region, question), cells in groups.items():
        for cell in cells:
            n = _known_n(cell)
            if n is not None:
                visible_n[(wave, question, cell["answer"])] += n
    problems = []
    for row in national:
        key = (row["wave"], row["question"], row["answer"])
        rest = int(row["n"]) - visible_n.get(key, 0)
        if key in visible_n and _is_small(rest):  # with no region visible, rest is the national figure itself
            problems.append(f"{key[0]} {key[1]} [{key[2]}] : national moins régions publiées = {rest}")
    return problems
