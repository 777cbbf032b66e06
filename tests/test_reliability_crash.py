"""Crash safety and determinism of the real `ptsm refresh` (subprocesses on the hand-made export set).

Two input states alternate: A (tests/fixtures/exports/mini) and B (A plus one newer action workbook), so every
refresh has something new to publish. Reference publications of A and B come from uninterrupted runs from scratch.
Then an installation is refreshed again and again and SIGKILLed (seeded: PTSM_CRASH_SEED) in each phase that matters:
while the exports are read (the run's `raw_exports`/`staging_rows` steps have started), while the marts are built
(at a random one of its `marts__` steps, seen in the run's step-by-step log) and right inside the publication step
(spotted when its temporary release folder appears); the kill while the reports are rendered is
tests/test_release_pipeline.py's. After every kill: the published folder is exactly the previous release or the new
one, byte for byte, and the warehouse opens. At the end, uninterrupted reruns publish marts byte-identical to the
references.

Default: one installation, one kill per phase (3 kills). With the long budgets (`--long`, tests/budget.py) a second
installation is killed concurrently, and each also takes PTSM_CRASH_TRIALS kills at random moments (20) and
PTSM_CRASH_PUBLICATION_TRIALS more inside the publication (5); set them for a longer hunt, e.g. PTSM_CRASH_TRIALS=50.
"""

from __future__ import annotations

import re
import json
import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import budget

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "reliability"))
from support import (  # noqa: E402
    Installation,
    check_publication,
    check_warehouse_opens,
    copy_mini,
    kill_group,
)

SEED = int(os.environ.get("PTSM_CRASH_SEED", "20240"))
# Kills per site on top of one per phase (PHASES): none by default, 20 at random moments + 5 more inside the
# publication with the long budgets (`--long`, tests/budget.py), where a second site is killed concurrently.
RANDOM_TRIALS = int(os.environ.get("PTSM_CRASH_TRIALS", "20" if budget.LONG else "0"))
PUBLICATION_TRIALS = int(os.environ.get("PTSM_CRASH_PUBLICATION_TRIALS", "5" if budget.LONG else "0"))
# the phases of a `ptsm refresh --no-reports` every run kills once in: reading the exports, building the marts,
# publishing them (rendering the reports: tests/test_release_pipeline.py)
PHASES = ("ingest", "marts", "publication")
SITES = 2 if budget.LONG else 1
# the step-by-step log lines (`ptsm refresh --verbose`) that say a phase has started
INGEST_STEPS = (" - raw_exports - STEP_START", " - staging_rows - STEP_START")
MARTS_STEP = re.compile(r" - marts__\w+ - STEP_START")
EXTRA_WORKBOOK = ("fiches_actions/ptsm03_2021-12-01.xlsx", "fiches_actions/ptsm03_2022-03-15.xlsx")


def set_input(raw: Path, state: str) -> None:
    """State A is the mini export set; state B adds a newer PTSM-03 workbook (different marts)."""
    source, extra = (raw / EXTRA_WORKBOOK[0]), (raw / EXTRA_WORKBOOK[1])
    if state == "B" and not extra.exists():
        # copy2 keeps the file's time: the same inputs arrive at the same time in every installation, as
        # collection_status (arrival order, an internal mart of the release) needs for the same release id
        shutil.copy2(source, extra)
    if state == "A":
        extra.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def refs(mini_run, tmp_path_factory):
    """Uninterrupted runs from scratch on A and on B, one installation's key: A is the session's `mini_run` (the mini
    exports refreshed in this process), B is refreshed here the same way (`ptsm refresh` through `main`) with
    mini_run's key, which the kills below share. In this process: the references need no process of their own, the
    kills below do; the chains' runs differ from them in hash seed and time zone."""
    base = tmp_path_factory.mktemp("references")
    secret = mini_run.root / "secret"  # read, never changed: the key exists since mini_run's refresh
    raw = copy_mini(base / "raw_B")
    set_input(raw, "B")
    started = time.monotonic()
    result = Installation(base / "B", raw, secret_dir=secret).refresh(in_process=True)
    assert result.returncode == 0, result.stdout
    duration = time.monotonic() - started
    marts = {"A": mini_run.marts, "B": base / "B" / "marts"}
    published = {state: check_publication(folder) for state, folder in marts.items()}
    assert published["A"][0] != published["B"][0]  # the two states really publish different marts
    return {"secret": secret, "published": published, "duration": duration, "marts": marts}


