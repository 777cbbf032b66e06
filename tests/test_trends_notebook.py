"""Notebook 05 (évolutions) renders on a publication with a single survey wave and single-date plans, saying what
cannot be shown yet, and on one with two waves, where only the significant change is called a change.

Both publications extend the notebook fixture publication (tests/fixtures/notebooks/make_marts.py: six PTSM, one
workbook date each, a single 2025 survey wave) with the time marts; the survey comparison is built by the real SQL
model from hand-made survey_results rows."""

from __future__ import annotations

import html
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.reports.notebooks import execute_notebook, notebook_paths, to_html
from sql_unit import build_model

NOTEBOOK = PROJECT_ROOT / "notebooks" / "05_evolutions.ipynb"
_spec = importlib.util.spec_from_file_location("nb_make_marts_trends",
                                               Path(__file__).parent / "fixtures" / "notebooks" / "make_marts.py")
_make_marts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_make_marts)

SURVEY_COLUMNS = "wave integer, question varchar, answer varchar, n bigint, denominator bigint, share double"


def _comparison(rows: list[tuple]) -> pd.DataFrame:
    """survey_wave_comparison built by the project's SQL from survey_results rows (wave, question, answer, n, den)."""
    seeded = [(w, q, a, n, d, n / d if d else None) for w, q, a, n, d in rows]
    import duckdb

    con = duckdb.connect()
    build_model("marts/survey_wave_comparison", {"marts.survey_results": (SURVEY_COLUMNS, seeded)}, con=con)
    frame = con.execute("select * from marts.survey_wave_comparison").df()
    con.close()
    return frame


def _add_marts(release: Path, marts: dict[str, pd.DataFrame]) -> None:
    for name, frame in marts.items():
        frame.to_parquet(release / f"{name}.parquet", index=False)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    manifest["marts"] = sorted(set(manifest["marts"]) | set(marts))
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _single_date_marts() -> dict[str, pd.DataFrame]:
    """The fixture's plans: one workbook per PTSM (2023-06-30 ... 2023-12-01), so no consecutive pair."""
    coverage = pd.DataFrame([
        # by hand from the fixture's workbook dates: PTSM-974 (2023-06-30) alone until September, then PTSM-22
        # (2023-09-01), PTSM-13 (2023-10-15), PTSM-01 (2023-11-30), PTSM-59-LIL (2023-12-01)
        dict(snapshot_date=pd.Timestamp(d).date(), priority=p, n_ptsm_with_plan=n, n_ptsm_covered=c,
             share_covered=c / n)
        for d, n in (("2023-06-30", 1), ("2023-07-31", 1), ("2023-08-31", 1), ("2023-09-30", 2), ("2023-10-31", 3),
                     ("2023-11-30", 4), ("2023-12-31", 5))
        for p, c in ((1, min(n, 3)), (2, min(n, 3)), (3, 1 if n >= 2 else 0), (4, 1), (5, 1), (6, 1 if n >= 5 else 0))
    ])
    milestones = pd.DataFrame([
        dict(snapshot_date=pd.Timestamp(d).date(), n_ptsm=6, n_ptsm_approved=a, n_ctsm_signed=s,
             share_approved=a / 6, share_ctsm_signed=s / 6)
        for d, a, s in (("2020-06-30", 6, 0), ("2020-07-31", 6, 0), ("2021-12-31", 6, 5))
    ])
    progress = pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
        ("ptsm_id", "object"), ("region_code", "object"), ("from_date", "object"), ("to_date", "object"),
        *((c, "int64") for c in ("n_actions_from", "n_actions_to", "n_new", "n_dropped", "n_started",
                                 "n_completed", "n_abandoned")))})
    return {"priority_coverage_monthly": coverage, "ptsm_milestones_monthly": milestones, "action_progress": progress}


