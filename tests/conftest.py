"""Shared test set-up: the two tiers, Hypothesis profiles and the one in-process materialisation of the mini fixtures.

Tiers: `uv run pytest -m "not slow"` is the inner loop (see BENCHMARKS.md, "Test tiers"); `uv run pytest` (the README's
command, run by .ci/run) runs everything. A test slower than ~3 s (a whole refresh, a subprocess, a daemon, a browser,
a notebook) is marked `slow`.

Hypothesis: few examples locally, more in CI (`CI=true`); `HYPOTHESIS_PROFILE=ci` asks for the CI budget locally.
Every profile is derandomised and keeps no example database, so a failure replays the same way everywhere.
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

from pipeline_runner import MINI_EXPORTS, InProcessRun, materialise

_COMMON = dict(deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, **_COMMON)
settings.register_profile("ci", max_examples=300, **_COMMON)
_IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _IN_CI else "dev"))


@pytest.fixture(scope="session")
def mini_run(tmp_path_factory) -> InProcessRun:
    """The mini export set (tests/fixtures/exports/mini) refreshed once for the whole session. Read it, never change
    it: a test that needs another state makes its own copy."""
    root = tmp_path_factory.mktemp("mini-session")
    raw = root / "raw"
    shutil.copytree(MINI_EXPORTS, raw)
    run = materialise(root / "site", raw)
    assert run.returncode == 0, run.output
    return run


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory):
    """The committed synthetic sample refreshed (the real CLI), then the real report step (`render_all`: the 18
    regional profiles, the numbered reports, the home page, the curated `donnees/` folder and one A4 PDF per page)
    into a folder of its own, ONCE per session: rendering takes minutes, so every test that reads the published site
    shares this one. Read it, never change it."""
    from pipeline_runner import Run
    from pipelines.defs.publish.reports import render_all
    from pipelines.lib.core.config import PROJECT_ROOT

    root = tmp_path_factory.mktemp("sample-site")
    raw = root / "raw"
    raw.mkdir()
    run = Run(root, raw).refresh()
    assert run.returncode == 0, run.output
    out = root / "out"
    render_all(PROJECT_ROOT / "notebooks", run.marts, out)
    return out