@pytest.fixture(scope="module")
def chains(refs, tmp_path_factory):
    """Two installations the kills are aimed at (killed concurrently, one per core), each first refreshed once
    on A without interruption; how long that took bounds the random kill delays."""
    root = tmp_path_factory.mktemp("crash")
    sites = [Installation(root / f"site{i}", copy_mini(root / f"raw{i}"), secret_dir=refs["secret"])
             for i in range(1, SITES + 1)]
    started = time.monotonic()
    processes = [site.start("refresh", "--no-reports", PYTHONHASHSEED=seed, TZ=zone)
                 for site, seed, zone in zip(sites, ("2", "3"), ("Pacific/Auckland", "America/Cayenne"))]
    for process in processes:
        assert process.wait(timeout=600) == 0, process.log_path.read_text()
    return sites, time.monotonic() - started


@pytest.mark.slow
def test_runs_on_the_same_inputs_publish_byte_identical_marts(refs, chains):
    # runs from scratch in different folders, with different hash seeds and time zones: the reference in this
    # process and each site's first run in a process of its own (one by default, two with the long budgets)
    reference_id, reference_files = refs["published"]["A"]
    reference = json.loads((refs["marts"]["A"] / "manifest.json").read_text(encoding="utf-8"))
    assert {"DICTIONNAIRE.md", "dictionary.json", "quality_report.parquet", "quality_report.csv",
            "ptsm_overview.parquet", "ptsm_overview.csv"} <= set(reference_files)
    for site in chains[0]:
        release_id, files = check_publication(site.marts)
        assert sorted(files) == sorted(reference_files)
        assert [name for name in files if files[name] != reference_files[name]] == []
        assert release_id == reference_id
        # the run timestamp and input folder live in the manifest only
        manifest = json.loads((site.marts / "manifest.json").read_text(encoding="utf-8"))
        run_facts = ("produced_at", "input_dir", "run_id", "checked_at", "checked_run_id")  # when, which run, its folder
        assert {k: v for k, v in manifest.items() if k not in run_facts} == \
            {k: v for k, v in reference.items() if k not in run_facts}


