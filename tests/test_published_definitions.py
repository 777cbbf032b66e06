"""The definition table of published figures (data/reference/published_figures.csv) and its documentation agree."""

from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = list(csv.DictReader((ROOT / "data" / "reference" / "published_figures.csv").open(encoding="utf-8")))
DOC = (ROOT / "docs" / "published_comparison.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end > 0 else None]


def test_every_percent_figure_states_its_denominator_and_the_docs_repeat_it():
    percents = {f["figure_id"]: f["denominator"] for f in FIGURES if f["unit"].startswith("percent")}
    assert len(percents) == 34 and all(percents.values())
    documented = dict(re.findall(r"^\| (\w+) \| (.+) \|$", section("Denominator of each percent figure"), re.M))
    documented.pop("figure_id")
    assert documented == percents


def test_figures_from_reference_data_alone_are_marked_and_listed():
    assert {f["computed_from"] for f in FIGURES} == {"exports", "reference", "none"}
    reference = {f["figure_id"] for f in FIGURES if f["computed_from"] == "reference"}
    assert reference == {"ptsm_count", "ptsm_count_ara", "ptsm_count_na", "ptsm_pop_min", "ptsm_pop_max"}
    assert set(re.findall(r"^- `(\w+)`", section("Figures from the reference data alone"), re.M)) == reference


def test_survey_share_filters_name_a_question_and_its_answers():
    shares = [f for f in FIGURES if f["mart"] == "survey_results" and f["measure"] == "share"]
    assert len(shares) == 30
    for figure in shares:
        assert re.fullmatch(r"[a-z_\[\]]+: [^|:]+(\|[^|:]+)*", figure["filter"]), figure