def _render(tmp_path: Path, marts: dict[str, pd.DataFrame], monkeypatch) -> str:
    marts_dir = tmp_path / "marts"
    release = _make_marts.build(marts_dir)
    _add_marts(release, marts)
    monkeypatch.setenv("PTSM_REPORT_OUTPUT_DIR", str(tmp_path))
    nb = execute_notebook(NOTEBOOK, marts_dir)
    return to_html(nb)


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    # every run of whitespace, narrow no-break spaces included, becomes one space
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_notebook_is_numbered_and_stored_without_outputs():
    # picked up by the report rendering (NN_*.ipynb) and by tests/test_notebooks.py's harness
    assert NOTEBOOK in notebook_paths(PROJECT_ROOT / "notebooks")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_single_wave_and_single_date_plans_say_what_cannot_be_shown(tmp_path, monkeypatch):
    empty_comparison = _comparison([(2025, "contrat", "CDI", 6, 9), (2025, "contrat", "CDD", 0, 9)])
    assert empty_comparison.empty  # one wave: nothing to compare
    text = _text(_render(tmp_path, {**_single_date_marts(), "survey_wave_comparison": empty_comparison}, monkeypatch))
    assert "Une seule vague : aucune évolution ne peut encore être mesurée." in text
    assert "Aucun PTSM n'a encore transmis deux classeurs lisibles" in text
    # charts drawn: coverage over time, milestones, vacancy (no survey chart, no progress chart)
    assert re.findall(r"Graphique (\d+) –", text) == ["1", "2", "3"]
    assert "Lecture : Au 31 décembre 2023, 20 % des PTSM ayant un plan couvrent la priorité 3" in text
    assert "Au 31 décembre 2021, 6 PTSM sont arrêtés et 5 CTSM signés, sur 6 PTSM." in text
    assert "Données synthétiques" in text


@pytest.mark.slow
def test_two_waves_only_the_significant_change_is_called_a_change(tmp_path, monkeypatch):
    comparison = _comparison([
        # Newcombe's worked example (56/70 vs 48/80): significant, -20.0 points [-33.4 ; -5.2]
        (2023, "contrat", "CDI", 56, 70), (2023, "contrat", "CDD", 14, 70),
        (2025, "contrat", "CDI", 48, 80), (2025, "contrat", "CDD", 32, 80),
        # 1/2 vs 0/3: +50 points but [-19.3 ; +90.5] contains 0: not a change
        (2023, "enveloppe", "oui", 0, 3), (2023, "enveloppe", "non", 3, 3),
        (2025, "enveloppe", "oui", 1, 2), (2025, "enveloppe", "non", 1, 2),
        (2023, "moyens[ordinateur]", "oui", 60, 70), (2025, "moyens[ordinateur]", "oui", 70, 80),
        # 10/50 -> 20/50: significant on its own (p = 0.029) but not once six comparisons are corrected (Holm: at
        # best rank 5 of 6, 2 x 0.029 > 5 %), while CDI and CDD (p = 0.0080 each: 6 x 0.0080 = 0.048) survive
        (2023, "autres_missions", "oui", 10, 50), (2025, "autres_missions", "oui", 20, 50),
    ])
    text = _text(_render(tmp_path, {**_single_date_marts(), "survey_wave_comparison": comparison}, monkeypatch))
    assert "La vague 2025 (réponses complètes : 80) est comparée à la vague 2023 (réponses complètes : 70)." in text
    # CDI and its mirror CDD (14/70 -> 32/80, +20 points) are both significant; the yes/no mirror rule only drops "non"
    assert "2 évolutions significatives entre 2023 et 2025" in text
    assert ("Contrat : CDI : la part recule de 80 % (56/70) à 60 % (48/80), soit −20,0 pts "
            "[IC 95 % : −33,4 pts ; −5,2 pts].") in text  # (narrow no-break spaces read as spaces here)
    assert "Peut solliciter une enveloppe ARS : oui : la part" not in text  # +50 points, not significant
    assert "1 écart le serait pris isolément" in text  # autres_missions: not called a change
    assert re.findall(r"Graphique (\d+) –", text) == ["1", "2", "3", "4"]
