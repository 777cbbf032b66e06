"""The blocking backtest: a new release is compared with the one published now, before it replaces it.

An export that arrives truncated, a drop copied half-way when the refresh started, a family folder left unmounted:
each passes the per-mart checks (the rows that are there are valid) but shrinks what the observatory counts. The
measures below are read from the release files themselves; publication stops when one of them falls by more than
its threshold, unless the operator accepts the drop (`ptsm refresh --accept-drop`, run tag `ptsm/accept_drop=true`).
Thresholds are documented in the README ("Publication and reliability").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import duckdb


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # French, as the operator reads it
    mart: str
    sql: str  # over `t`, the mart's Parquet file
    max_drop: float  # largest accepted relative fall (0.10 = 10 %)


MEASURES = (
    Measure("ptsm_with_plan", "PTSM ayant un plan d'actions", "ptsm_overview",
            "select count(*) from t where actions_snapshot_date is not null", 0.10),
    Measure("action_rows", "actions des plans en cours", "ptsm_actions", "select count(*) from t", 0.10),
    Measure("roster_posts", "postes de coordonnateur du dernier recensement", "coordinator_posts_national",
            "select coalesce(max(denominator), 0) from t where snapshot_date = (select max(snapshot_date) from t)", 0.10),
    Measure("survey_responses", "réponses complètes à la dernière vague de l'enquête", "survey_results",
            "select coalesce(max(denominator), 0) from t where wave = (select max(wave) from t)", 0.10),
    Measure("national_figures", "indicateurs nationaux calculables (published_comparison)", "published_comparison",
            "select count(*) from t where computed_value is not null", 0.10),
)


class BacktestBlocked(Exception):
    """The new release shrinks beyond a threshold; the message names every measure that fell."""


def measure(release: Path) -> dict[str, int | None]:
    """Each measure on the release folder's Parquet files (None when its mart or column is absent)."""
    counts: dict[str, int | None] = {}
    con = duckdb.connect()
    try:
        for m in MEASURES:
            path = Path(release) / f"{m.mart}.parquet"
            if not path.is_file():
                counts[m.key] = None
                continue
            try:
                query = f"with t as (select * from read_parquet($path)) {m.sql}"
                counts[m.key] = int(con.execute(query, {"path": str(path)}).fetchone()[0])
            except duckdb.BinderException:  # a column this measure needs is not in the mart
                counts[m.key] = None
    finally:
        con.close()
    return counts


def _pct(value: float) -> str:
    text = f"{value * 100:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "\u202f%"


def compare(previous: dict[str, Any] | None, current: dict[str, Any], *, accept_drop: bool,
            previous_id: str | None = None, seen: Callable[[], list[str]] | None = None) -> dict[str, Any]:
    """The verdict recorded in the manifest; raise `BacktestBlocked` when a drop is not accepted.

    `previous` is None for the first publication ("first") and when the current one is synthetic and this one
    is not, or the reverse ("not_compared": a sample is no baseline for real exports). `seen()`, called only when
    blocking, says what the exports folder shows (pipelines/lib/publish/gates.py: a copy in progress is the usual
    cause of a drop, so the refusal advises waiting before accepting)."""
    if previous is None:
        return {"verdict": "first" if previous_id is None else "not_compared", "compared_with": previous_id, "drops": [], "accepted_drop": accept_drop}
    drops = []
    for m in MEASURES:
        before, after = previous.get(m.key), current.get(m.key)
        if before is None or after is None or before <= 0:
            continue
        fall = (before - after) / before
        if fall > m.max_drop:
            drops.append({"measure": m.key, "label": m.label, "previous": before, "current": after,
                          "drop": round(fall, 4), "threshold": m.max_drop})
    if drops and not accept_drop:
        dropped = " ; ".join(
            f"{d['label']} {d['previous']} -> {d['current']} (-{_pct(d['drop'])}, seuil {_pct(d['threshold'])})"
            for d in drops)
        observed = seen() if seen is not None else []
        if observed:
            advice = (f"Constaté dans le dossier des exports : {' ; '.join(observed)}. Une copie semble en cours ou "
                      f"incomplète : attendez qu'elle se termine, le prochain rafraîchissement publiera sans option")
        else:
            advice = ("Si une copie des exports est en cours, attendez d'abord qu'elle se termine : le prochain "
                      "rafraîchissement publiera sans option")
        raise BacktestBlocked(
            f"Publication bloquée par le contrôle de non-régression : baisse par rapport à la publication en cours "
            f"{previous_id} : {dropped}. La publication précédente reste en place. {advice}. Seulement si la baisse "
            f"est voulue, relancez avec `ptsm refresh --accept-drop` (ou le tag de run Dagster ptsm/accept_drop=true)."
        )
    verdict = "accepted_drop" if drops else "passed"
    return {"verdict": verdict, "compared_with": previous_id, "drops": drops, "accepted_drop": accept_drop}
