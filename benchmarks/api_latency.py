"""Latency of the ORS pull API on loopback: a region CSV and the national GeoJSON, at 1 and 32 clients.

Not a test: it starts `uvicorn` (the same factory `ptsm serve` uses) in a child process on 127.0.0.1,
sends a bounded number of requests with httpx, and prints (or writes) a Markdown section with the median
and p95 per scenario. It serves --marts-dir, else the publication at PTSM_MARTS_DIR (data/marts) when there is one, else a
fake publication built in a temporary folder (tests/fixtures/api/fake_publication.py: 104 PTSM,
coordinator_vacancy_monthly 104 x 48 months).

    uv run ptsm refresh --no-reports      # optional: benchmark the real (sample) publication
    uv run python benchmarks/api_latency.py [--marts-dir DIR] [--workers 2] [--write benchmarks/api_latency.md]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.api import tokens  # noqa: E402
from pipelines.lib.core.config import get_settings  # noqa: E402

SCENARIOS = [
    # (label, path, params, token kind, clients, measured requests)
    ("CSV région 93 (coordinator_vacancy_monthly)", "/v1/marts/coordinator_vacancy_monthly",
     {"format": "csv"}, "regional", 1, 300),
    ("CSV région 93 (coordinator_vacancy_monthly)", "/v1/marts/coordinator_vacancy_monthly",
     {"format": "csv"}, "regional", 32, 3200),
    ("GeoJSON national (104 PTSM)", "/v1/geo/ptsm.geojson", {}, "national", 1, 60),
    ("GeoJSON national (104 PTSM)", "/v1/geo/ptsm.geojson", {}, "national", 32, 320),
]


def _fake_module():
    spec = importlib.util.spec_from_file_location("fake_publication", ROOT / "tests/fixtures/api/fake_publication.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(marts_dir: Path, tokens_file: Path, port: int, workers: int, access_log: bool,
                 reports_dir: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "PTSM_MARTS_DIR": str(marts_dir), "PTSM_TOKENS_FILE": str(tokens_file),
           "PTSM_API_RATE_PER_MINUTE": "0", "PTSM_API_ANONYMOUS_RATE_PER_MINUTE": "0",  # latency, not the limits
           "PTSM_API_BYTES_PER_MINUTE": "0", "PTSM_API_MAX_CONNECTIONS_PER_CLIENT": "0"}
    if reports_dir is not None:
        env["PTSM_REPORTS_DIR"] = str(reports_dir)
    command = [sys.executable, "-m", "uvicorn", "pipelines.api.app:app_from_settings", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "info"]
    if not access_log:
        command.append("--no-access-log")
    log = open(tokens_file.parent / "server.log", "wb")  # like `ptsm serve`: info level, access log on
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # bounded wait for the socket
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code in (200, 503):
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the API server did not start within 30 s:\n" + (tokens_file.parent / "server.log").read_text())


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, int]:
    """One keep-alive HTTP/1.1 GET on an open connection; returns (status, body length)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status, length


