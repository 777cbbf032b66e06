"""`ptsm` command line: refresh (the main job), sample, export, serve, portal, token, releases."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipelines.lib.core.config import get_settings


def build_parser() -> argparse.ArgumentParser:
    """The `ptsm` commands and their options (also the source of the commands table of docs/contract.md)."""
    parser = argparse.ArgumentParser(prog="ptsm", description="Observatoire des PTSM : exports DMSMP -> indicateurs.")
    commands = parser.add_subparsers(dest="command", required=True)

    refresh = commands.add_parser("refresh", help="ingest the exports, build, check and publish the marts, render the reports")
    refresh.add_argument("--no-reports", action="store_true", help="stop once the marts are published (no notebooks)")
    refresh.add_argument("--wait", type=float, default=10.0, help="seconds to wait for another running refresh (default 10)")
    refresh.add_argument("--verbose", action="store_true", help="show Dagster's step-by-step log")
    refresh.add_argument("--accept-drop", action="store_true",
                         help="publish even when the backtest finds a drop against the current release (recorded)")
    refresh.add_argument("--accept-partial", action="store_true",
                         help="publish a first release covering under PTSM_FIRST_RELEASE_MIN_PLAN_SHARE of the "
                              "registry's PTSM (recorded)")

    sample = commands.add_parser("sample", help="regenerate the synthetic sample (seeded, deterministic)")
    sample.add_argument("--out", type=Path, default=None, help="default: data/sample")
    sample.add_argument("--seed", type=int, default=2024)
    sample.add_argument("--history", type=int, default=1, help="snapshots of every workbook (benchmarks)")
    sample.add_argument("--volume", type=int, default=1, help="multiply the actions per PTSM (benchmarks)")

    export = commands.add_parser("export", help="write one region's rows of every published mart (ORS), or one PTSM's review")
    export_scope = export.add_mutually_exclusive_group(required=True)
    export_scope.add_argument("--region", help="INSEE region code, e.g. 93")
    export_scope.add_argument("--ptsm", help="PTSM id, e.g. PTSM-35: its annual review alone (HTML, opens offline)")
    export.add_argument("--out", type=Path, required=True)

    serve = commands.add_parser("serve", help="read-only HTTP API over the published marts")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    portal = commands.add_parser("portal", help="deposit portal (PTSM deposit tokens) and collection status (DMSMP, ARS)")
    portal.add_argument("--host", default="127.0.0.1")
    portal.add_argument("--port", type=int, default=8010)
    portal.add_argument("--workers", type=int, default=2,
                        help="worker processes (they share sessions, uploads and spent form tokens on disk)")

    token = commands.add_parser("token", help="manage API tokens (per region or national) and portal deposit tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create")
    scope = create.add_mutually_exclusive_group(required=True)
    scope.add_argument("--region")
    scope.add_argument("--national", action="store_true")
    scope.add_argument("--ptsm", help="a PTSM's deposit token for the portal (with --deposit), e.g. PTSM-35")
    create.add_argument("--deposit", action="store_true", help="with --ptsm: a deposit token (portal only, no API)")
    create.add_argument("--label", default="")
    revoke = token_commands.add_parser("revoke")
    revoke.add_argument("token_id")
    token_commands.add_parser("list")

    health = commands.add_parser("health", help="operational health for monitoring (exit 1 when unhealthy)")
    health.add_argument("--daemon", action="store_true",
                        help="also check the Dagster daemon's heartbeats in DAGSTER_HOME (always: undelivered alerts)")

    alert = commands.add_parser("alert", help="send a French alert that a systemd unit failed (OnFailure= of the units)")
    alert.add_argument("--unit", required=True)

    commands.add_parser("settings", help="check the PTSM_* settings (exit 2 naming the bad one); run before the services start")

    releases = commands.add_parser("releases", help="list the publications kept on disk, roll back to one, hold publication")
    releases_commands = releases.add_subparsers(dest="releases_command", required=True)
    releases_commands.add_parser("list").add_argument("--json", action="store_true")
    releases_commands.add_parser("rollback").add_argument("release_id")
    hold = releases_commands.add_parser("hold", help="hold publication: refreshes run their checks, publish nothing")
    hold.add_argument("--reason", default="", help="why (shown by every held refresh and by `releases list`)")
    releases_commands.add_parser("release", help="lift the hold: the next refresh publishes")

    template = commands.add_parser("template", help="write the XLSX templates of the exports, one per family")
    template.add_argument("--out", type=Path, required=True, help="folder to write the templates into")
    template.add_argument("--ptsm", help="prefill the action-plan template for this PTSM, e.g. PTSM-35")

    check = commands.add_parser("check", help="check export files before sending them (no warehouse touched)")
    check.add_argument("files", nargs="+", type=Path)
    check.add_argument("--html", type=Path, help="also write the report as an HTML page")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()

    args = parser.parse_args(argv)
    if args.command == "template":
        from pipelines.lib.producers.templates import run_template

        return run_template(args.out, args.ptsm)
    if args.command == "check":
        from pipelines.lib.producers.validate import run_check

        return run_check(args.files, args.html)
    if args.command == "refresh":
        return run_refresh(no_reports=args.no_reports, wait=args.wait, verbose=args.verbose,
                           accept_drop=args.accept_drop, accept_partial=args.accept_partial)
    if args.command == "health":
        from pipelines.lib.ops.alerts import alerts_health

        from pipelines.lib.ops.freshness import marts_health

        alerts = alerts_health()  # undelivered alerts (journal beside the warehouse): degraded
        alerts = max(alerts, marts_health())  # a publication older than PTSM_MARTS_MAX_AGE_DAYS (checked_at): degraded
        if not args.daemon:
            return alerts
        from pipelines.defs.health import daemon_health

        daemon = daemon_health()
        return daemon if daemon != 0 else alerts
    if args.command == "alert":
        from pipelines.lib.ops.alerts import unit_failure_alert

        return unit_failure_alert(args.unit)
    if args.command == "settings":
        from pipelines.lib.core.config import settings_errors

        errors = settings_errors()
        for error in errors:
            print(f"Réglage refusé : {error}", file=sys.stderr)
        if not errors:
            print("Réglages valides.")
        return 2 if errors else 0
    if args.command == "releases":
        from pipelines import releases_cli

        if args.releases_command == "list":
            return releases_cli.releases_list(as_json=args.json)
        if args.releases_command == "hold":
            return releases_cli.releases_hold(args.reason)
        if args.releases_command == "release":
            return releases_cli.releases_release()
        return releases_cli.releases_rollback(args.release_id)
    if args.command == "sample":
        from pipelines.sample.generator import generate

        args.out = args.out or get_settings().sample_dir
        generate(args.out, seed=args.seed, history_factor=args.history, volume_factor=args.volume)
        print(f"Échantillon SYNTHÉTIQUE écrit dans {args.out}")
        return 0
    if args.command == "export":
        return run_export_ptsm(args.ptsm, args.out) if args.ptsm else run_export(args.region, args.out)
    if args.command == "serve":
        from pipelines.api import cli as api_cli

        return api_cli.serve(args.host, args.port) or 0
    if args.command == "portal":
        from pipelines.portal.cli import portal as run_portal

        return run_portal(args.host, args.port, args.workers) or 0
    if args.command == "token":
        from pipelines.api import cli as api_cli

        if args.token_command == "create" and (args.ptsm or args.deposit):
            from pipelines.portal.cli import deposit_token_create

            return deposit_token_create(args.ptsm, deposit=args.deposit, label=args.label) or 0
        if args.token_command == "create":
            return api_cli.token_create(region=args.region, national=args.national, label=args.label) or 0
        if args.token_command == "revoke":
            return api_cli.token_revoke(args.token_id) or 0
        return api_cli.token_list() or 0
    return 2


def run_export(region: str, out: Path) -> int:
    from pipelines.lib.reports.regional_export import export_region

    settings = get_settings()
    try:
        written = export_region(settings.marts_dir, region, out, reference_dir=settings.reference_dir)
    except (ValueError, FileNotFoundError) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    print(f"Région {region} : {len(written)} fichiers écrits dans {out}")
    return 0


def run_export_ptsm(ptsm_id: str, out: Path) -> int:
    from pipelines.lib.reviews.ptsm_reviews import export_review

    settings = get_settings()
    try:
        written = export_review(settings.marts_dir, ptsm_id, out, reference_dir=settings.reference_dir)
    except (ValueError, FileNotFoundError) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    print(f"Bilan de {ptsm_id.strip().upper()} écrit : {', '.join(str(p) for p in written)}")
    if not any(p.suffix == ".pdf" for p in written):
        from pipelines.lib.reviews.printing import available

        print(available())
    return 0


def run_refresh(*, no_reports: bool, wait: float, verbose: bool = False, accept_drop: bool = False,
                accept_partial: bool = False) -> int:
    from pipelines.lib.warehouse.locking import RefreshLocked, refresh_lock

    settings = get_settings()
    try:
        with refresh_lock(settings.db_path, wait=wait):
            return _refresh_locked(settings, no_reports, verbose, accept_drop, accept_partial)
    except RefreshLocked as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 3


def _refresh_locked(settings, no_reports: bool, verbose: bool, accept_drop: bool = False,
                    accept_partial: bool = False) -> int:
    from pipelines.lib.core import speedups
    speedups.apply()  # before GX is imported (see pipelines/lib/core/speedups.py)
    from pipelines.lib.ingest.discovery import has_exports
    from pipelines.lib.quality.summary import print_summary

    started = time.monotonic()
    if not has_exports(settings.raw_dir):
        print(f"Aucun export dans {settings.raw_dir} : exécution sur l'échantillon SYNTHÉTIQUE ({settings.sample_dir}).")
        print("Les chiffres produits sont fictifs et ne doivent pas être présentés comme réels.")
    from pipelines.defs.run import run_refresh as run_refresh_job

    from pipelines.lib.core.config import ALLOW_SAMPLE_TAG

    # Only this command may fall back to the synthetic sample (docs/contract.md §5): runs launched by Dagster never do.
    tags = {ALLOW_SAMPLE_TAG: "true", "ptsm/launched_by": "ptsm refresh"}
    if accept_drop:
        tags["ptsm/accept_drop"] = "true"
    if accept_partial:
        tags["ptsm/accept_partial"] = "true"  # pipelines/lib/publish/gates.py
    from pipelines.definitions import defs_for

    outcome = run_refresh_job(defs_for(settings), no_reports=no_reports, verbose=verbose, tags=tags)
    return print_summary(outcome, settings, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
