"""What a reader knows about the survey, from what is published, as the integer-programming audit's facts.

The reader of the national view holds `survey_results` (national counts, unsuppressed) and every region's rows of
`survey_results_region` (a regional token holds one region's rows: fewer facts, so wider bounds; auditing the
national view covers every regional view). `survey_wave_comparison` and the regional profiles repeat these counts
and add none (the profile copies `survey_results_region`; the comparison copies `survey_results`).

The unknowns are the true counts. Per wave, the reader knows:
- each regional group adds up: the answers of (region, question) sum to its denominator; an `oui`-only `moyens[...]`
  item has an unpublished `non` cell (a protected count too);
- national = sum of regions, for every answer and every denominator;
- a question's denominator is at most the region's complete responses (item non-response: a slack >= 0), and the
  regions' complete responses add up to the national number (the denominator of `moyens[...]`, always answered);
- a conditional question's denominator is at most its parent's cell: `duree_cdd` <= `contrat = CDD`,
  `quotite` <= `temps_travail = Temps partiel` (the difference is item non-response, a slack >= 0);
- a row missing from a region's table, when the table's shape depended on the count, is a count of 0, and a row
  present there is at least 1 (a fixed grid has no missing row, and the adapter then adds no such fact).
The protected counts are the regional cells, the `non` of `moyens[...]` and the conditional denominators (they are
parent cells up to non-response); the other denominators and the slacks only carry facts.

What the solver is not given: the roster's facts (each PTSM's employer and FTE by month, without any name). A
question whose subject the roster publishes per PTSM (`roster_published` in the catalogue: porteur, temps_travail,
quotite) has no regional breakdown at all, since the roster's counts plus a region's number of respondents pin its
cells; `roster_questions_published` checks that rule on what is published, in the same blocking check.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipelines.lib.catalogue.catalogue import regional_breakdown_notes
from pipelines.lib.quality.disclosure_audit import AuditResult, audit_report

# conditional question -> (parent question, parent answer): asked only of those respondents
CONDITIONAL = {"duree_cdd": ("contrat", "CDD"), "quotite": ("temps_travail", "Temps partiel")}


def _is_oui_only(question: str) -> bool:
    return question.startswith("moyens[")


def _known(row: Mapping) -> int | None:
    """A cell's count as a reader gets it: `n`, or `share × denominator` when only the share is visible."""
    if row.get("n") is not None:
        return int(row["n"])
    if row.get("share") is not None and row.get("denominator") is not None:
        return round(float(row["share"]) * int(row["denominator"]))
    return None


@dataclass
class SurveyAudit:
    result: AuditResult
    seconds: float
    roster_cells: tuple[str, ...] = ()  # French: published regional values of questions the roster publishes

    def messages(self) -> list[str]:
        """One French sentence per disclosed count, naming the cell as a reader finds it in the marts."""
        return [f.message(describe_cell(f.cell)) for f in self.result.findings] + list(self.roster_cells)


def roster_questions_published(regional: Iterable[Mapping]) -> list[str]:
    """One French sentence per row of survey_results_region that publishes a count, a share or a denominator of a
    question with no regional breakdown (the roster publishes its subject per PTSM: catalogue `roster_published`).

    Why a rule and not more facts for the solver: the roster describes the people in post at month ends, the survey
    those who answered in a wave; which of them answered is unknown, so the honest fact is an inequality per answer
    and region that still lets a published denominator pin a cell (tests/test_roster_disclosure.py works one out).
    Publishing nothing regional for those questions closes every such chain; this checks it holds."""
    questions = regional_breakdown_notes()
    return [f"{r['wave']}, région {r['region_code']}, {r['question']} = « {r['answer']} » : valeur régionale publiée "
            "alors que le recensement publie ce sujet par PTSM (la question n'a pas de résultat régional)"
            for r in regional
            if r["question"] in questions
            and any(r.get(c) is not None for c in ("n", "share", "denominator"))]


def describe_cell(cell: tuple) -> str:
    if cell[0] == "d":
        _, wave, region, question = cell
        return f"{wave}, région {region}, nombre de répondants à {question}"
    wave, region, question, answer = cell
    return f"{wave}, région {region}, {question} = « {answer} »"


