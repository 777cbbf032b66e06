"""Shared test set-up: the tiers, the long budgets, Hypothesis profiles, and the two shared publications.

Tiers: `uv run pytest -m "not slow"` is the inner loop (see BENCHMARKS.md, "Test tiers"); `uv run pytest` (the README's
command, run by .ci/run) runs everything but the long budgets, across the two cores (`-n 2` in pyproject's addopts,
pytest-xdist). A test slower than ~3 s (a whole refresh, a subprocess, a daemon, a browser, a notebook) is marked
`slow`.

Long budgets: `uv run pytest --long` (or `PTSM_LONG_TESTS=1 uv run pytest`) also runs the tests marked `long` (the
daemon soak, the in-process twin of the sample CLI refresh...) and raises the budgets of the others: 300 Hypothesis
examples, every browser width, more crash kills. Run it before resolving an issue that touches refresh, publication,
reports or operations. Budgets read `budget.LONG` (tests/budget.py), set here from the option.

Hypothesis: 30 examples locally, 100 in CI (`CI=true`), 300 with `--long`; `HYPOTHESIS_PROFILE=<name>` forces one.
Every profile is derandomised and keeps no example database, so a failure replays the same way everywhere.

Shared publications (read them, never change them: a test that needs another state makes its own copy):
- `mini_run`: the hand-made exports (tests/fixtures/exports/mini) refreshed once per session (all xdist workers
  together), in process, no reports;
  `mini_copy`: a test's own copy of it, for a test that goes on from that first publication.
- `sample_release`: the committed synthetic sample published ONCE per session (all xdist workers together) by the
  README's first command, `ptsm refresh` with the reports, on an empty exports folder, its run recorded in a
  DAGSTER_HOME. Any test about what the sample publishes (marts, figures, reports, regional profiles, the CLI's
  output on the sample) takes this fixture instead of refreshing the sample again: a sample refresh with the reports
  costs minutes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import HealthCheck, settings

import budget
from pipeline_runner import MINI_EXPORTS, InProcessRun, Installation, Run, materialise


# The small fixtures cover 3 of the registry's 104 PTSM: their first publication would be held as partial
# (pipelines/lib/publish/gates.py). Tests of that hold set the threshold back themselves.
os.environ.setdefault("PTSM_FIRST_RELEASE_MIN_PLAN_SHARE", "0")

# `pipelines.definitions.defs`, the process's module-level code location, is built on the module's first import from
# the environment of that moment. Imported here, in the session's environment (the line above included) and before
# any test sets PTSM_* for an installation of its own: a test that imported it first under its patched environment
# (the freshness job of test_automation_alerts) left every later test of its worker with that installation's code
# location (test_refresh_floor failed after it in one worker).
import pipelines.definitions  # noqa: E402, F401

_COMMON = dict(deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, **_COMMON)
settings.register_profile("ci", max_examples=100, **_COMMON)
settings.register_profile("long", max_examples=300, **_COMMON)
_IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", default=False,
                     help="also run the tests marked `long` and the long budgets (same as PTSM_LONG_TESTS=1)")


def pytest_configure(config):
    if config.getoption("--long"):
        os.environ[budget.ENV] = "1"  # test modules (imported later) and xdist workers read it
    budget.LONG = budget.from_environment()
    profile = "long" if budget.LONG else ("ci" if _IN_CI else "dev")
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or profile)


def pytest_collection_modifyitems(config, items):
    _order_by_cost(items)
    if budget.LONG:
        return
    skip = pytest.mark.skip(reason="long budget: run with `uv run pytest --long` (or PTSM_LONG_TESTS=1)")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


# What each costly test file took on one worker in the whole-suite run of 2026-12-07 02:00 (`--durations=120`, the
# machine under load 12-30: about 4 times a quiet machine's seconds; BENCHMARKS.md "Round 5 (suite4)"); files not
# listed take a few seconds. Only the ORDER matters: the costliest files start first, so that the two workers finish
# together instead of one of them starting a five-minute file while the other has nothing left (xdist hands out whole
# files in the collection's order: `--no-loadscope-reorder` in pyproject's addopts). Re-measure when a file's cost
# changes a lot.
MODULE_SECONDS = {
    "tests/test_reliability_crash.py": 682,
    "tests/test_release_pipeline.py": 592,
    "tests/test_automation_lock.py": 377,
    "tests/test_page_checks.py": 346,
    "tests/test_hostile_inputs.py": 343,
    "tests/test_disclosure_check.py": 320,
    "tests/test_pipeline_mini.py": 250,
    "tests/test_one_bad_cell.py": 234,
    "tests/test_dagster_postgres.py": 221,
    "tests/test_pipeline_rule_change.py": 213,
    "tests/test_reliability_runs.py": 195,
    "tests/test_publication_gates.py": 160,
    "tests/test_trends_notebook.py": 150,
    "tests/test_publication_hold.py": 136,
    "tests/test_automation_sample.py": 101,
    "tests/test_backtest.py": 99,
    "tests/test_survey_subsets.py": 87,
    "tests/test_notebooks.py": 82,
    "tests/test_privacy.py": 82,
    "tests/test_portal_browser.py": 64,
    "tests/test_synthetic_exports.py": 63,
    "tests/test_inputs_refresh.py": 60,
    "tests/test_daemon_health.py": 58,
    "tests/test_ptsm_reviews.py": 55,
    "tests/test_secondary_suppression.py": 53,
    "tests/test_regional_profile.py": 52,
    "tests/test_plotly_toolbar.py": 48,
    "tests/test_portal_refresh.py": 42,
}


def _order_by_cost(items: list) -> None:
    """Files whole (loadfile), in an order that keeps both workers busy to the end. First the test file with the most
    tests reading `sample_release` (its worker starts the sample refresh at once, a few minutes on one core); then the
    files that do not read it, costliest first (MODULE_SECONDS), on the other worker meanwhile; the other files
    reading the release last (it is ready by then), so no worker sits waiting on its lock while it has other files to
    run. The same order on every worker (xdist requires it)."""
    def module(item) -> str:
        return item.nodeid.split("::")[0]

    order = list(dict.fromkeys(module(i) for i in items))
    users = [module(i) for i in items if "sample_release" in getattr(i, "fixturenames", ())]
    first = [max(dict.fromkeys(users), key=users.count)] if users else []  # the earliest of the largest
    late = set(users) - set(first)

    def rank(name: str) -> tuple:
        return (name not in first, name in late, -MODULE_SECONDS.get(name, 0), order.index(name))

    position = {name: i for i, name in enumerate(sorted(order, key=rank))}
    items.sort(key=lambda i: position[module(i)])  # stable: a file's tests keep their order


def _session_folder(tmp_path_factory, worker_id) -> Path:
    """The folder shared by every worker of this session (xdist's workers each have their own temporary folder in
    it), or this process's own temporary folder without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != "master" else base