def _wait_for_publication(process, releases: Path, known: set[str], limit: float) -> bool:
    """Poll (1 ms) until this run creates its temporary release folder; False if the run ended first."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        try:
            names = {e.name for e in os.scandir(releases) if e.name.startswith(".tmp-")}
        except FileNotFoundError:
            names = set()
        if names - known:
            return True
        time.sleep(0.001)
    return False


def _wait_for_step(process, phase: str, steps: int) -> bool:
    """Poll (5 ms) the run's step-by-step log until the `steps`-th step of `phase` starts; False if the run ended
    first."""
    while process.poll() is None:
        text = process.log_path.read_text(encoding="utf-8", errors="replace")
        if phase == "ingest":
            seen = sum(text.count(marker) for marker in INGEST_STEPS)
        else:
            seen = len(MARTS_STEP.findall(text))
        if seen >= steps:
            return True
        time.sleep(0.005)
    return False


def _kill_trials(site: Installation, refs, window: float, rng: random.Random, modes: list[str], label: str) -> list:
    published = refs["published"]
    by_id = {release_id: (state, files) for state, (release_id, files) in published.items()}
    state = "A"
    history = []
    for trial, mode in enumerate(modes):
        target = "B" if state == "A" else "A"
        set_input(site.raw_dir, target)
        before, _ = check_publication(site.marts)
        known = {p.name for p in site.releases.glob(".tmp-*")}
        if mode in ("ingest", "marts"):  # the step-by-step log says where the run is
            process = site.start("refresh", "--no-reports", "--verbose")
        else:
            process = site.start("refresh", "--no-reports")
        if mode == "random":
            delay = rng.uniform(0.2, window)
            try:
                process.wait(timeout=delay)  # a run that ends sooner is not waited for
            except subprocess.TimeoutExpired:
                pass
            point = f"{delay:.2f} s"
        elif mode == "ingest":  # its two steps take about a second together on the mini exports
            steps = rng.randint(1, 2)
            seen = _wait_for_step(process, mode, steps)
            delay = rng.uniform(0.0, 0.3)
            time.sleep(delay)
            point = f"ingest step {steps} + {delay * 1000:.0f} ms" if seen else "run ended before ingest was seen"
        elif mode == "marts":  # 21 steps, a mart and its checks each, a few hundred ms each
            steps = rng.randint(1, 21)
            seen = _wait_for_step(process, mode, steps)
            delay = rng.uniform(0.0, 0.1)
            time.sleep(delay)
            point = f"marts step {steps} + {delay * 1000:.0f} ms" if seen else "run ended before the marts were seen"
        else:
            seen = _wait_for_publication(process, site.releases, known, limit=4 * window)
            delay = rng.uniform(0.0, 0.6)  # the publication step takes a few hundred ms
            time.sleep(delay)
            point = f"publication + {delay * 1000:.0f} ms" if seen else "run ended before publication was seen"
        finished = process.poll() is not None
        kill_group(process)
        context = f"seed {SEED}, {label} trial {trial} ({mode}, {point}, {'finished' if finished else 'killed'}) -> {target}"
        assert not finished or process.returncode == 0, f"{context}: {process.log_path.read_text()[-3000:]}"
        after, files = check_publication(site.marts)
        assert after in (before, published[target][0]), context
        assert files == by_id[after][1], context
        check_warehouse_opens(site.db, site.root / "db-copy")
        history.append((label, trial, mode, point, finished, by_id[after][0]))
        state = target
    return history, state


def _without_arrivals(files: dict[str, str]) -> dict[str, str]:
    """The published files but the internal collection status (arrival times of the dropped files)."""
    return {name: digest for name, digest in files.items() if not name.startswith("collection_status.")}


@pytest.mark.slow
def test_sigkill_at_random_points_leaves_a_whole_publication_and_a_working_warehouse(refs, chains):
    sites, window = chains
    rng = random.Random(SEED)
    plans = []
    for index, site in enumerate(sites):
        modes = ["random"] * RANDOM_TRIALS + ["publication"] * PUBLICATION_TRIALS
        rng.shuffle(modes)
        modes = [*PHASES, *modes]  # one kill in each phase first, on every site
        plans.append((site, random.Random(rng.random()), modes, f"site{index + 1}"))
    with ThreadPoolExecutor(max_workers=len(sites)) as pool:
        futures = [pool.submit(_kill_trials, site, refs, window, trial_rng, modes, label)
                   for site, trial_rng, modes, label in plans]
        outcomes = [future.result() for future in futures]
    for history, _ in outcomes:
        print("\n".join(str(h) for h in history))
    # the trials did what they are for: some runs were killed before they ended, and the publication step was
    # caught in the act (its temporary release folder seen); runs that always finished first would prove nothing
    trials = [trial for history, _ in outcomes for trial in history]
    assert len(trials) == len(sites) * (len(PHASES) + RANDOM_TRIALS + PUBLICATION_TRIALS)
    assert any(not finished for _, _, _, _, finished, _ in trials), trials
    for phase in PHASES:  # every phase was caught in the act; the runs killed while reading or building, for sure
        caught = [finished for _, _, mode, point, finished, _ in trials if mode == phase and point.startswith(phase)]
        assert caught and (phase == "publication" or not all(caught)), trials

    # uninterrupted reruns from whatever the last kill left: byte-identical to the references, for both states
    published = refs["published"]
    for site, (_, state) in zip(sites, outcomes):
        for final in (state, "B" if state == "A" else "A"):
            set_input(site.raw_dir, final)
            result = site.refresh(in_process=True)  # uninterrupted: no process of its own needed
            assert result.returncode == 0, result.stdout
            assert re.search(r"contrôles qualité : [1-9]\d* réussis, 0 en échec", result.stdout)
            release_id, files = check_publication(site.marts)
            # every published file byte-identical to the reference; collection_status aside, since it records when
            # each file arrived (switching the inputs drops them anew): with it, the release id may differ
            assert _without_arrivals(files) == _without_arrivals(published[final][1]), \
                f"seed {SEED}: rerun on {final} differs"
            assert list(site.releases.glob(".tmp-*")) == []  # leftovers of killed publications are cleaned up
