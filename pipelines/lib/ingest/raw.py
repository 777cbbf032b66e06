"""Raw layer: every source row of every export file, as text, with its file and row number.

Incremental: a ledger records each file read (path, size, content hash, rows, outcome, and the fingerprint of
the reading code). A file whose content is unchanged since it was last read by the same code is never parsed
again; a file that disappeared has its rows removed.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import datetime, timezone
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.lib.ingest.synthetic import synthetic_reason
from pipelines.lib.ingest import discovery
from pipelines.lib.warehouse.bulk import insert_tuples
from pipelines.lib.core.hashing import sha256_file
from pipelines.lib.catalogue.families import Family
from pipelines.lib.warehouse.fingerprint import code_fingerprint, fingerprint
from pipelines.lib.catalogue.vocab import file_lines, reload_vocabularies
from pipelines.lib.core.parsing import file_date, fold, survey_wave
from pipelines.lib.ingest.readers import FileRejected, Table, guessed_encoding, read_tabular

META_COLUMNS = ["_source_file", "_sheet", "_row_number"]
# the ledger's columns in the order the code writes them (an old ledger got some of them later, at its end)
LEDGER_COLUMNS = ["family", "source_file", "root", "size_bytes", "sha256", "file_date", "wave", "n_rows", "outcome",
                  "reason", "parser_fingerprint", "arrived_at"]

LEDGER_DDL = """
create schema if not exists raw;
create table if not exists raw.file_ledger (
    family varchar, source_file varchar, root varchar, size_bytes bigint, sha256 varchar,
    file_date date, wave integer, n_rows integer, outcome varchar, reason varchar, parser_fingerprint varchar);
-- ledgers written before the reading code was fingerprinted kept a hand-bumped version number instead
alter table raw.file_ledger drop column if exists parser_version;
alter table raw.file_ledger add column if not exists parser_fingerprint varchar;
-- when the file arrived in the exports folder (its mtime, UTC: raw.arrival_time says why): collection_status (issue 23 §3)
alter table raw.file_ledger add column if not exists arrived_at timestamp;
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



def ingest_family(con: duckdb.DuckDBPyConnection, family: Family, root: Path,
                  refuse_synthetic_of: Path | None = None) -> IngestStats:
    """Bring the raw tables of one family in line with the files under `root/<family>`. With `refuse_synthetic_of`
    (the sample folder, when `root` holds real exports) a file marked synthetic is quarantined (ingest/synthetic.py)."""
    ensure_raw_tables(con, family)
    stats = IngestStats(family.name)
    root_text = str(root.resolve())
    parser = code_fingerprint(__name__)  # this module and every project module it imports (readers, parsing...)
    parser = fingerprint(parser, _sheet_names_read())  # + the sheet-name synonyms this reading uses
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
    for found in discovery.discover(root).of(family.name):
        source = found.name
        present.add(source)
        stats.files_seen += 1
        sha = _content_sha(found, root)  # hashing is cheap; parsing is not: an unchanged file is never parsed
        if sha is not None and known.get(source) == (sha, parser):
            stats.files_unchanged += 1
            continue
        entry = _read_entry(found, root, family)
        if refuse_synthetic_of is not None and not entry.reason:
            marked = synthetic_reason(found.file_name, entry.sha256, refuse_synthetic_of)
            if marked:
                entry.reason, entry.rows, entry.row_issues, entry.n_rows = marked, {}, [], 0
        stats.files_parsed += 1
        stats.parsed.append(source)
        if entry.reason:
            stats.files_quarantined += 1
            issues.append((family.name, source, None, "fichier", found.file_name, entry.reason))
        issues.extend((family.name, source, *issue) for issue in entry.row_issues)
        for table, rows in entry.rows.items():
            new_rows[table].extend(rows)
        stats.rows_loaded += entry.n_rows
        ledger.append((family.name, source, root_text, entry.size, entry.sha256, entry.file_date, entry.wave,
                       entry.n_rows, "quarantaine" if entry.reason else "lu", entry.reason, parser,
                       arrival_time(found.path)))
    gone = [s for s in _ledger_sources(con, family, root_text) if s not in present]
    gone += _other_roots(con, family, root_text)
    stats.files_removed = len(gone)
    if gone or stats.parsed:
        _forget(con, family, gone + stats.parsed)  # one set-based delete, not one per file
    for table, rows in new_rows.items():
        _insert_rows(con, table, family.raw_tables[table], rows)
    insert_tuples(con, "raw.file_issues", issues)
    insert_tuples(con, "raw.file_ledger", ledger, LEDGER_COLUMNS)
    _record_unsorted(con, root)
    return stats


