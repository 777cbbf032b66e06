"""Rendering time of all pages of one release, kind by kind, with the time per page (issue 24: reports, 18 regional
profiles and 104 PTSM reviews under 60 s on 2 cores; one review on demand under 5 s).

    uv run python benchmarks/pages.py [--work /tmp/ptsm-bench-pages] [--runs 1]

Publishes the sample once (`ptsm refresh --no-reports`) into the work folder, then times on that release:
- `before`: what a release rendered before the reviews: the 18 profiles and the numbered reports (one kernel each);
- the 104 reviews' HTML (templates) and their A4 PDFs (one Chromium), each alone;
- `render_all`: what the refresh now runs (reviews, their PDFs printed in the background, the profiles' kernel beside
  the numbered reports', then the 24 report/profile PDFs and the page check in one pool of browsers), with its CPU
  time (kernels and Chromium included: on a shared machine the CPU says more than the wall time);
- `ptsm export --ptsm PTSM-35` as a separate process (interpreter start included): a review on demand.
Writes benchmarks/pages.md, which BENCHMARKS.md includes.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def cpu_seconds() -> float:
    """CPU time of this process and of its ended children (kernels, Playwright's driver). Chromium's processes are
    the driver's children, not always reaped by it: most of their time is missing here (see `machine_busy`)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat: all but idle and I/O wait), so that the
    difference over a step counts every process it started, Chromium's included. On a quiet machine that is the
    step's CPU; on a shared one it also counts the neighbours."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ptsm-bench-pages"))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "pages.md")
    args = parser.parse_args(argv)
    work = args.work
    env = {**os.environ, "PTSM_RAW_DIR": str(work / "raw"), "PTSM_DB": str(work / "warehouse.duckdb"),
           "PTSM_MARTS_DIR": str(work / "marts"), "PTSM_REPORTS_DIR": str(work / "reports"),
           "PTSM_SECRET_DIR": str(work / "secret")}
    if not (work / "marts").exists():
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pipelines.cli", "refresh", "--no-reports"], env=env, cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    os.environ.update(env)

    from pipelines.defs.publish.reports import render_all
    from pipelines.lib.reports.notebooks import render_notebooks
    from pipelines.lib.reports.regional_profiles import PROFILE_NOTEBOOK, render_regional_profiles
    from pipelines.lib.reviews.printing import print_pdfs
    from pipelines.lib.reviews.ptsm_reviews import render_ptsm_reviews

    release = (work / "marts").resolve()
    notebooks = ROOT / "notebooks"
    rows: dict[str, list[float]] = {k: [] for k in ("profiles", "reports", "before", "reviews_html", "reviews_pdf",
                                                     "render_all", "render_all_cpu", "render_all_busy", "render_all_load",
                                                     "export_one", "export_one_cpu")}
    counts = {}
    for run in range(args.runs):
        target = work / f"pages-{run}"
        shutil.rmtree(target, ignore_errors=True)
        t_profiles, profiles = timed(lambda: render_regional_profiles(notebooks / PROFILE_NOTEBOOK,
                                                                      target / "regions", release))
        t_reports, reports = timed(lambda: render_notebooks(notebooks, target, release))
        t_html, reviews = timed(lambda: render_ptsm_reviews(release, target / "ptsm"))
        t_pdf, pdfs = timed(lambda: print_pdfs(reviews))
        counts = {"profiles": len(profiles), "reports": len(reports), "reviews": len(reviews), "pdfs": len(pdfs)}
        rows["profiles"].append(t_profiles)
        rows["reports"].append(t_reports)
        rows["before"].append(t_profiles + t_reports)
        rows["reviews_html"].append(t_html)
        rows["reviews_pdf"].append(t_pdf)
        whole = work / f"all-{run}"
        shutil.rmtree(whole, ignore_errors=True)
        load_before = os.getloadavg()[0]
        cpu_before, busy_before = cpu_seconds(), machine_busy()
        rows["render_all"].append(timed(lambda: render_all(notebooks, release, whole, work / f"bilans-{run}"))[0])
        rows["render_all_cpu"].append(cpu_seconds() - cpu_before)  # its kernels, part of Chromium's
        rows["render_all_busy"].append(machine_busy() - busy_before)  # every process of the machine
        rows["render_all_load"].append(load_before)
        out = work / "export"
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        rows["export_one"].append(timed(lambda: subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "export", "--ptsm", "PTSM-35", "--out", str(out)],
            env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL))[0])
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # CPU of the export and its children (Chromium)
        rows["export_one_cpu"].append(cpu_after.ru_utime + cpu_after.ru_stime
                                      - cpu_before.ru_utime - cpu_before.ru_stime)

    med = {k: statistics.median(v) for k, v in rows.items()}
    n_reviews = counts["reviews"]
    load = os.getloadavg()
    lines = [
        "## Pages of a release (PTSM reviews, issue 24)",
        "",
        f"Measured by `benchmarks/pages.py` on the sample ({args.runs} run(s), median; {os.cpu_count()} CPUs, load "
        f"average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}: the machine was shared, timings are noisy).",
        "",
        "| what | pages | seconds | per page |",
        "|---|---|---|---|",
        f"| before the reviews: 18 regional profiles (one kernel) | {counts['profiles']} | {med['profiles']:.1f} | "
        f"{med['profiles'] / max(counts['profiles'], 1):.2f} |",
        f"| before the reviews: numbered reports | {counts['reports']} | {med['reports']:.1f} | "
        f"{med['reports'] / max(counts['reports'], 1):.2f} |",
        f"| **before the reviews, total** (previous release's rendering) | {counts['profiles'] + counts['reports']} | "
        f"{med['before']:.1f} | |",
        f"| PTSM reviews, HTML (templates, one query per mart) | {n_reviews} | {med['reviews_html']:.1f} | "
        f"{med['reviews_html'] / max(n_reviews, 1):.3f} |",
        f"| PTSM reviews, A4 PDF (one Chromium, alone) | {counts['pdfs']} | {med['reviews_pdf']:.1f} | "
        f"{med['reviews_pdf'] / max(counts['pdfs'], 1):.3f} |",
        f"| **all pages of a release** (`render_all`: reviews, PDFs in the background, profiles, reports) | "
        f"{counts['profiles'] + counts['reports'] + 2 * n_reviews} | {med['render_all']:.1f} (CPU "
        f"{med['render_all_cpu']:.1f} in this process and its reaped children, machine busy "
        f"{med['render_all_busy']:.1f} of {(os.cpu_count() or 1) * med['render_all']:.0f} CPU-seconds, load before "
        f"{med['render_all_load']:.1f}) | |",
        f"| one review on demand: `ptsm export --ptsm PTSM-35` (new process, HTML and PDF) | 1 | "
        f"{med['export_one']:.1f} (CPU {med['export_one_cpu']:.1f}) | |",
        "",
        f"The reviews add {med['render_all'] - med['before']:+.1f} s to the previous release's rendering "
        f"({med['before']:.1f} s → {med['render_all']:.1f} s): their HTML takes {med['reviews_html']:.1f} s and their "
        "PDFs are printed while the notebooks run.",
        "",
        f"Targets: all pages ≤ 60 s: {'met' if med['render_all'] <= 60 else 'NOT met'} ({med['render_all']:.1f} s); "
        f"one review on demand ≤ 5 s: {'met' if med['export_one'] <= 5 else 'NOT met'} ({med['export_one']:.1f} s).",
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
