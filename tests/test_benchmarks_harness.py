"""Smoke test of the benchmark harness (benchmarks/run.py): argument parsing and reading Dagster's step log.

The benchmarks themselves are not run by pytest (no timed assertions in tests)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("text, seconds", [("8.3ms", 0.0083), ("533ms", 0.533), ("5.6s", 5.6), ("4m52s", 292.0),
                                           ("1h4m", 3840.0)])
def test_dagster_durations(harness, text, seconds):
    assert harness.parse_duration(text) == pytest.approx(seconds)


def test_steps_are_summed_by_stage(harness):
    log = "\n".join([
        '... - raw_fiches_actions - STEP_SUCCESS - Finished execution of step "raw_fiches_actions" in 1.14s.',
        '... - STEP_SUCCESS - Finished execution of step "reference__ref_regions" in 102ms.',
        '... - STEP_SUCCESS - Finished execution of step "staging_fiches_actions" in 738ms.',
        '... - STEP_SUCCESS - Finished execution of step "staging__current_actions" in 62ms.',
        '... - STEP_SUCCESS - Finished execution of step "marts__ptsm_overview" in 187ms.',
        '... - STEP_SUCCESS - Finished execution of step "marts__ptsm_overview_gx_ptsm_overview" in 374ms.',
        '... - STEP_SUCCESS - Finished execution of step "publish__marts_release" in 315ms.',
        '... - STEP_SUCCESS - Finished execution of step "publish__reports" in 1m5s.',
    ])
    stages = harness.stage_times(log)
    assert stages == pytest.approx({"ingest": 1.242, "staging": 0.8, "marts": 0.187, "checks": 0.374,
                                    "publication": 0.315, "notebooks": 65.0})


def test_summary_line_is_read(harness):
    match = harness.PARSED_LINE.search("  fichiers analysés : 1 nouveaux ou modifiés, 146 inchangés (non relus)")
    assert (match["parsed"], match["unchanged"]) == ("1", "146")


def test_command_line(harness):
    assert "sample_cold" in harness.QUICK and set(harness.QUICK) <= set(harness.ALL)
    with pytest.raises(SystemExit):
        harness.main(["--only", "no_such_scenario"])
