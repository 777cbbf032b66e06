"""Staging layer: raw text rows -> typed rows with canonical codes, and the row-level quarantine.

Work is per source file and incremental: a file already staged with the same content hash *and the same rules*
(`rules_fingerprint`: typing code, vocabularies, registry, key) is not typed again. Choosing which file counts (latest roster, latest workbook per PTSM...) is set-based SQL in
`sql/staging/`, on top of these tables.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
import duckdb
import pyarrow as pa

from pipelines.lib.catalogue import families as fam
from pipelines.lib.warehouse.bulk import insert_tuples
from pipelines.lib.warehouse.fingerprint import code_fingerprint, fingerprint
from pipelines.lib.core.parsing import number_key
from pipelines.lib.staging.pseudonym import pseudonymise
from pipelines.lib.catalogue import catalogue
from pipelines.lib.catalogue.catalogue import catalogue_sha256
from pipelines.lib.catalogue.vocab import reload_vocabularies, synonym_usage

S = pa.string()
STAGING_SCHEMAS: dict[str, pa.Schema] = {
    "survey_answers": pa.schema(
        [("source_file", S), ("row_number", pa.int32()), ("wave", pa.int32()), ("response_id", pa.int64()),
         ("submitdate", pa.timestamp("s")), ("ptsm_id", S)]
        + [(c, S) for c in fam.SURVEY_CHOICES]
        + [("quotite", pa.int32())]
        + [(c, pa.bool_()) for c in fam.SURVEY_YES_NO]
        + [(fam.survey_item_column(c), pa.bool_()) for c in fam.SURVEY_MULTIPLE]
        + [("salaire_net", pa.float64())]
    ),
    "roster_rows": pa.schema(
        [("source_file", S), ("row_number", pa.int32()), ("file_date", pa.date32()), ("ptsm_id", S),
         ("coordonnateur_id", S), ("etp", pa.float64()), ("date_debut", pa.date32()), ("date_fin", pa.date32()),
         ("type_contrat", S), ("porteur", S), ("financement_ars_eur", pa.float64()), ("cofinancement_eur", pa.float64())]
    ),
    "action_workbooks": pa.schema(
        [("source_file", S), ("file_date", pa.date32()), ("ptsm_id", S), ("n_action_rows", pa.int32()),
         ("n_valid_actions", pa.int32()), ("n_funding_rows", pa.int32()), ("n_valid_funding", pa.int32())]
    ),
    "action_rows": pa.schema(
        [("source_file", S), ("row_number", pa.int32()), ("file_date", pa.date32()), ("ptsm_id", S),
         ("num_action", S), ("intitule", S), ("statut", S), ("priorisee_ctsm", pa.bool_()),
         ("annee_debut", pa.int32()), ("annee_fin", pa.int32()), ("priorities", pa.list_(pa.int32())),
         ("publics", pa.list_(S)), ("thematiques", pa.list_(S)), ("secteurs", pa.list_(S))]
    ),
    "funding_rows": pa.schema(
        [("source_file", S), ("row_number", pa.int32()), ("file_date", pa.date32()), ("ptsm_id", S),
         ("num_action", S), ("financeur", S), ("funder_group", S), ("annee", pa.int32()),
         ("montant_eur", pa.float64()), ("nature", S)]
    ),
    "milestone_rows": pa.schema(
        [("source_file", S), ("row_number", pa.int32()), ("file_date", pa.date32()), ("ptsm_id", S),
         ("date_arrete_ptsm", pa.date32()), ("date_signature_ctsm", pa.date32())]
    ),
}
FAMILY_TABLES = {
    "enquete_coordonnateurs": ["survey_answers"],
    "coordonnateurs": ["roster_rows"],
    "fiches_actions": ["action_workbooks", "action_rows", "funding_rows"],
    "statut_ptsm": ["milestone_rows"],
}

ISSUES_DDL = """
create schema if not exists staging;
create table if not exists staging.processed_files (family varchar, source_file varchar, input_fingerprint varchar);
create table if not exists staging.synonym_usage (family varchar, source_file varchar, kind varchar, synonym varchar, n integer);
create table if not exists staging.row_issues (
    family varchar, source_file varchar, sheet varchar, row_number integer, field varchar, value varchar, reason varchar);