async def run_scenario(port: int, path: str, params: dict | list[dict], token: str, clients: int, total: int
                       ) -> tuple[list[float], int, float]:
    """`clients` keep-alive connections send requests back to back until `total` are done; latencies in ms.

    A minimal asyncio client rather than httpx: on 2 cores the load generator shares the CPU with the
    server, and httpx's own cost per request (about 1 ms) would be measured instead of the API.
    """
    targets = [str(httpx.URL(path, params=p)) for p in (params if isinstance(params, list) else [params])]
    requests = [(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                 "Accept: */*\r\nAccept-Encoding: gzip\r\n\r\n").encode() for target in targets]
    latencies: list[float] = []
    sizes: set[int] = set()
    remaining = total

    async def worker():
        nonlocal remaining
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
        try:
            while remaining > 0:
                remaining -= 1
                request = requests[remaining % len(requests)]
                start = time.perf_counter()
                status, size = await _get(reader, writer, request)
                sizes.add(size)
                latencies.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    raise RuntimeError(f"{request.splitlines()[0]!r}: HTTP {status}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, max(sizes), time.perf_counter() - started


def _ptsm_ids(marts_dir: Path) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(Path(os.path.realpath(marts_dir)) / "ptsm_overview.parquet", columns=["ptsm_id"])
    return table["ptsm_id"].to_pylist()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marts-dir", type=Path, help="a published marts symlink (default: a fake publication)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--no-access-log", action="store_true", help="turn off uvicorn's access log")
    parser.add_argument("--write", type=Path, help="write the Markdown section to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ptsm-api-bench-") as tmp:
        tmp_path = Path(tmp)
        marts_dir = args.marts_dir
        if marts_dir is None and (get_settings().marts_dir / "manifest.json").is_file():
            marts_dir = get_settings().marts_dir  # what `ptsm refresh` last published
        source = f"publication `{marts_dir}`"
        if marts_dir is not None:
            manifest = json.loads((marts_dir / "manifest.json").read_text(encoding="utf-8"))
            source = (f"publication {manifest['release_id']} produite par `ptsm refresh` "
                      f"({'échantillon synthétique' if manifest.get('synthetic') else 'exports réels'})")
        if marts_dir is None:
            marts_dir = tmp_path / "marts"
            _fake_module().publish(marts_dir, "bench", variant=1)
            source = "publication factice (tests/fixtures/api/fake_publication.py)"
        tokens_file = tmp_path / "api_tokens.json"
        issued = {
            "regional": tokens.create_token(tokens_file, region="93", national=False, label="bench")[0],
            "national": tokens.create_token(tokens_file, region=None, national=True, label="bench")[0],
        }
        port = _free_port()
        server = start_server(marts_dir, tokens_file, port, args.workers, access_log=not args.no_access_log)
        url = f"http://127.0.0.1:{port}"
        rows = []
        try:
            ptsm_ids = sorted(_ptsm_ids(marts_dir))
            uncached = [
                ("Mart par PTSM, jamais demandé (cache vide à chaque requête)", "/v1/marts/coordinator_vacancy_monthly",
                 [{"ptsm": p, "format": "csv"} for p in ptsm_ids], "national", 1, len(ptsm_ids)),
                ("Mart par PTSM, jamais demandé (cache vide à chaque requête)", "/v1/marts/coordinator_vacancy_monthly",
                 [{"ptsm": p, "format": f} for p in ptsm_ids for f in ("json", "parquet")], "national", 32,
                 2 * len(ptsm_ids)),
            ]
            for label, path, params, kind, clients, total in SCENARIOS + uncached:
                cold_ms = None
                if isinstance(params, dict) and not any(r[0] == label for r in rows):  # first one fills the cache
                    cold_ms = asyncio.run(run_scenario(port, path, params, issued[kind], 1, 1))[0][0]
                if isinstance(params, dict):  # warm-up (the uncached rows must stay uncached)
                    asyncio.run(run_scenario(port, path, params, issued[kind], clients, 2 * clients))
                latencies, size, wall = asyncio.run(run_scenario(port, path, params, issued[kind], clients, total))
                rows.append((label, clients, total, size, cold_ms, statistics.median(latencies), p95(latencies),
                             total / wall))
                print(f"{label:<45} {clients:>3} clients  median {rows[-1][5]:7.2f} ms  p95 {rows[-1][6]:7.2f} ms",
                      flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)

    lines = [
        "## API des observatoires (ORS) : latence sur la boucle locale",
        "",
        f"Mesuré le {time.strftime('%Y-%m-%d')} sur {os.cpu_count()} cœurs ({platform.python_implementation()} "
        f"{platform.python_version()}), serveur uvicorn {args.workers} processus"
        f"{', sans journal d’accès' if args.no_access_log else ', journal d’accès actif'}, client asyncio minimal (HTTP/1.1 keep-alive, `Accept-Encoding: gzip`) "
        f"sur la même machine ; {source}. `uv run python benchmarks/api_latency.py`.",
        "",
        "| requête | clients | requêtes | octets envoyés | 1re requête, cache vide (ms) | médiane (ms) | p95 (ms) | débit (req/s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, clients, total, size, cold, median, high, rate in rows:
        first = "—" if cold is None else f"{cold:.1f}"
        lines.append(f"| {label} | {clients} | {total} | {size} | {first} | {median:.2f} | {high:.2f} | {rate:.0f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
