"""One writer at a time, readers never in the way, and blocking checks that fail loudly (real `ptsm` CLI).

One installation on the hand-made export set (tests/fixtures/exports/mini) is refreshed once; then:
- a second refresh started while one runs waits, gives up with exit code 3 and names the running one (its PID),
  while `ptsm export` and Parquet readers keep reading the published release and the running refresh succeeds;
- a refresh (in process) whose mart SQL is broken (PTSM_SQL_DIR pointing at a copy where `ptsm_overview` repeats a
  row) exits non-zero, names the failing expectations with their observed values, and leaves the previous release
  published.
"""

from __future__ import annotations

import re
import json
import shutil
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "reliability"))
from support import Installation, check_publication, copy_mini, kill_group  # noqa: E402
from pipeline_runner import sql_with_a_repeated_row  # noqa: E402


@pytest.fixture(scope="module")
def site(mini_run, tmp_path_factory) -> Installation:
    """A copy of the session's `mini_run` (the mini exports refreshed in process) with its own copy of the exports;
    the tests below run the real CLI against it."""
    assert mini_run.returncode == 0, mini_run.output
    root = tmp_path_factory.mktemp("runs")
    shutil.copytree(mini_run.root, root / "site", symlinks=True)  # relative links stay valid
    return Installation(root / "site", copy_mini(root / "raw"))


def _wait_for_lock_holder(lock: Path, pid: int, process, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if json.loads(lock.read_text() or "{}").get("pid") == pid:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"refresh {pid} never took the lock: {process.log_path.read_text()[-2000:]}")


@pytest.mark.slow
def test_a_second_refresh_gives_up_naming_the_running_one_and_readers_never_block(site, tmp_path):
    published_id, published_files = check_publication(site.marts)
    running = site.start("refresh", "--no-reports")
    try:
        _wait_for_lock_holder(Path(f"{site.db}.lock"), running.pid, running)

        second = site.run("refresh", "--no-reports", "--wait", "1")
        assert second.returncode == 3, second.stdout
        assert f"un autre rafraîchissement est en cours (PID {running.pid}, démarré le " in second.stdout
        assert f"verrou {site.db}.lock" in second.stdout

        # readers while the refresh runs: the ORS export and plain Parquet reads of the resolved release
        exports = 0
        while running.poll() is None or exports == 0:
            out = tmp_path / f"export{exports}"
            exported = site.run("export", "--region", "84", "--out", str(out))
            assert exported.returncode == 0, exported.stdout
            assert f"Publication source : `{published_id}`" in (out / "README.md").read_text(encoding="utf-8")
            release_id, files = check_publication(site.marts)
            assert (release_id, files) == (published_id, published_files)  # same inputs: same release
            for name in files:
                if name.endswith(".parquet"):
                    pq.read_table(site.marts / name)
            exports += 1
        assert running.wait(timeout=600) == 0, running.log_path.read_text()[-3000:]
    finally:
        if running.poll() is None:
            kill_group(running)
    log = running.log_path.read_text()
    assert "marts publiés dans" in log and re.search(r"contrôles qualité : [1-9]\d* réussis, 0 en échec", log)
    # the lock is free again: the next refresh runs
    assert site.refresh(in_process=True).returncode == 0




@pytest.mark.slow
def test_a_mart_breaking_its_expectations_fails_the_refresh_and_keeps_the_previous_release(site, tmp_path):
    before_id, before_files = check_publication(site.marts)
    manifest_before = (site.marts / "manifest.json").read_bytes()
    result = site.refresh(in_process=True, PTSM_SQL_DIR=str(sql_with_a_repeated_row(tmp_path / "sql")))
    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert "ÉCHEC marts/ptsm_overview:gx_ptsm_overview" in out
    # the failing expectations, each with what was observed
    assert "'expectation': 'expect_table_row_count_to_equal'" in out and "'observed_value': 105" in out
    assert "'expected_value': 104" in out
    assert "'expectation': 'expect_column_values_to_be_unique', 'column': 'ptsm_id'" in out
    assert "ÉCHEC : la publication précédente reste en place." in out
    assert "marts publiés dans" not in out
    # the broken mart was built in the scratch schema, then stopped by its check: the warehouse's marts and the
    # published release are untouched (before publication as one unit, marts.ptsm_overview kept the 105 rows)
    assert site.query("select count(*) from marts_next.ptsm_overview") == [(105,)]
    assert site.query("select count(*) from marts.ptsm_overview") == [(104,)]
    assert check_publication(site.marts) == (before_id, before_files)
    assert (site.marts / "manifest.json").read_bytes() == manifest_before
