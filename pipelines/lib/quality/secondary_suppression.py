"""Audit-driven secondary suppression of `survey_results_region` (τ-ARGUS style), before the blocking audit.

The SQL model applies the local rules (primary suppression under 5, conditional questions with their parent cell,
single-PTSM regions, one hidden cell in a group or a column). Local rules cannot see every chain of inference a
solver can make across groups, columns and the national results (issue 20 §1, issue 19 §1: one wave where almost
every answer falls in one region). A release refused for that would stop the national publication, so here the
same integer-programming audit that blocks a release (`quality.survey_audit`) is run first, and every masked count
it can pin in 1..THRESHOLD-1 is protected by masking more published values, then the wave is audited again.

How a leaking cell is protected: the cheapest set of published values (regional counts and group denominators)
whose masking lets some table consistent with everything else give that cell 0, or THRESHOLD or more. That is a
small MILP over the same facts as the audit: one integer per cell, and one binary per published value allowed to
differ from what is published; the cost of a published value is the value plus one (small cells first, few cells).
That alternative table is then a witness that the cell is no longer pinned. Masking only removes facts, so no cell
the audit proved safe can become pinned, and a newly masked value is itself safe (the true table, which gives it
the published 5 or more, remains consistent). When no such set exists (a wave with a single region), the region is
masked whole with a French `note`, then, as a last resort, every region of the wave.

Deterministic: the rows are sorted before the facts are built and HiGHS is run without a time limit, so the same
input gives the same masks. Cheap: a wave the audit clears costs one audit, and only a wave that leaks is solved
again. The blocking check (`pipelines/defs/checks/disclosure.py`) still audits the final table on every release.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from pipelines.lib.core.disclosure_rule import THRESHOLD
from pipelines.lib.quality.disclosure_audit import _BIG, AuditResult, audit_report, linear_system
from pipelines.lib.quality.survey_audit import CONDITIONAL, query_rows, survey_facts

WHOLE_REGION_NOTE = (
    "Résultats régionaux de l'enquête masqués en entier pour cette vague : autrement, un effectif de 1 à 4 pourrait "
    "être recalculé à partir des résultats nationaux et de ceux des autres régions."
)
MAX_ROUNDS = 5  # rounds of protection before a wave is masked whole (each round normally clears every leak)

# a parent cell -> the conditional question asked of its respondents only (masked whole with it, as in the SQL)
_CHILD = {(parent_q, parent_a): q for q, (parent_q, parent_a) in CONDITIONAL.items()}


@dataclass
class Protection:
    """What the step masked beyond the SQL's rules, and the audit of the result (one AuditResult per wave)."""

    rows: list[dict]
    cells: list[tuple] = field(default_factory=list)  # (wave, region, question, answer) counts masked
    denominators: list[tuple] = field(default_factory=list)  # (wave, region, question) denominators masked
    whole_regions: list[tuple] = field(default_factory=list)  # (wave, region) masked whole
    audits: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.cells or self.denominators or self.whole_regions)

    @property
    def findings(self) -> list:
        return [f for result in self.audits.values() for f in result.findings]


def _key(row: Mapping) -> tuple:
    return (row["wave"], row["region_code"], row["question"], row["answer"])


def _sorted(rows: Iterable[Mapping]) -> list[dict]:
    return sorted((dict(r) for r in rows), key=lambda r: tuple(str(v) for v in _key(r)))


