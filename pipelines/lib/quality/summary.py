"""The short summary `ptsm refresh` prints: files read, rows loaded and quarantined, marts written, checks."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.lib.core.config import Settings


@dataclass
class CheckOutcome:
    name: str  # "<asset>:<check>"
    passed: bool
    failed_expectations: list = field(default_factory=list)


@dataclass
class RunOutcome:
    """What a run did, as plain data (built from Dagster's events by `pipelines.defs.run`)."""

    success: bool
    files_parsed: int = 0
    files_unchanged: int = 0
    checks: list[CheckOutcome] = field(default_factory=list)
    failed_steps: list[tuple[str, str]] = field(default_factory=list)  # (step, first line of its error)
    notes: list[str] = field(default_factory=list)  # what the operator must hear (an earlier refusal resolved)


def print_summary(outcome: RunOutcome, settings: Settings, seconds: float) -> int:
    """Print the summary; the exit code of `ptsm refresh` (0 published, 1 failed)."""
    passed = [c for c in outcome.checks if c.passed]
    failed = [c for c in outcome.checks if not c.passed]
    print()
    print("Résumé du rafraîchissement")
    print(f"  fichiers analysés : {outcome.files_parsed} nouveaux ou modifiés, {outcome.files_unchanged} inchangés (non relus)")
    _print_inputs(settings)
    print(f"  contrôles qualité : {len(passed)} réussis, {len(failed)} en échec")
    for check in failed:
        print(f"    ÉCHEC {check.name}")
        for item in check.failed_expectations[:10]:
            print(f"      - {item}")
    for step, message in outcome.failed_steps:
        print(f"  étape en échec : {step} — {message}")
    for note in outcome.notes:
        print(f"  {note}")
    if outcome.success:
        print(f"  marts publiés dans {settings.marts_dir} ({seconds:.1f} s)")
        return 0
    print("  ÉCHEC : la publication précédente reste en place.")
    return 1


def _print_inputs(settings: Settings) -> None:
    if not settings.db_path.exists():
        return
    # same configuration as the pipeline's DuckDBResource: one process may not mix configurations
    with duckdb.connect(str(settings.db_path), config={"autoinstall_known_extensions": False}) as con:
        tables = {r[0] for r in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
        if "raw.file_ledger" in tables:
            rows = con.execute(
                """select count(*) filter (where outcome = 'lu'), count(*) filter (where outcome <> 'lu'),
                          coalesce(sum(n_rows), 0)
                   from raw.file_ledger""").fetchall()[0]
            root = con.execute("select any_value(root) from raw.file_ledger").fetchall()[0][0]
            print(f"  exports lus depuis {root} : {rows[0]} fichiers lus, {rows[1]} fichiers en quarantaine, {rows[2]} lignes chargées")
            _print_ignored(settings)
        if "marts.quality_report" in tables:
            reasons = con.execute(
                """select regexp_replace(reason, ' : .*$', '') as reason, count(*) as n
                   from marts.quality_report group by 1 order by n desc, reason limit 12""").fetchall()
            print(f"  lignes ou fichiers en quarantaine (marts.quality_report) : "
                  f"{con.execute('select count(*) from marts.quality_report').fetchall()[0][0]}")
            for reason, n in reasons:
                print(f"    {n:>5}  {reason}")
        if "staging.unused_synonyms" in tables:
            unused = con.execute("select kind || ' : ' || synonym from staging.unused_synonyms").fetchall()
            if unused:
                examples = ", ".join(u[0] for u in unused[:6]) + (" ..." if len(unused) > 6 else "")
                print(f"  synonymes du vocabulaire jamais rencontrés dans les exports : {len(unused)} "
                      f"(staging.unused_synonyms ; ex. {examples})")
        marts = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
        print(f"  marts construits : {len(marts)} ({', '.join(marts)})")


def _print_ignored(settings: Settings) -> None:
    """OS junk and Office lock files are not exports: listed here, never quarantined (pipelines/lib/ingest/discovery.py)."""
    from pipelines.lib.ingest.discovery import discover, input_dir

    ignored = discover(input_dir(settings.raw_dir, settings.sample_dir)).ignored
    if ignored:
        examples = ", ".join(ignored[:5]) + (" ..." if len(ignored) > 5 else "")
        print(f"  fichiers ignorés (système, verrouillage Office, notes) : {len(ignored)} ({examples})")
