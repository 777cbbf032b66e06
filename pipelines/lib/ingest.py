"""Raw layer: every source row of every export file, as text, with its file and row number.

Incremental: a ledger records each file read (path, size, content hash, rows, outcome, and the fingerprint of
the reading code). A file whose content is unchanged since it was last read by the same code is never parsed
again; a file that disappeared has its rows removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.lib.bulk import insert_tuples
from pipelines.lib.hashing import sha256_file
from pipelines.lib.families import Family
from pipelines.lib.fingerprint import code_fingerprint
from pipelines.lib.parsing import file_date, fold, survey_wave
from pipelines.lib.readers import FileRejected, Table, read_tabular

META_COLUMNS = ["_source_file", "_sheet", "_row_number"]

LEDGER_DDL = """
create schema if not exists raw;
create table if not exists raw.file_ledger (
    family varchar, source_file varchar, root varchar, size_bytes bigint, sha256 varchar,
    file_date date, wave integer, n_rows integer, outcome varchar, reason varchar, parser_fingerprint varchar);
-- ledgers written before the reading code was fingerprinted kept a hand-bumped version number instead
alter table raw.file_ledger drop column if exists parser_version;
alter table raw.file_ledger add column if not exists parser_fingerprint varchar;
create table if not exists raw.file_issues (
    family varchar, source_file varchar, row_number integer, field varchar, value varchar, reason varchar);
"""


@dataclass
class IngestStats:
    family: str
    files_seen: int = 0
    files_parsed: int = 0
    files_unchanged: int = 0
    files_quarantined: int = 0
    files_removed: int = 0
    rows_loaded: int = 0
    parsed: list[str] = field(default_factory=list)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, family: Family) -> None:
    con.execute(LEDGER_DDL)
    for table, columns in family.raw_tables.items():
        cols = ", ".join(f'"{c}" varchar' for c in columns)
        con.execute(
            f"create table if not exists raw.{table} (_source_file varchar, _sheet varchar, _row_number integer, {cols}, _extra varchar)"
        )



def _candidate_files(root: Path, family: Family) -> list[Path]:
    folder = root / family.name
    if not folder.is_dir():
        return []
    return sorted(entry for entry in folder.iterdir() if not entry.is_dir() or entry.is_symlink())


def ingest_family(con: duckdb.DuckDBPyConnection, family: Family, root: Path) -> IngestStats:
    """Bring the raw tables of one family in line with the files under `root/<family>`."""
    ensure_raw_tables(con, family)
    stats = IngestStats(family.name)
    root_text = str(root.resolve())
    parser = code_fingerprint(__name__)  # this module and every project module it imports (readers, parsing...)
    known = {
        source: (sha, version)
        for source, sha, version in con.execute(
            "select source_file, sha256, parser_fingerprint from raw.file_ledger where family = ? and root = ?",
            [family.name, root_text],
        ).fetchall()
    }
    present: set[str] = set()
    new_rows: dict[str, list[dict]] = {table: [] for table in family.raw_tables}
    issues: list[tuple] = []
    ledger: list[tuple] = []
    for path in _candidate_files(root, family):
        source = f"{family.name}/{path.name}"
        present.add(source)
        stats.files_seen += 1
        sha = _content_sha(path, root)  # hashing is cheap; parsing is not: an unchanged file is never parsed
        if sha is not None and known.get(source) == (sha, parser):
            stats.files_unchanged += 1
            continue
        entry = _read_entry(path, root, family, source)
        stats.files_parsed += 1
        stats.parsed.append(source)
        if entry.reason:
            stats.files_quarantined += 1
            issues.append((family.name, source, None, "fichier", path.name, entry.reason))
        issues.extend((family.name, source, *issue) for issue in entry.row_issues)
        for table, rows in entry.rows.items():
            new_rows[table].extend(rows)
        stats.rows_loaded += entry.n_rows
        ledger.append((family.name, source, root_text, entry.size, entry.sha256, entry.file_date, entry.wave,
                       entry.n_rows, "quarantaine" if entry.reason else "lu", entry.reason, parser))
    gone = [s for s in _ledger_sources(con, family, root_text) if s not in present]
    gone += _other_roots(con, family, root_text)
    stats.files_removed = len(gone)
    if gone or stats.parsed:
        _forget(con, family, gone + stats.parsed)  # one set-based delete, not one per file
    for table, rows in new_rows.items():
        _insert_rows(con, table, family.raw_tables[table], rows)
    insert_tuples(con, "raw.file_issues", issues)
    insert_tuples(con, "raw.file_ledger", ledger)
    return stats


def _ledger_sources(con: duckdb.DuckDBPyConnection, family: Family, root_text: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select source_file from raw.file_ledger where family = ? and root = ?", [family.name, root_text]).fetchall()]


def _other_roots(con: duckdb.DuckDBPyConnection, family: Family, root_text: str) -> list[str]:
    """Rows read from another input folder (e.g. the sample before real exports arrived) no longer count."""
    return [r[0] for r in con.execute(
        "select source_file from raw.file_ledger where family = ? and root <> ?", [family.name, root_text]).fetchall()]


def _forget(con: duckdb.DuckDBPyConnection, family: Family, sources: list[str]) -> None:
    for table in family.raw_tables:
        con.execute(f"delete from raw.{table} where _source_file in (select unnest(?))", [sources])
    con.execute("delete from raw.file_issues where family = ? and source_file in (select unnest(?))", [family.name, sources])
    con.execute("delete from raw.file_ledger where family = ? and source_file in (select unnest(?))", [family.name, sources])


def _content_sha(path: Path, root: Path) -> str | None:
    """The content hash of a file `_read_entry` would hash, without parsing it; None if it would not."""
    if path.name.startswith((".", "~$")):
        return None
    try:
        if _not_followed(path, root):
            return None
        return sha256_file(path)
    except OSError:
        return None


def _not_followed(path: Path, root: Path) -> str | None:
    """Why an entry is never opened: it leads outside the exports folder (a symlink, or a family folder that is
    one), it cannot be resolved (dangling link, link loop), or it is not a regular file (reading a FIFO blocks)."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop on Python < 3.13
        return "lien symbolique cassé ou en boucle : non suivi"
    if not target.is_relative_to(root.resolve()):
        return "lien symbolique vers l'extérieur du dossier des exports : non suivi"
    if not target.is_file():
        return "pas un fichier ordinaire (dossier, tube...) : ignoré"
    return None