def protect(national: Iterable[Mapping], regional: Iterable[Mapping], regions: Iterable[str] | None = None,
            memo=None) -> Protection:
    """The regional rows masked until the audit finds no count pinned in 1..THRESHOLD-1 in any wave.

    `national`: rows of survey_results; `regional`: rows of survey_results_region (n, denominator, share,
    suppressed, note); `regions`: every region the reader knows exists (as for `survey_audit.audit_survey`);
    `memo`: a quality.proof_memo.ProofMemo (a wave already proved safe by the same code is not proved again).
    """
    start = time.perf_counter()
    national = sorted((dict(r) for r in national), key=lambda r: (r["wave"], r["question"], str(r["answer"])))
    rows = _sorted(regional)
    regions = sorted(set(regions) if regions is not None else {r["region_code"] for r in rows})
    protection = Protection(rows)
    for wave in sorted({r["wave"] for r in national}):
        national_w = [r for r in national if r["wave"] == wave]
        wave_rows = [r for r in rows if r["wave"] == wave]  # the same dicts: masking them masks `rows`
        protection.audits[wave] = _protect_wave(national_w, wave_rows, regions, protection, memo)
    protection.seconds = time.perf_counter() - start
    return protection


def _audit(national: list[dict], rows: list[dict], regions: list[str], memo=None) -> AuditResult:
    cells, sums, protected = survey_facts(national, rows, regions)
    return (memo.audit if memo is not None else audit_report)(cells, sums, protected)


def _protect_wave(national: list[dict], rows: list[dict], regions: list[str], protection: Protection,
                  memo=None) -> AuditResult:
    result = _audit(national, rows, regions, memo)
    rounds, whole = 0, set()
    while result.findings:
        rounds += 1
        if rounds > MAX_ROUNDS:
            for region in sorted({r["region_code"] for r in rows} - whole):
                _mask_region(rows, region, protection)
            return _audit(national, rows, regions, memo)
        for finding in result.findings:
            cells, sums, _ = survey_facts(national, rows, regions)
            masks = _cheapest_masks(cells, sums, _published(rows), finding.cell)
            if masks is None:  # nothing regional can blur it: the region, then the whole wave, goes
                region = finding.cell[2] if finding.cell[0] in ("d", "R", "s") else finding.cell[1]
                targets = [region] if region not in whole else sorted({r["region_code"] for r in rows} - whole)
                if not targets:  # nothing left to mask: the blocking audit refuses the release
                    return result
                for target in targets:
                    _mask_region(rows, target, protection)
                    whole.add(target)
                break  # the facts changed a lot: audit again before the next finding
            _apply(rows, masks, protection)
        result = _audit(national, rows, regions, memo)
    return result


def _published(rows: list[dict]) -> dict[Hashable, int]:
    """The published values a reader's solver takes as given and this step may mask: regional counts, and group
    denominators (their audit keys, as in survey_audit.survey_facts)."""
    values: dict[Hashable, int] = {}
    for r in rows:
        if r["n"] is not None:
            values[_key(r)] = int(r["n"])
        if r["denominator"] is not None:
            values[("d", r["wave"], r["region_code"], r["question"])] = int(r["denominator"])
    return values


def _cheapest_masks(cells: dict, sums: list, published: dict, target: Hashable) -> list | None:
    """The published values to mask so that `target` can be 0 (or THRESHOLD or more) in a table consistent with
    everything else: the cheaper of the two, None when neither exists."""
    best = None
    for bounds in ((0, 0), (THRESHOLD, None)):
        found = _solve_protection(cells, sums, published, target, bounds)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    return None if best is None else best[1]