"""


@dataclass
class StageStats:
    family: str
    files_typed: int = 0
    files_unchanged: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0


def _ensure_tables(con: duckdb.DuckDBPyConnection, family: str) -> None:
    legacy = con.execute("""select count(*) from duckdb_columns() where schema_name = 'staging'
        and table_name = 'processed_files' and column_name = 'staging_version'""").fetchall()[0][0]
    if legacy:  # staged before inputs were fingerprinted: stage everything again (well under a minute)
        for table in [*STAGING_SCHEMAS, "processed_files", "synonym_usage", "row_issues"]:
            con.execute(f"drop table if exists staging.{table}")
    con.execute(ISSUES_DDL)
    for table in FAMILY_TABLES[family]:
        empty = STAGING_SCHEMAS[table].empty_table()
        con.register("_empty", empty)
        con.execute(f"create table if not exists staging.{table} as select * from _empty")
        con.unregister("_empty")


def rules_fingerprint(registry: set[str], key: bytes, vocabularies_sha256: str) -> str:
    """Everything typing a row depends on besides the row: this module's code and the project code it imports,
    the vocabulary file as read, the catalogue (columns, excluded codes), the registry ids and the pseudonymisation
    key (hashed)."""
    return fingerprint(code_fingerprint(__name__), vocabularies_sha256, catalogue_sha256(), "\n".join(sorted(registry)),
                       hashlib.sha256(key).hexdigest())


def stage_family(con: duckdb.DuckDBPyConnection, family: str, registry: set[str], key: bytes) -> StageStats:
    """Type the raw rows of the files that changed since the last run, or that were typed with other rules;
    forget files that are gone."""
    _ensure_tables(con, family)
    rules = rules_fingerprint(registry, key, reload_vocabularies())
    stats = StageStats(family)
    # a file's input: its content, the code that read it into raw rows, and the rules that type those rows
    current = {
        source: (fingerprint(sha, parser or "", rules), file_date, wave)
        for source, sha, parser, file_date, wave in con.execute(
            """select source_file, sha256, parser_fingerprint, file_date, wave
               from raw.file_ledger where family = ? and outcome = 'lu'""", [family]
        ).fetchall()
    }
    done = dict(con.execute(
        "select source_file, input_fingerprint from staging.processed_files where family = ?", [family]).fetchall())
    todo = sorted(s for s, (fp, _, _) in current.items() if done.get(s) != fp)
    stale = [s for s in done if s not in current]
    _forget(con, family, sorted(set(stale) | set(todo)))
    stats.files_unchanged = len(current) - len(todo)
    if not todo:
        return stats
    typer = TYPERS[family]
    out: dict[str, list[dict]] = {t: [] for t in FAMILY_TABLES[family]}
    issues: list[tuple] = []
    raw_by_source = _raw_rows(con, family, todo)
    usage: list[tuple] = []
    for source in todo:
        _, file_date, wave = current[source]
        before = synonym_usage()
        typer(source, file_date, wave, raw_by_source[source], registry, key, out, issues)
        # kept per file, like everything staged, so the "unused synonyms" report stays right when files change
        usage += [(family, source, kind, synonym, n) for (kind, synonym), n in sorted((synonym_usage() - before).items())]
        stats.files_typed += 1
    for table, rows in out.items():
        _insert(con, table, rows)
    stats.rows_staged = sum(len(rows) for table, rows in out.items() if table != "action_workbooks")
    stats.rows_quarantined = len({(i[1], i[2], i[3]) for i in issues})
    insert_tuples(con, "staging.row_issues", issues)
    insert_tuples(con, "staging.synonym_usage", usage)
    insert_tuples(con, "staging.processed_files", [(family, s, current[s][0]) for s in todo])
    return stats


def _forget(con: duckdb.DuckDBPyConnection, family: str, sources: list[str]) -> None:
    if not sources:
        return
    for table in FAMILY_TABLES[family]:
        con.execute(f"delete from staging.{table} where source_file in (select unnest(?))", [sources])
    con.execute("delete from staging.row_issues where family = ? and source_file in (select unnest(?))", [family, sources])
    con.execute("delete from staging.synonym_usage where family = ? and source_file in (select unnest(?))", [family, sources])
    con.execute("delete from staging.processed_files where family = ? and source_file in (select unnest(?))", [family, sources])


def _raw_rows(con: duckdb.DuckDBPyConnection, family: str, sources: list[str]) -> dict[str, dict[str, list[dict]]]:
    """Raw rows of the given files, by file then raw table, in row order: one query per raw table, not per
    file (a first load of years of snapshots is thousands of files)."""
    tables = fam.FAMILIES[family].raw_tables
    rows: dict[str, dict[str, list[dict]]] = {source: {table: [] for table in tables} for source in sources}
    for table in tables:
        result = con.execute(
            f"select * from raw.{table} where _source_file in (select unnest(?)) order by _source_file, _row_number",
            [sources])
        names = [d[0] for d in result.description]
        for values in result.fetchall():
            record = dict(zip(names, values))
            rows[record["_source_file"]][table].append(record)
    return rows


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    schema = STAGING_SCHEMAS[table]
    batch = pa.table({f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema)
    con.register("_incoming", batch)
    try:
        con.execute(f"insert into staging.{table} select * from _incoming")
    finally:
        con.unregister("_incoming")


def _issue(family: str, source: str, sheet: str, row_number: int, problem: fam.Problem) -> tuple:
    return (family, source, sheet, row_number, problem.field, problem.value, problem.reason)


def _hint_issues(family: str, source: str, sheet: str, numbers: list[int]) -> list[tuple]:
    """Legend or hint rows of one sheet: one line in quality_report, not one per field."""
    if not numbers:
        return []
    value, reason = fam.hint_rows_reason(numbers)
    return [(family, source, sheet, numbers[0], "ligne", value, reason)]


def _stage_sheet(family: str, raw_table: str, table: str, identity: str, whole_row: bool):
    """The staging of a one-sheet family: each row typed from the catalogue (`families.type_row`), legend rows
    reported once, a person's name replaced by its pseudonym. `whole_row`: a problem quarantines the row (roster,
    milestones); else an unreadable answer becomes a missing answer and only a row without its id is dropped
    (survey, docs/contract.md §2.1)."""
    columns = catalogue.sheet(family, raw_table).columns
    personal = [(c.name, fam.staged_name(c)) for c in columns if c.personal]
    key_column = next(fam.staged_name(c) for c in columns if c.name == identity)

    def stage(source, file_date, wave, raw, registry, key, out, issues) -> None:
        hints = []
        for row in raw[raw_table]:
            typed, problems = fam.type_row(family, raw_table, row, registry)
            if fam.is_hint_row(row, problems, identity):
                hints.append(row["_row_number"])
                continue
            issues.extend(_issue(family, source, "", row["_row_number"], p) for p in problems)
            if (whole_row and problems) or typed[key_column] is None:
                continue
            for name, staged in personal:
                typed[staged] = pseudonymise(typed.pop(name), key)
            out[table].append({"source_file": source, "row_number": row["_row_number"], "file_date": file_date,
                               "wave": wave, **typed})
        issues.extend(_hint_issues(family, source, "", hints))
    return stage


def _stage_actions(source, file_date, wave, raw, registry, key, out, issues) -> None:
    """One workbook: its PTSM is the id its rows carry; a bad action row is excluded whole with its funding."""
    family = "fiches_actions"
    typed_rows = []
    hints = []
    for row in raw["actions"]:
        typed, problems = fam.type_row(family, "actions", row, registry)
        if fam.is_hint_row(row, problems, "ptsm_id"):
            hints.append(row["_row_number"])
            continue
        typed_rows.append((row, typed, problems))
    issues.extend(_hint_issues(family, source, "actions", hints))
    ids = Counter(t["ptsm_id"] for _, t, _ in typed_rows if t["ptsm_id"])
    workbook_ptsm = min(ids, key=lambda i: (-ids[i], i)) if ids else None
    numbers = Counter(t["num_action"] for _, t, _ in typed_rows if t["num_action"])
    valid_actions: set[str] = set()
    all_actions: set[str] = set()
    for row, typed, problems in typed_rows:
        if typed["ptsm_id"] and typed["ptsm_id"] != workbook_ptsm:
            problems.append(fam.Problem("ptsm_id", row.get("ptsm_id"), f"ptsm_id différent de celui du classeur ({workbook_ptsm})"))
        if typed["num_action"] and numbers[typed["num_action"]] > 1:
            problems.append(fam.Problem("num_action", row.get("num_action"), "num_action en double dans le classeur"))
        if typed["num_action"]:
            all_actions.add(typed["num_action"])
        if problems:
            issues.extend(_issue(family, source, "actions", row["_row_number"], p) for p in problems)
            continue
        valid_actions.add(typed["num_action"])
        out["action_rows"].append({"source_file": source, "row_number": row["_row_number"], "file_date": file_date, **typed})
    # a funding line matches its action by number when both parse as one (1.1 stored as a number, "1,1" typed)
    by_number: dict[str, set[str]] = {}
    for number in all_actions:
        by_number.setdefault(number_key(number), set()).add(number)
    n_valid_funding = 0
    hints = []
    for row in raw["funding"]:
        typed, problems = fam.type_row(family, "funding", row, registry)
        number = typed["num_action"]
        if number and number not in all_actions and len(by_number.get(number_key(number), ())) == 1:
            number = typed["num_action"] = next(iter(by_number[number_key(number)]))
        if number and number not in all_actions:
            problems.append(fam.Problem("num_action", row.get("num_action"), "num_action absent de la feuille actions"))
        elif number and number not in valid_actions and numbers[number] == 1:
            problems.append(fam.Problem("num_action", row.get("num_action"), "ligne de financement d'une action en quarantaine"))
        elif number and numbers[number] > 1:
            problems.append(fam.Problem("num_action", row.get("num_action"), "ligne de financement d'une action en double"))
        if fam.is_hint_row(row, problems, "num_action"):
            hints.append(row["_row_number"])
            continue
        if problems:
            issues.extend(_issue(family, source, "financements", row["_row_number"], p) for p in problems)
            continue
        n_valid_funding += 1
        out["funding_rows"].append({"source_file": source, "row_number": row["_row_number"], "file_date": file_date,
                                    "ptsm_id": workbook_ptsm, **typed})
    issues.extend(_hint_issues(family, source, "financements", hints))
    out["action_workbooks"].append({
        "source_file": source, "file_date": file_date, "ptsm_id": workbook_ptsm,
        "n_action_rows": len(raw["actions"]), "n_valid_actions": len(valid_actions),
        "n_funding_rows": len(raw["funding"]), "n_valid_funding": n_valid_funding,
    })


# the row typing of each family; `ptsm check` (pipelines/lib/producers/validate.py) calls the same functions
TYPERS = {
    "enquete_coordonnateurs": _stage_sheet("enquete_coordonnateurs", "survey", "survey_answers", "id", whole_row=False),
    "coordonnateurs": _stage_sheet("coordonnateurs", "roster", "roster_rows", "ptsm_id", whole_row=True),
    "fiches_actions": _stage_actions,
    "statut_ptsm": _stage_sheet("statut_ptsm", "milestones", "milestone_rows", "ptsm_id", whole_row=True),
}
