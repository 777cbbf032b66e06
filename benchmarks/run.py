"""Benchmark harness: floors and `ptsm refresh` scenarios, medians of N runs, written to BENCHMARKS.md.

    uv run python benchmarks/run.py            # everything, 5 runs per scenario (about 25 minutes on 2 cores)
    uv run python benchmarks/run.py --quick    # smoke test: 1 run, no history x60, no notebooks
    uv run python benchmarks/run.py --only sample_cold sample_warm --runs 3

Every run is a separate process started from here with the project's interpreter (`python -m pipelines.cli
refresh`, i.e. what `uv run ptsm refresh` runs, without uv's own start-up, which is measured apart). Wall time
is measured around the process; peak RSS is the largest sum of the RSS of the process and its children,
sampled every 50 ms from /proc (Linux), and at least the kernel's `ru_maxrss` of the process.
The split by stage comes from Dagster's own step events ("Finished execution of step ... in ...").

The import floor, the parse floor and the first sample refresh are interleaved run by run (their ratio is a
target, so they share the machine's load). Inputs are generated once into the work folder (default /tmp/ptsm-bench) with the sample generator:
history xN = N snapshots of every workbook, volume xN = N times more actions per PTSM.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GIB = 1024**3

STAGES = ["ingest", "staging", "marts", "checks", "publication", "notebooks"]
STEP_LINE = re.compile(r'Finished execution of step "(?P<step>[^"]+)" in (?P<duration>[0-9hms.]+)\.')
PARSED_LINE = re.compile(r"fichiers analysés : (?P<parsed>\d+) nouveaux ou modifiés, (?P<unchanged>\d+) inchangés")


# ---------------------------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    wall: float
    rss: int                    # bytes
    returncode: int
    stages: dict[str, float] = field(default_factory=dict)
    parsed: int | None = None
    unchanged: int | None = None
    output: str = ""


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _tree_rss(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(current))
    return total


def measure(command: list[str], env: dict[str, str] | None = None) -> Measure:
    """Run one command to completion; wall time, peak tree RSS, output."""
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"ptsm-bench-{os.getpid()}.log"
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(process.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(errors="replace")
    log.unlink()
    result = Measure(wall=wall, rss=max(peak, usage.ru_maxrss * 1024), returncode=process.returncode, output=output)
    result.stages = stage_times(output)
    match = PARSED_LINE.search(output)
    if match:
        result.parsed, result.unchanged = int(match["parsed"]), int(match["unchanged"])
    return result


def parse_duration(text: str) -> float:
    """Dagster's format_duration ('8.3ms', '533ms', '5.6s', '4m52s', '1h4m') -> seconds."""
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    seconds = 0.0
    for value, unit in re.findall(r"([0-9.]+)([hms])", text):
        seconds += float(value) * {"h": 3600, "m": 60, "s": 1}[unit]
    return seconds


def stage_of(step: str) -> str:
    """Dagster step key -> stage. Reference tables are read with the exports: they count as ingest. The checks run
    in their marts' steps (marts); `checks` is the steps of checks of their own, in runs of code before that."""
    if step.startswith(("raw_", "reference__")):
        return "ingest"
    if step.startswith("staging"):
        return "staging"
    if step.startswith("marts__"):
        return "checks" if "_gx_" in step else "marts"
    if step == "publish__reports":
        return "notebooks"
    if step.startswith("publish__"):
        return "publication"
    return "other"


def stage_times(output: str) -> dict[str, float]:
    stages: dict[str, float] = {}
    for match in STEP_LINE.finditer(output):
        stage = stage_of(match["step"])
        stages[stage] = stages.get(stage, 0.0) + parse_duration(match["duration"])
    return stages


# ---------------------------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    name: str
    label: str
    runs: list[Measure] = field(default_factory=list)
    note: str = ""

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in self.runs)

    def stage_median(self, stage: str) -> float | None:
        values = [r.stages[stage] for r in self.runs if stage in r.stages]
        return statistics.median(values) if values else None