@dataclass
class _Entry:
    size: int | None = None
    sha256: str | None = None
    file_date: object = None
    wave: int | None = None
    n_rows: int = 0
    reason: str | None = None
    rows: dict[str, list[dict]] = field(default_factory=dict)
    row_issues: list[tuple] = field(default_factory=list)  # (row_number, field, value, reason), rows kept


def _read_entry(path: Path, root: Path, family: Family, source: str) -> _Entry:
    entry = _Entry()
    entry.reason = _not_followed(path, root)
    if entry.reason:
        return entry
    if path.name.startswith((".", "~$")):
        entry.reason = "fichier caché ou fichier de verrouillage Excel : ignoré"
        return entry
    try:
        entry.size = path.stat().st_size
        entry.sha256 = sha256_file(path)
        if path.suffix.lower() not in family.suffixes:
            raise FileRejected(f"format non pris en charge ici : {path.suffix or 'sans extension'} (attendu : {', '.join(family.suffixes)})")
        try:
            if family.name == "enquete_coordonnateurs":
                entry.wave = survey_wave(path.name)
            else:
                entry.file_date = file_date(path.name)
        except ValueError as error:
            raise FileRejected(str(error)) from None
        tables = read_tabular(path, key_column=family.key_column, sheets=family.sheets)
        if family.sheets is None:  # CSV or single-sheet roster: the one table is the family's raw table
            tables = {next(iter(family.raw_tables)): next(iter(tables.values()))}
        for table_name, columns in family.raw_tables.items():
            table = tables.get(table_name)
            if table is None:
                sheet = next((k for k, v in (family.sheets or {}).items() if v == table_name), table_name)
                raise FileRejected(f"feuille {sheet} absente")
            missing = [c for c in family.required[table_name] if fold(c) not in table.columns]
            if missing:
                raise FileRejected(f"colonne obligatoire absente : {', '.join(missing)}" + (f" (feuille {table.sheet})" if table.sheet else ""))
            entry.rows[table_name] = _raw_rows(table, columns, source)
            entry.n_rows += len(entry.rows[table_name])
            if path.suffix.lower() == ".csv":  # fewer fields than the header: the row (or the file) was cut short
                entry.row_issues += [
                    (number, "ligne", f"{len(cells)} champs",
                     f"ligne incomplète : {len(cells)} champs sur {len(table.columns)} (fichier tronqué ?)")
                    for number, cells in table.rows if len(cells) < len(table.columns)]
    except FileRejected as error:
        entry.reason = str(error)
        entry.rows = {}
        entry.row_issues = []
        entry.n_rows = 0
    except OSError as error:
        entry.reason = f"fichier illisible : {error.strerror or type(error).__name__}"
        entry.rows = {}
        entry.n_rows = 0
    return entry


def _raw_rows(table: Table, columns: list[str], source: str) -> list[dict]:
    """Known columns by their canonical name; unknown ones kept verbatim in `_extra` (JSON)."""
    position: dict[str, int] = {}
    for index, name in enumerate(table.columns):
        position.setdefault(name, index)
    known = {fold(c) for c in columns}
    extra_positions = [(i, n) for i, n in enumerate(table.columns) if n and n not in known and position.get(n) == i]
    indexes = [(column, position.get(fold(column))) for column in columns]
    rows = []
    for row_number, cells in table.rows:
        record = {"_source_file": source, "_sheet": table.sheet, "_row_number": row_number}
        for column, index in indexes:
            record[column] = cells[index] if index is not None and index < len(cells) else None
        extra = {name: cells[i] for i, name in extra_positions if i < len(cells) and cells[i] is not None}
        record["_extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
        rows.append(record)
    return rows


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[dict]) -> None:
    if not rows:
        return
    names = [*META_COLUMNS, *columns, "_extra"]
    arrays = {name: [row.get(name) for row in rows] for name in names}
    schema = pa.schema([(n, pa.int32() if n == "_row_number" else pa.string()) for n in names])
    batch = pa.table(arrays, schema=schema)
    con.register("_incoming", batch)
    try:
        quoted = ", ".join(f'"{n}"' for n in names)
        con.execute(f"insert into raw.{table} ({quoted}) select {quoted} from _incoming")
    finally:
        con.unregister("_incoming")