def _solve_protection(cells: dict, sums: list, published: dict, target: Hashable,
                      bounds: tuple[int, int | None]) -> tuple[float, list] | None:
    from scipy.optimize import Bounds, LinearConstraint, milp  # only when a cell needs masking (see linear_system)
    from scipy.sparse import coo_array, hstack

    free = {k for k in published if k in cells and isinstance(cells[k], int)}
    relaxed = {k: (None if k in free else v) for k, v in cells.items()}
    relaxed[target] = bounds
    system = linear_system(relaxed, sums)
    n = len(system.keys)
    movable = sorted((system.index[k] for k in free))
    m = len(movable)
    # a count or denominator is at most the published total of any sum it is part of (all parts are >= 0)
    cap = np.full(n, float(_BIG))
    for parts, total in sums:
        if isinstance(total, int):
            for part in parts:
                i = system.index[part]
                cap[i] = min(cap[i], float(total))
    value = np.array([float(published[system.keys[i]]) for i in movable])
    big = np.maximum(cap[movable], value)
    # x_i - v_i <= M_i z_i and v_i - x_i <= M_i z_i: a published value may change only where it is masked
    eye = coo_array((np.ones(m), (np.arange(m), movable)), shape=(m, n))
    zs = coo_array((-big, (np.arange(m), np.arange(m))), shape=(m, m))
    upper = LinearConstraint(hstack([eye, zs]), -np.inf, value)
    lower = LinearConstraint(hstack([-eye, zs]), -np.inf, -value)
    constraints = [upper, lower]
    if system.constraint:
        equalities = system.constraint[0]
        padded = hstack([equalities.A, coo_array((equalities.A.shape[0], m))])
        constraints.append(LinearConstraint(padded, equalities.lb, equalities.ub))
    cost = np.concatenate([np.zeros(n), value + 1.0])
    low = np.concatenate([system.low, np.zeros(m)])
    high = np.concatenate([np.minimum(system.high, np.maximum(cap, system.low)), np.ones(m)])
    result = milp(cost, constraints=constraints, integrality=np.ones(n + m), bounds=Bounds(low, high))
    if result.status != 0 or result.x is None:
        return None
    x = np.round(result.x)
    changed = [system.keys[i] for i, v in zip(movable, value) if x[i] != v]
    return float(cost[n:] @ x[n:]), changed


def _mask_count(row: dict) -> None:
    row["n"] = None
    row["share"] = None
    row["suppressed"] = True


def _apply(rows: list[dict], masks: list, protection: Protection) -> None:
    groups: dict = defaultdict(list)
    for r in rows:
        groups[(r["region_code"], r["question"])].append(r)
    by_key = {_key(r): r for r in rows}
    for key in masks:
        if key[0] == "d":
            _, wave, region, question = key
            for r in groups[(region, question)]:
                r["denominator"] = None
                r["share"] = None
            protection.denominators.append((wave, region, question))
            continue
        if by_key[key]["n"] is not None:  # not already masked with its parent cell
            protection.cells.append(key)
        _mask_count(by_key[key])
        wave, region, question, answer = key
        child = _CHILD.get((question, answer))
        for r in groups.get((region, child), []):  # its conditional question goes whole with it
            if r["n"] is not None:
                protection.cells.append(_key(r))
            _mask_count(r)
            r["denominator"] = None


def _mask_region(rows: list[dict], region: str, protection: Protection) -> None:
    for r in rows:
        if r["region_code"] == region:
            _mask_count(r)
            r["denominator"] = None
            r["note"] = r["note"] or WHOLE_REGION_NOTE
    if rows:
        protection.whole_regions.append((rows[0]["wave"], region))


# ------------------------------------------------------------------ the mart in the warehouse

_COLUMNS = ("wave", "region_code", "question", "answer", "n", "denominator", "share", "suppressed", "note")


def protect_table(con, schema: str, regions: Iterable[str] | None = None, memo=None) -> Protection:
    """Mask `<schema>.survey_results_region` in place until the audit is clean (against `<schema>.survey_results`);
    rows the step does not mask are left untouched (the table is not rewritten when nothing leaks)."""
    national = query_rows(con, f"select wave, question, answer, n, denominator from {schema}.survey_results")
    regional = query_rows(con, f"select {', '.join(_COLUMNS)} from {schema}.survey_results_region")
    before = {_key(r): dict(r) for r in regional}
    protection = protect(national, regional, regions, memo)
    changed = [r for r in protection.rows if r != before[_key(r)]]
    if changed:
        con.executemany(
            f"update {schema}.survey_results_region set n = ?, denominator = ?, share = ?, suppressed = ?, note = ? "
            "where wave = ? and region_code = ? and question = ? and answer = ?",
            [[r["n"], r["denominator"], r["share"], r["suppressed"], r["note"], *_key(r)] for r in changed])
    return protection
