"""Issue 22 §3: what a warm `ptsm refresh` no longer does twice (BENCHMARKS.md, round 6). The command runs the code
location that importing `pipelines.definitions` built when it is built for the same settings, and builds its own
when the environment changed since (tests, or a command pointed elsewhere)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipelines.lib.core.config import get_settings


def test_the_refresh_reuses_the_code_location_built_for_its_settings():
    from pipelines import definitions

    assert definitions.defs_for(get_settings()) is definitions.defs
    assert definitions.defs_for(dataclasses.replace(get_settings())) is definitions.defs  # equal, not the same object


def test_other_settings_get_their_own_code_location(tmp_path):
    from pipelines import definitions

    moved = dataclasses.replace(get_settings(), db_path=tmp_path / "other.duckdb", marts_dir=tmp_path / "marts")
    other = definitions.defs_for(moved)
    assert other is not definitions.defs
    assert Path(other.resources["duckdb"].database) == tmp_path / "other.duckdb"
    assert Path(other.resources["paths"].marts_dir) == tmp_path / "marts"
    assert Path(definitions.defs.resources["duckdb"].database) == get_settings().db_path


def test_a_run_s_collections_are_rarer_and_the_process_is_left_as_it_was():
    import gc

    import pytest

    from pipelines.lib.core.speedups import fewer_collections

    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with fewer_collections(threshold=12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0  # what existed before the run is never scanned during it
        cycle = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # the run's own garbage cycles are still freed
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), fewer_collections(threshold=54_321):
        raise RuntimeError("a failed run")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_objects_the_process_froze_itself_stay_frozen():
    import gc

    from pipelines.lib.core.speedups import fewer_collections

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with fewer_collections():
            pass
        # still frozen: an unfreeze would empty the permanent generation. Not `== frozen`: in a process that ran
        # other tests (`-n 0`), a thread they left may free a few frozen objects meanwhile (seen: 984,438 -> 984,436)
        assert gc.get_freeze_count() > 0.99 * frozen
    finally:
        gc.unfreeze()


def _iri_checked_after(module: str) -> str:
    """In a new interpreter: import `module`, then jsonschema; does jsonschema's format checker check `iri`?"""
    import subprocess
    import sys

    code = f"import {module}, jsonschema; print('iri' in jsonschema.FormatChecker.checkers)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.slow  # two new interpreters
def test_a_process_that_loads_the_code_location_skips_the_iri_grammar_and_the_api_keeps_it():
    # the code location (the CLI's refresh, Dagster's daemon, UI and run workers, the tests) hides rfc3987_syntax,
    # whose grammar costs ~1 CPU-second per process for a format no installed schema uses; the API does not
    assert _iri_checked_after("pipelines.definitions") == "False"
    assert _iri_checked_after("pipelines.api.app") == "True"
    import sys

    assert "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None  # this test process too