def _sheet_names_read() -> str:
    """The rows of the vocabulary file that reading uses (sheet names, kind `feuille`), read afresh: adding a sheet
    synonym re-reads the workbooks it concerns; another vocabulary change only re-types (staging)."""
    reload_vocabularies()
    return "\n".join(file_lines("feuille"))


def _record_unsorted(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Files under the exports folder that belong to no family folder are named in quality_report (family
    `hors_famille`), so that nothing there is silently ignored. Rewritten by every family's ingest: cheap, and
    right whichever family runs last."""
    root_text = str(root.resolve())
    found = discovery.discover(root).of(None)
    con.execute("delete from raw.file_issues where family = ?", [discovery.UNSORTED])
    con.execute("delete from raw.file_ledger where family = ?", [discovery.UNSORTED])
    insert_tuples(con, "raw.file_issues", [(discovery.UNSORTED, f.name, None, "fichier", f.file_name, f.reason) for f in found])
    insert_tuples(con, "raw.file_ledger", [(discovery.UNSORTED, f.name, root_text, None, None, None, None, 0, "quarantaine",
                                            f.reason, code_fingerprint(__name__), arrival_time(f.path)) for f in found],
                  LEDGER_COLUMNS)


def arrival_time(path: Path) -> datetime | None:
    """When a file arrived (UTC, naive): its modification time, which a deposit (portal or copy) sets and which a
    copy that keeps times (`cp -p`, `shutil.copy2`) carries along. Not the ctime: the ctime changes with every copy
    of the same inputs, and `collection_status` (its order of arrival) would then differ between two runs on the
    same files, and with it the release id (docs/contract.md: same inputs, same release). The freshness check keeps
    the later of mtime and ctime: it asks whether anything moved, not which file came first."""
    try:
        stat = path.lstat()
    except OSError:
        return None
    return datetime.fromtimestamp(stat.st_mtime, timezone.utc).replace(tzinfo=None)


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


def _content_sha(found: discovery.Found, root: Path) -> str | None:
    """The content hash of a file `_read_entry` would hash, without parsing it; None if it would not."""
    if found.reason:
        return None
    try:
        if found.member is not None:
            return hashlib.sha256(discovery.member_bytes(found)).hexdigest()
        if _not_followed(found.path, root):
            return None
        return sha256_file(found.path)
    except (OSError, FileRejected):
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
    source: str = ""
    size: int | None = None
    sha256: str | None = None
    file_date: object = None
    wave: int | None = None
    n_rows: int = 0
    reason: str | None = None
    rows: dict[str, list[dict]] = field(default_factory=dict)
    row_issues: list[tuple] = field(default_factory=list)  # (row_number, field, value, reason), rows kept


def _read_entry(found: discovery.Found, root: Path, family: Family) -> _Entry:
    entry = _Entry(source=found.name)
    entry.reason = found.reason or (None if found.member is not None else _not_followed(found.path, root))
    if entry.reason:
        return entry
    try:
        if found.member is not None:
            data = discovery.member_bytes(found)
            entry.size, entry.sha256 = len(data), hashlib.sha256(data).hexdigest()
            with tempfile.TemporaryDirectory(prefix="ptsm-zip-") as folder:
                path = Path(folder) / found.file_name
                path.write_bytes(data)
                del data
                _read_file(path, family, entry)
        else:
            entry.size = found.path.stat().st_size
            entry.sha256 = sha256_file(found.path)
            _read_file(found.path, family, entry)
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


def read_export(path: Path, family: Family) -> _Entry:
    """One export file read as the refresh reads it (the validator `ptsm check` calls this): its rows per raw
    table, the rows set aside with their reasons, or the reason the whole file is refused."""
    entry = _Entry(source=path.name)
    try:
        entry.size = path.stat().st_size
        _read_file(path, family, entry)
    except FileRejected as error:
        entry.reason, entry.rows, entry.row_issues, entry.n_rows = str(error), {}, [], 0
    except OSError as error:
        entry.reason, entry.rows, entry.n_rows = f"fichier illisible : {error.strerror or type(error).__name__}", {}, 0
    return entry


def _read_file(path: Path, family: Family, entry: _Entry) -> None:
    if path.suffix.lower() not in family.suffixes:
        raise FileRejected(f"format non pris en charge ici : {path.suffix or 'sans extension'} "
                           f"(attendu : {', '.join(family.suffixes)})")
    try:
        if family.name == "enquete_coordonnateurs":
            entry.wave = survey_wave(path.name)
        else:
            entry.file_date = file_date(path.name)
    except ValueError as error:
        raise FileRejected(str(error)) from None
    required = next(iter(family.required.values()))
    tables = read_tabular(path, key_column=family.key_column, sheets=family.sheets, required=required,
                          sheet_of=family.sheet_table if family.sheets else None)
    if family.sheets is None:  # CSV or single-table workbook: the one table is the family's raw table
        tables = {next(iter(family.raw_tables)): next(iter(tables.values()))}
    label = guessed_encoding(next(iter(tables.values())).encoding) if tables else None
    if label:  # said once per file, so that a wrong guess (accents, €) is traced to its cause (issue 23 §1)
        entry.row_issues.append((None, "encodage", label,
                                 f"encodage non déclaré : fichier lu comme {label} ; si des accents ou le signe € "
                                 "sont faux, enregistrez-le en « CSV UTF-8 » et renvoyez-le"))
    for table_name, columns in family.raw_tables.items():
        table = tables.get(table_name)
        if table is None:
            sheet = next((k for k, v in (family.sheets or {}).items() if v == table_name), table_name)
            raise FileRejected(f"feuille {sheet} absente")
        where = f" (feuille {table.sheet})" if table.sheet else ""
        missing = [c for c in family.required[table_name] if fold(c) not in table.columns]
        if missing:
            raise FileRejected(f"colonne obligatoire absente : {', '.join(missing)}{where}")
        if table_name == next(iter(family.raw_tables)) and not table.rows and not table.issues:
            # a snapshot with a header and no data row would publish every PTSM empty: refused, the previous stays
            raise FileRejected(f"aucune ligne de données sous l'en-tête (ligne {table.header_row}){where} : fichier "
                               "écarté, le fichier précédent reste utilisé ; renvoyez-le rempli")
        entry.rows[table_name] = _raw_rows(table, columns, entry.source)
        entry.n_rows += len(entry.rows[table_name])
        entry.row_issues += table.issues
        if path.suffix.lower() == ".csv":  # fewer fields than the header: the row (or the file) was cut short
            entry.row_issues += [
                (number, "ligne", f"{len(cells)} champs",
                 f"ligne incomplète : {len(cells)} champs sur {len(table.columns)} (fichier tronqué ?)")
                for number, cells in table.rows if len(cells) < len(table.columns)]


def _raw_rows(table: Table, columns: list[str], source: str) -> list[dict]:
    """Known columns by their canonical name; unknown ones kept verbatim in `_extra` (JSON). A header written
    twice: an entirely empty copy is ignored, two filled copies refuse the file naming the column."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(table.columns):
        if name:
            positions.setdefault(name, []).append(index)
    filled = {i for _, cells in table.rows for i, cell in enumerate(cells) if cell is not None and cell.strip()}
    known = {fold(c) for c in columns}
    chosen: dict[str, int] = {}
    for name, where in positions.items():
        used = [i for i in where if i in filled]
        if name in known and len(used) > 1:
            letters = ", ".join(column_letter(i) for i in used)
            raise FileRejected(f"colonne « {name} » en double (colonnes {letters}{', feuille ' + table.sheet if table.sheet else ''}), "
                               "remplie dans chaque copie : gardez une seule colonne de ce nom")
        chosen[name] = used[0] if used else where[0]
    extra_positions = [(i, name if i == where[0] else f"{name} ({where.index(i) + 1})")
                       for name, where in positions.items() if name not in known for i in where]
    indexes = [(column, chosen.get(fold(column))) for column in columns]
    rows = []
    for row_number, cells in table.rows:
        record = {"_source_file": source, "_sheet": table.sheet, "_row_number": row_number}
        for column, index in indexes:
            record[column] = cells[index] if index is not None and index < len(cells) else None
        extra = {name: cells[i] for i, name in extra_positions if i < len(cells) and cells[i] is not None}
        record["_extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
        rows.append(record)
    return rows


def column_letter(index: int) -> str:
    """0 -> A, 27 -> AB: the column as a spreadsheet shows it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


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