class Bench:
    def __init__(self, work: Path, runs: int, verbose: bool) -> None:
        self.work, self.runs, self.verbose = work, runs, verbose
        self.scenarios: dict[str, Scenario] = {}

    def say(self, text: str) -> None:
        print(text, flush=True)

    # inputs -------------------------------------------------------------------------------------------

    def inputs(self, name: str, history: int = 1, volume: int = 1) -> Path:
        """The sample generated with the given factors, cached in the work folder."""
        folder = self.work / "inputs" / name
        stamp = folder / ".generated"
        if stamp.exists():
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        self.say(f"  generating {name} (history x{history}, volume x{volume}) ...")
        started = time.perf_counter()
        subprocess.run([PYTHON, "-m", "pipelines.cli", "sample", "--out", str(folder), "--history", str(history),
                        "--volume", str(volume)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        stamp.write_text(f"{time.perf_counter() - started:.1f}")
        return folder

    # environments -------------------------------------------------------------------------------------

    def env(self, state: Path, raw: Path | None) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PTSM_RAW_DIR": str(raw if raw is not None else state / "no-exports"),  # empty: the sample is read
            "PTSM_DB": str(state / "warehouse.duckdb"),
            "PTSM_MARTS_DIR": str(state / "marts"),
            "PTSM_REPORTS_DIR": str(state / "reports"),
            "PTSM_SECRET_DIR": str(state / "secret"),
            # the generated samples stand in for real exports here: read them instead of refusing them as synthetic
            "PTSM_ACCEPT_SYNTHETIC_EXPORTS": "true",
        })
        return env

    def fresh_state(self, name: str) -> Path:
        state = self.work / "state" / name
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(state.parent / ".marts-releases", ignore_errors=True)
        state.mkdir(parents=True)
        return state

    # running ------------------------------------------------------------------------------------------

    def record(self, scenario: Scenario, result: Measure) -> None:
        if result.returncode != 0:
            tail = "\n".join(result.output.splitlines()[-30:])
            raise SystemExit(f"{scenario.name}: the command failed ({result.returncode}):\n{tail}")
        scenario.runs.append(result)
        stages = ", ".join(f"{k} {v:.1f}" for k, v in result.stages.items())
        parsed = f", parsed {result.parsed}/unchanged {result.unchanged}" if result.parsed is not None else ""
        self.say(f"    run {len(scenario.runs)}: {result.wall:.1f} s, {result.rss / GIB:.2f} GiB{parsed}"
                 + (f" [{stages}]" if stages else ""))

    def scenario(self, name: str, label: str) -> Scenario:
        self.say(f"* {name}: {label}")
        return self.scenarios.setdefault(name, Scenario(name, label))

    def floor_import(self) -> None:
        s = self.scenario("import_floor", "bare process importing the libraries the refresh imports")
        for _ in range(self.runs):
            self.record(s, measure([PYTHON, "benchmarks/floors.py", "import"]))

    def floor_parse(self, name: str, raw: Path, label: str) -> None:
        s = self.scenario(name, label)
        for _ in range(self.runs):
            self.record(s, measure([PYTHON, "benchmarks/floors.py", "parse", str(raw)]))

    def floors_and_sample_cold(self, sample: Path) -> None:
        """Import floor, parse floor and a first refresh, interleaved run by run: the ratio target compares them,
        so they are measured under the same machine load."""
        floor_i = self.scenario("import_floor", "bare process importing the libraries the refresh imports")
        floor_p = self.scenario("parse_floor_sample", "read every sample export with the readers")
        cold = self.scenario("sample_cold", "refresh on the sample, empty warehouse (a first run)")
        command = [PYTHON, "-m", "pipelines.cli", "refresh", "--verbose", "--no-reports"]
        for _ in range(self.runs):
            self.record(floor_i, measure([PYTHON, "benchmarks/floors.py", "import"]))
            self.record(floor_p, measure([PYTHON, "benchmarks/floors.py", "parse", str(sample)]))
            state = self.fresh_state("sample_cold")
            self.record(cold, measure(command, self.env(state, None)))

    def refresh(self, name: str, label: str, raw: Path | None, *, warm: bool, reports: bool = False,
                runs: int | None = None) -> None:
        """Cold: each run on an empty warehouse. Warm: one untimed run first, then runs on the same warehouse."""
        s = self.scenario(name, label)
        command = [PYTHON, "-m", "pipelines.cli", "refresh", "--verbose"] + ([] if reports else ["--no-reports"])
        runs = runs or self.runs
        if warm:
            state = self.fresh_state(name)
            env = self.env(state, raw)
            warmup = measure(command, env)
            self.say(f"    warm-up: {warmup.wall:.1f} s")
            if warmup.returncode != 0:
                raise SystemExit(f"{name}: warm-up failed:\n{warmup.output[-3000:]}")
        for _ in range(runs):
            if not warm:
                state = self.fresh_state(name)
                env = self.env(state, raw)
            self.record(s, measure(command, env))

    def one_new_workbook(self, raw: Path) -> None:
        """Warm ledger, then one new workbook lands: exactly one file must be parsed."""
        s = self.scenario("sample_plus_one", "warm ledger, one new workbook lands (then is removed again)")
        state = self.fresh_state("sample_plus_one")
        inbox = state / "exports"
        shutil.copytree(raw, inbox)
        env = self.env(state, inbox)
        command = [PYTHON, "-m", "pipelines.cli", "refresh", "--verbose", "--no-reports"]
        measure(command, env)
        workbooks = sorted((inbox / "fiches_actions").glob("*_20[0-9][0-9]-[0-9][0-9]-[0-9][0-9].xlsx"))
        source = workbooks[0]
        for index in range(self.runs):
            landed = source.with_name(re.sub(r"\d{4}-\d{2}-\d{2}", f"2030-01-{index + 1:02d}", source.name))
            shutil.copyfile(source, landed)
            result = measure(command, env)
            if result.parsed != 1:
                raise SystemExit(f"sample_plus_one: expected 1 file parsed, the summary says {result.parsed}")
            self.record(s, result)
            landed.unlink()
            measure(command, env)  # back to the warm state (untimed)

    def pages(self) -> None:
        """All pages of one release, kind by kind (benchmarks/pages.py writes the per-page table, pages.md)."""
        s = self.scenario("pages", "render every page of one sample release: reports, 18 profiles, 104 PTSM reviews "
                                   "(HTML and PDF); detail in benchmarks/pages.md")
        result = measure([PYTHON, "benchmarks/pages.py", "--work", str(self.work / "pages")])
        if result.returncode != 0:
            raise SystemExit(f"pages failed:\n{result.output[-3000:]}")
        self.record(s, result)

    def api_load(self) -> None:
        """The ORS API at 32 clients side by side with /v1/health (benchmarks/api_load.py) on the sample publication:
        not a refresh scenario (no wall time here), it writes benchmarks/api_load.md, copied into the report."""
        if not (ROOT / "data" / "marts" / "manifest.json").is_file():
            subprocess.run([PYTHON, "-m", "pipelines.cli", "refresh"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        self.say("  api_load: every data endpoint at 32 clients, with /v1/health ...")
        subprocess.run([PYTHON, str(ROOT / "benchmarks" / "api_load.py"), "--write",
                        str(ROOT / "benchmarks" / "api_load.md")], cwd=ROOT, check=True)

    def uv_overhead(self) -> None:
        uv = shutil.which("uv")
        if uv is None:
            return
        s = self.scenario("uv_run_overhead", "`uv run python -c pass` (what `uv run` adds to every command)")
        for _ in range(self.runs):
            self.record(s, measure([uv, "run", "python", "-c", "pass"]))


# ---------------------------------------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
        memory_gib = f"{int(memory.split()[1]) / 1024 ** 2:.1f} GiB"
    except (OSError, StopIteration):
        memory_gib = "?"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "pipelines", "sql", "benchmarks"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "cpus": str(os.cpu_count()), "cpu": cpu, "memory": memory_gib, "python": platform.python_version(),
        "os": platform.platform(), "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def targets(b: Bench) -> list[tuple[str, str, str, bool | None]]:
    """(target, measured, reference, met?) for each target of the issue that this run measured."""
    sc = b.scenarios
    out: list[tuple[str, str, str, bool | None]] = []

    def med(name: str, attribute: str = "wall") -> float | None:
        return sc[name].median(attribute) if name in sc and sc[name].runs else None

    cold, warm = med("sample_cold"), med("sample_warm")
    floor_import, floor_parse = med("import_floor"), med("parse_floor_sample")
    if cold is not None:
        out.append(("sample refresh, no notebooks, first run (cold): median ≤ 20 s", f"{cold:.1f} s", "20 s", cold <= 20))
    if warm is not None:
        out.append(("sample refresh, no notebooks, warm ledger: median ≤ 20 s", f"{warm:.1f} s", "20 s", warm <= 20))
    if cold is not None and floor_import is not None and floor_parse is not None:
        bound = 2 * (floor_import + floor_parse)
        out.append(("sample refresh (cold) ≤ 2 × (import floor + parse floor)", f"{cold:.1f} s",
                    f"2 × ({floor_import:.1f} + {floor_parse:.1f}) = {bound:.1f} s", cold <= bound))
    h60 = med("history60_warm")
    if h60 is not None and warm is not None:
        out.append(("history ×60, warm ledger ≤ 1.25 × sample refresh (warm)", f"{h60:.1f} s",
                    f"1.25 × {warm:.1f} = {1.25 * warm:.1f} s", h60 <= 1.25 * warm))
    if h60 is not None and cold is not None:
        out.append(("history ×60, warm ledger ≤ 1.25 × sample refresh (cold, first run)", f"{h60:.1f} s",
                    f"1.25 × {cold:.1f} = {1.25 * cold:.1f} s", h60 <= 1.25 * cold))
    h60_cold = med("history60_cold")
    if h60_cold is not None:
        out.append(("history ×60, first cold load ≤ 5 min", f"{h60_cold:.1f} s", "300 s", h60_cold <= 300))
    if "sample_reports" in sc and sc["sample_reports"].runs:
        notebooks = sc["sample_reports"].stage_median("notebooks")
        if notebooks is not None:
            out.append(("all notebooks executed and rendered ≤ 60 s", f"{notebooks:.1f} s", "60 s", notebooks <= 60))
    refreshes = [s for s in sc.values() if s.runs]
    if refreshes:
        worst = max(refreshes, key=lambda s: max(r.rss for r in s.runs))
        peak = max(r.rss for r in worst.runs)
        out.append(("peak RSS ≤ 1.5 GiB in every scenario", f"{peak / GIB:.2f} GiB ({worst.name})", "1.5 GiB", peak <= 1.5 * GIB))
    return out


def render(b: Bench, info: dict[str, str], started: dt.datetime, seconds: float, args) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `benchmarks/run.py` (`uv run python benchmarks/run.py`; `--quick` for a smoke test). "
        "Do not edit by hand: re-run the harness.",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC, {seconds / 60:.0f} min for the whole harness",
        f"- commit: `{info['commit']}`",
        f"- machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['os']}, Python {info['python']}",
        f"- load average when the harness ended: {info['load']} (other work on the machine makes timings noisier)",
        f"- runs per scenario: {args.runs} (median reported; min–max in brackets)",
        "",
        "## Targets",
        "",
        "| target | measured (median) | bound | met |",
        "|---|---|---|---|",
    ]
    for target, measured, bound, met in targets(b):
        lines.append(f"| {target} | {measured} | {bound} | {'yes' if met else 'NO'} |")
    lines += [
        "",
        "## All scenarios",
        "",
        "Wall time and peak RSS of the whole process (interpreter start included). Stage columns are the sums of "
        "Dagster step durations (medians); `other` = wall − stages: interpreter start, imports, Dagster start-up and "
        "step orchestration, the printed summary. Ingest includes the reference tables.",
        "",
        "| scenario | runs | wall s (min–max) | peak RSS GiB | " + " | ".join(STAGES) + " | other | files parsed / unchanged |",
        "|---|---|---|---|" + "---|" * (len(STAGES) + 2),
    ]
    for s in b.scenarios.values():
        if not s.runs:
            continue
        walls = [r.wall for r in s.runs]
        stages = [s.stage_median(stage) for stage in STAGES]
        has_stages = any(v is not None for v in stages)
        other = s.median("wall") - sum(v or 0 for v in stages) if has_stages else None
        files = (f"{s.runs[-1].parsed} / {s.runs[-1].unchanged}" if s.runs[-1].parsed is not None else "")
        lines.append(
            f"| **{s.name}**: {s.label} | {len(s.runs)} | {statistics.median(walls):.1f} ({min(walls):.1f}–{max(walls):.1f}) "
            f"| {max(r.rss for r in s.runs) / GIB:.2f} | " + " | ".join(_fmt_s(v) for v in stages)
            + f" | {_fmt_s(other)} | {files} |"
        )
    notes = [s for s in b.scenarios.values() if s.note]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {s.name}: {s.note}" for s in notes]
    analysis = ROOT / "benchmarks" / "ANALYSIS.md"
    if analysis.exists():
        lines += ["", analysis.read_text().strip()]
    tiers = ROOT / "benchmarks" / "test_tiers.md"  # measured by hand (pytest), kept across harness runs
    if tiers.exists():
        lines += ["", tiers.read_text().strip()]
    pages = ROOT / "benchmarks" / "pages.md"  # written by benchmarks/pages.py (the `pages` scenario)
    if pages.exists():
        lines += ["", pages.read_text().strip()]
    api = ROOT / "benchmarks" / "api_latency.md"
    if api.exists():
        lines += ["", "## API latency", "", "Measured separately by `benchmarks/api_latency.py` (not re-run by this "
                  "harness); copied from [benchmarks/api_latency.md](benchmarks/api_latency.md):", "",
                  api.read_text().strip().replace("\n## ", "\n### ").replace("## ", "### ", 1)]
    load = ROOT / "benchmarks" / "api_load.md"  # `--only api_load` (issue 20 §4)
    if load.exists():
        lines += ["", "## API load (32 clients, ratios to /v1/health)", "",
                  "Written by `benchmarks/api_load.py` (`benchmarks/run.py --only api_load`); copied from "
                  "[benchmarks/api_load.md](benchmarks/api_load.md):", "",
                  load.read_text().strip().replace("\n## ", "\n### ").replace("## ", "### ", 1)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- main

ALL = ["import_floor", "parse_floor_sample", "uv_run_overhead", "sample_cold", "sample_warm", "sample_plus_one",
       "history10_cold", "history10_warm", "volume10_cold", "volume10_warm", "history60_cold", "history60_warm",
       "sample_reports", "pages", "api_load"]
QUICK = ["import_floor", "parse_floor_sample", "sample_cold", "sample_warm", "sample_plus_one", "history10_warm"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 run, a few scenarios (smoke test)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs-history60", type=int, default=2, help="the x60 cold load takes minutes")
    parser.add_argument("--only", nargs="+", choices=ALL, help="run these scenarios only")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ptsm-bench"))
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 1
    selected = args.only or (QUICK if args.quick else ALL)
    started, clock = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    b = Bench(args.work, args.runs, args.verbose)
    sample = ROOT / "data" / "sample"

    plan = {
        "import_floor": b.floor_import,
        "parse_floor_sample": lambda: b.floor_parse("parse_floor_sample", sample, "read every sample export with the readers"),
        "uv_run_overhead": b.uv_overhead,
        "sample_cold": lambda: b.refresh("sample_cold", "refresh on the sample, empty warehouse (a first run)", None, warm=False),
        "sample_warm": lambda: b.refresh("sample_warm", "refresh on the sample, warm ledger (nothing changed)", None, warm=True),
        "sample_plus_one": lambda: b.one_new_workbook(sample),
        "history10_cold": lambda: b.refresh("history10_cold", "history ×10, empty warehouse",
                                            b.inputs("history10", history=10), warm=False),
        "history10_warm": lambda: b.refresh("history10_warm", "history ×10, warm ledger",
                                            b.inputs("history10", history=10), warm=True),
        "volume10_cold": lambda: b.refresh("volume10_cold", "volume ×10, empty warehouse",
                                           b.inputs("volume10", volume=10), warm=False),
        "volume10_warm": lambda: b.refresh("volume10_warm", "volume ×10, warm ledger",
                                           b.inputs("volume10", volume=10), warm=True),
        "history60_cold": lambda: b.refresh("history60_cold", "history ×60, empty warehouse (first load)",
                                            b.inputs("history60", history=60), warm=False,
                                            runs=min(args.runs, args.cold_runs_history60)),
        "history60_warm": lambda: b.refresh("history60_warm", "history ×60, warm ledger",
                                            b.inputs("history60", history=60), warm=True),
        "api_load": b.api_load,
        "sample_reports": lambda: b.refresh("sample_reports", "full refresh on the sample with the notebooks, warm ledger",
                                            None, warm=True, reports=True),
        "pages": b.pages,
    }
    paired = {"import_floor", "parse_floor_sample", "sample_cold"}
    if paired <= set(selected):
        b.floors_and_sample_cold(sample)
    for name in selected:
        if paired <= set(selected) and name in paired:
            continue
        plan[name]()
        if name == "history60_cold" and name in b.scenarios:
            b.scenarios[name].note = (f"measured {len(b.scenarios[name].runs)} time(s) only (each is a first load of "
                                      "every snapshot); the warm runs are 5.")
    if "history60_warm" in selected or "history60_cold" in selected:
        b.floor_parse("parse_floor_history60", b.inputs("history60", history=60), "read every history ×60 export with the readers")
    if "volume10_warm" in selected or "volume10_cold" in selected:
        b.floor_parse("parse_floor_volume10", b.inputs("volume10", volume=10), "read every volume ×10 export with the readers")
    text = render(b, machine(), started, time.perf_counter() - clock, args)
    args.out.write_text(text)
    (args.work / "last-run.json").write_text(json.dumps(
        {name: [{"wall": r.wall, "rss": r.rss, "stages": r.stages, "parsed": r.parsed} for r in s.runs]
         for name, s in b.scenarios.items()}, indent=1))
    print(f"\nwritten {args.out}")
    print("\n".join(l for l in text.splitlines() if l.startswith("| ") and "|---" not in l)[:4000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