@pytest.fixture(scope="session")
def mini_run(tmp_path_factory, worker_id) -> InProcessRun:
    """The mini export set (tests/fixtures/exports/mini) refreshed once for the whole session, in process, by the
    first worker to ask (the other waits on a file lock, then both read it). Read it, never change it: a test that
    needs another state makes its own copy."""
    base = _session_folder(tmp_path_factory, worker_id)
    root = base / "mini-session"
    with FileLock(str(base / "mini-session.lock")):
        outcome = root / "refresh.json"
        if not outcome.exists():
            raw = root / "raw"
            shutil.copytree(MINI_EXPORTS, raw)
            run = materialise(root / "site", raw)
            outcome.write_text(json.dumps({"returncode": run.returncode, "output": run.output}), encoding="utf-8")
    recorded = json.loads(outcome.read_text(encoding="utf-8"))
    run = InProcessRun(root / "site", root / "raw", recorded["returncode"], recorded["output"])
    assert run.returncode == 0, run.output
    return run


@pytest.fixture
def mini_copy(mini_run, tmp_path) -> Installation:
    """A copy of `mini_run` under `tmp_path/site`, its exports a fresh copy of the mini set in `site/raw`: for a test
    whose first step would be that refresh from scratch. The ledger knows files by their exports folder: the copy's
    next refresh reads every file again (as after the exports folder moved), so a test that counts files left
    unchanged refreshes its own installation instead."""
    assert mini_run.returncode == 0, mini_run.output
    root = Path(shutil.copytree(mini_run.root, tmp_path / "site", symlinks=True))  # relative links stay valid
    return Installation(root, Path(shutil.copytree(MINI_EXPORTS, root / "raw")))


class SampleRelease(Run):
    """The session's sample installation: `Run` (marts, reports, query, output of the refresh) plus its Dagster
    instance folder."""

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"


@pytest.fixture(scope="session")
def sample_release(tmp_path_factory, worker_id) -> SampleRelease:
    """`ptsm refresh` (with the reports) on an empty exports folder: the committed synthetic sample, published once
    for the whole session. Under xdist the first worker to ask builds it in the session's shared temporary folder
    while the other waits on a file lock, then both read the same installation. Read it, never change it."""
    base = _session_folder(tmp_path_factory, worker_id)
    root = base / "sample-release"
    with FileLock(str(base / "sample-release.lock")):
        outcome = root / "refresh.json"
        if not outcome.exists():
            (root / "raw").mkdir(parents=True)
            home = root / "dagster_home"
            home.mkdir()
            (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
            site = SampleRelease(root, root / "raw", extra_env={"DAGSTER_HOME": str(home)})
            # with the notebooks and their page check, as a newcomer's first `ptsm refresh`
            result = site.run("refresh", timeout=1800)
            outcome.write_text(json.dumps({"returncode": result.returncode, "output": result.stdout}),
                               encoding="utf-8")
    recorded = json.loads(outcome.read_text(encoding="utf-8"))
    site = SampleRelease(root, root / "raw", extra_env={"DAGSTER_HOME": str(root / "dagster_home")},
                         returncode=recorded["returncode"], output=recorded["output"])
    assert site.returncode == 0, site.output
    return site


@pytest.fixture(scope="session")
def sample_site(sample_release) -> Path:
    """The published site of the session's sample release (`render_all` ran inside its `ptsm refresh`: the 18 regional
    profiles, the numbered reports, the home page, the curated `donnees/` folder, one A4 PDF per page, the PTSM
    reviews). Read it, never change it."""
    return sample_release.root / "reports"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module, launched as the page check launches it (/usr/bin/chromium, never a
    downloaded browser: pipelines.lib.reports.report_check.launch)."""
    from playwright.sync_api import sync_playwright

    from pipelines.lib.reports.report_check import launch

    with sync_playwright() as p:
        instance = launch(p)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def tab(browser):
    """One offline tab of the module's browser that opens page after page, as the release's page check does
    (report_check.Tab: print media and viewport reset, each event charged to its own page): plotly.js is compiled
    once per module instead of once per page opened in a fresh context (~2 s of CPU a page)."""
    from pipelines.lib.reports.report_check import Tab

    shared = Tab(browser)
    yield shared
    shared.close()
