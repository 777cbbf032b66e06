"""Load on the ORS pull API (issue 20 §4): every data endpoint at 32 clients, side by side with `/v1/health`.

Each data scenario is run between two runs of `/v1/health` at the same concurrency on the same server, so the ratio
p95(endpoint) / p95(health) says what the endpoint costs beyond the server's own floor even on a machine shared with
other work (absolute milliseconds on a loaded 2-core machine mostly measure the load). Goal: p95 ≤ 50 ms at 32
clients for every data endpoint on the sample, the profile served gzip-compressed.

    uv run ptsm refresh                      # the sample publication, with the regional profiles
    uv run python benchmarks/api_load.py [--marts-dir DIR] [--reports-dir DIR] [--write benchmarks/api_load.md]

`benchmarks/run.py --only api_load` runs it and writes benchmarks/api_load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import api_latency as lat  # noqa: E402

from pipelines.api import tokens  # noqa: E402
from pipelines.lib.core.config import get_settings  # noqa: E402

CLIENTS = 32
GOAL_MS = 50.0


def scenarios(ptsm_ids: list[str], has_profile: bool) -> list[tuple[str, str, dict | list[dict], str, int]]:
    """(label, path, params, token kind, requests at 32 clients)."""
    rows = [
        ("CSV régional 93 (coordinator_vacancy_monthly)", "/v1/marts/coordinator_vacancy_monthly",
         {"format": "csv"}, "regional", 1600),
        ("JSON national (ptsm_overview)", "/v1/marts/ptsm_overview", {"region": "all"}, "national", 1600),
        ("JSON national (coordinator_vacancy_monthly, toutes régions)", "/v1/marts/coordinator_vacancy_monthly",
         {"region": "all"}, "national", 640),
        ("Parquet national (coordinator_vacancy_monthly)", "/v1/marts/coordinator_vacancy_monthly",
         {"region": "all", "format": "parquet"}, "national", 640),
        ("GeoJSON national (104 PTSM)", "/v1/geo/ptsm.geojson", {}, "national", 640),
        ("GeoJSON régional 93", "/v1/geo/ptsm.geojson", {}, "regional", 1600),
        ("Catalogue", "/v1/catalogue", {}, "national", 1600),
        ("Data Package", "/v1/catalogue/datapackage.json", {}, "national", 1600),
        ("Liste des marts", "/v1/marts", {}, "national", 1600),
        ("Dictionnaire", "/v1/dictionary", {}, "national", 1600),
    ]
    if has_profile:
        rows.append(("Profil régional 93 (HTML, gzip)", "/v1/regions/93/profile", {}, "regional", 320))
    rows.append(("Filtre par PTSM, jamais demandé (cache vide à chaque requête)",
                 "/v1/marts/coordinator_vacancy_monthly",
                 [{"ptsm": p, "format": f} for p in ptsm_ids for f in ("json", "csv", "parquet")], "national",
                 3 * len(ptsm_ids)))
    return rows


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(port: int, path: str, params, token: str, total: int, pid: int) -> tuple[float, float, int, float, float]:
    """Median and p95 latency (ms), body size, requests/s, and the server's CPU milliseconds per request: the
    last one hardly depends on what else runs on the machine."""
    before = cpu_seconds(pid)
    latencies, size, wall = asyncio.run(lat.run_scenario(port, path, params, token, CLIENTS, total))
    cpu_ms = (cpu_seconds(pid) - before) * 1000 / total
    return statistics.median(latencies), lat.p95(latencies), size, total / wall, cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marts-dir", type=Path, help="a published marts symlink (default: PTSM_MARTS_DIR)")
    parser.add_argument("--reports-dir", type=Path, help="the reports symlink (default: PTSM_REPORTS_DIR)")
    parser.add_argument("--write", type=Path, help="write the Markdown section to this file")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only the requests whose label contains TEXT (repeatable; e.g. Profil, Filtre)")
    args = parser.parse_args()
    settings = get_settings()
    marts_dir = args.marts_dir or settings.marts_dir
    reports_dir = args.reports_dir or settings.reports_dir
    if not (marts_dir / "manifest.json").is_file():
        raise SystemExit(f"no publication at {marts_dir}: run `uv run ptsm refresh` first")
    manifest = json.loads((marts_dir / "manifest.json").read_text(encoding="utf-8"))
    has_profile = any((d / "regions" / "93.html").is_file() for d in (marts_dir / "reports", reports_dir))

    with tempfile.TemporaryDirectory(prefix="ptsm-api-load-") as tmp:
        tokens_file = Path(tmp) / "api_tokens.json"
        issued = {
            "regional": tokens.create_token(tokens_file, region="93", national=False, label="bench")[0],
            "national": tokens.create_token(tokens_file, region=None, national=True, label="bench")[0],
        }
        port = lat._free_port()
        server = lat.start_server(marts_dir, tokens_file, port, 1, access_log=False, reports_dir=reports_dir)
        rows = []
        try:
            ptsm_ids = sorted(lat._ptsm_ids(marts_dir))
            for label, path, params, kind, total in scenarios(ptsm_ids, has_profile):
                if args.only and not any(text in label for text in args.only):
                    continue
                if isinstance(params, dict):  # warm-up: fills the cache (the uncached rows stay uncached)
                    asyncio.run(lat.run_scenario(port, path, params, issued[kind], CLIENTS, 2 * CLIENTS))
                else:  # the mart itself read once, as the scenarios before it do in a whole run (--only skips them)
                    asyncio.run(lat.run_scenario(port, path, {"region": "all"}, issued[kind], 1, 1))
                health_before = measure(port, "/v1/health", {}, issued[kind], 1600, server.pid)
                median, high, size, rate, cpu = measure(port, path, params, issued[kind], total, server.pid)
                health_after = measure(port, "/v1/health", {}, issued[kind], 1600, server.pid)
                health_p95 = (health_before[1] + health_after[1]) / 2
                health_cpu = (health_before[4] + health_after[4]) / 2
                rows.append((label, total, size, median, high, rate, health_p95, high / health_p95, cpu,
                             cpu / health_cpu))
                print(f"{label:<62} p95 {high:7.2f} ms  health p95 {health_p95:6.2f} ms  ratio {high / health_p95:5.2f}"
                      f"  {rate:6.0f} req/s  {size} B  CPU {cpu:.2f} ms/req ({cpu / health_cpu:.2f} x health)",
                      flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "## API des observatoires (ORS) : charge à 32 clients, côte à côte avec /v1/health",
        "",
        f"Mesuré le {time.strftime('%Y-%m-%d %H:%M')} UTC sur {os.cpu_count()} cœurs ({platform.python_implementation()} "
        f"{platform.python_version()}), **machine partagée avec d'autres sessions de travail (charge moyenne {load} "
        f"à la fin)** : les millisecondes absolues mesurent surtout cette charge, le rapport à /v1/health mesuré "
        f"juste avant et juste après chaque scénario, au même nombre de clients, est le chiffre comparable. "
        f"Serveur uvicorn 1 processus sans journal d'accès, client asyncio minimal ({CLIENTS} connexions keep-alive, "
        f"`Accept-Encoding: gzip`) sur la même machine ; publication {manifest.get('release_id')} "
        f"({'échantillon synthétique' if manifest.get('synthetic') else 'exports réels'}). "
        "`uv run python benchmarks/api_load.py`.",
        "",
        "Dernières colonnes : temps CPU du processus serveur par requête (/proc, presque indépendant de la charge "
        "des autres processus) et son rapport à celui de /v1/health.",
        "",
        "| requête | requêtes | octets envoyés | médiane (ms) | p95 (ms) | débit (req/s) | p95 /v1/health (ms) "
        "| p95 / p95 health | CPU serveur (ms/req) | CPU / CPU health |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, total, size, median, high, rate, health_p95, ratio, cpu, cpu_ratio in rows:
        lines.append(f"| {label} | {total} | {size} | {median:.1f} | {high:.1f} | {rate:.0f} | {health_p95:.1f} | "
                     f"{ratio:.2f} | {cpu:.2f} | {cpu_ratio:.2f} |")
    met = [r for r in rows if r[4] <= GOAL_MS]
    lines += ["", f"Objectif p95 ≤ {GOAL_MS:.0f} ms à {CLIENTS} clients : tenu pour {len(met)} requêtes sur {len(rows)} "
                  f"sur cette machine chargée."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