def survey_facts(
    national: Iterable[Mapping], regional: Iterable[Mapping], regions: Iterable[str] | None = None
) -> tuple[dict, list, set]:
    """Cells, sums and protected cells for `disclosure_audit.audit_report`.

    `national`: rows of survey_results (wave, question, answer, n, denominator); `regional`: rows of
    survey_results_region (wave, region_code, question, answer, n, denominator, share); `regions`: every region
    the reader knows exists (default: those in `regional`), a region absent from a wave's table being read as
    having no respondent that wave.
    """
    national = list(national)
    regional = list(regional)
    region_list = sorted(set(regions) if regions is not None else {r["region_code"] for r in regional})
    cells: dict = {}
    sums: list = []
    protected: set = set()

    nat_n = {(r["wave"], r["question"], r["answer"]): int(r["n"]) for r in national}
    nat_d: dict = {}
    for r in national:
        nat_d[(r["wave"], r["question"])] = int(r["denominator"])
    published = {(r["wave"], r["region_code"], r["question"], r["answer"]): r for r in regional}
    published_d: dict = defaultdict(set)
    for r in regional:
        published_d[(r["wave"], r["region_code"], r["question"])].add(r.get("denominator"))

    # a question whose rows are missing in some group of a region: its row presence depends on the count, so a
    # present row says "at least 1" and a missing one says 0
    grid = {(w, q, a) for (w, q, a) in nat_n}
    shape_reveals = {
        q for (w, region, q) in published_d
        for (w2, q2, a) in grid if w2 == w and q2 == q and (w, region, q, a) not in published
    }

    waves = sorted({w for w, _, _ in nat_n})
    for wave in waves:
        questions: dict = defaultdict(list)
        for (w, q, a) in nat_n:
            if w == wave:
                questions[q].append(a)
        # the complete responses: the denominator of an always-answered moyens[...] item (a fact only when no
        # other question has more respondents, which holds for a real survey, not for every hand-made table)
        respondents_nat = max((nat_d[(wave, q)] for q in questions if _is_oui_only(q)), default=None)
        if respondents_nat is not None and respondents_nat < max(nat_d[(wave, q)] for q in questions):
            respondents_nat = None
        for region in region_list:
            responses = ("R", wave, region)
            cells[responses] = None
            for q, answers in questions.items():
                group = ("d", wave, region, q)
                if (wave, region, q) in published_d:
                    denominators = published_d[(wave, region, q)] - {None}
                    cells[group] = int(denominators.pop()) if denominators else None
                else:  # a group missing from a table whose shape depended on it: nobody answered
                    cells[group] = 0
                parts = []
                for a in answers:
                    key = (wave, region, q, a)
                    row = published.get(key)
                    # a row missing while the region has rows that wave: its count was 0 (shape depended on it)
                    if row is None:
                        cells[key] = 0
                    else:
                        known = _known(row)
                        cells[key] = known if known is not None else ((1, None) if q in shape_reveals else None)
                    protected.add(key)
                    parts.append(key)
                if _is_oui_only(q):
                    non = (wave, region, q, "non")
                    cells[non] = None
                    protected.add(non)
                    parts.append(non)
                sums.append((parts, group))
                slack = ("s", wave, region, q)
                cells[slack] = None
                if q in CONDITIONAL:
                    protected.add(group)  # linked below, once the parent cell exists
                else:
                    sums.append(([group, slack], responses))
        for q, answers in questions.items():
            for a in answers:
                sums.append(([(wave, region, q, a) for region in region_list], nat_n[(wave, q, a)]))
            sums.append(([("d", wave, region, q) for region in region_list], nat_d[(wave, q)]))
            if _is_oui_only(q):
                sums.append(([(wave, region, q, "non") for region in region_list],
                             nat_d[(wave, q)] - nat_n[(wave, q, "oui")]))
        if respondents_nat is not None:
            sums.append(([("R", wave, region) for region in region_list], respondents_nat))
    for wave in waves:
        for region in region_list:
            for q, (parent_q, parent_a) in CONDITIONAL.items():
                group, slack, parent = ("d", wave, region, q), ("s", wave, region, q), (wave, region, parent_q, parent_a)
                if group in cells and parent in cells:
                    sums.append(([group, slack], parent))
    return cells, sums, protected


def audit_survey(national, regional, regions=None, memo=None) -> SurveyAudit:
    """`memo`: a quality.proof_memo.ProofMemo, which skips facts already proved safe by the same code."""
    start = time.perf_counter()
    regional = list(regional)
    cells, sums, protected = survey_facts(national, regional, regions)
    result = (memo.audit if memo is not None else audit_report)(cells, sums, protected)
    return SurveyAudit(result, time.perf_counter() - start, tuple(roster_questions_published(regional)))


def known_regions(con) -> list[str]:
    """Every region the reader knows exists: the registry is published, a region absent from a wave has no row."""
    return sorted(r for (r,) in con.execute(
        "select distinct region_code from ref_ptsm_registry where region_code is not null").fetchall())


def query_rows(con, sql: str) -> list[dict]:
    """A query's rows as dicts (column -> value), as the audit and the secondary suppression read the marts."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def audit_marts(con, regions: Iterable[str] | None = None, schema: str = "marts", memo=None) -> SurveyAudit:
    """Audit the survey marts of a DuckDB warehouse (`schema`: marts, or the scratch schema before publication)."""
    national = query_rows(con, f"select wave, question, answer, n, denominator from {schema}.survey_results")
    regional = query_rows(con, "select wave, region_code, question, answer, n, denominator, share "
                               f"from {schema}.survey_results_region")
    return audit_survey(national, regional, regions, memo)
